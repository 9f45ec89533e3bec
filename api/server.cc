#include "api/server.h"

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/http_server.h"
#include "api/log.h"
#include "api/metrics.h"
#include "api/views.h"
#include "api/web_assets.h"
#include "crypto/key_file.h"
#include "crypto/merkle.h"
#include "events/event.h"
#include "events/json.h"
#include "ledger/entry.h"
#include "ledger/format.h"
#include "projections/build.h"
#include "projections/evaluate.h"

namespace creditlog::api {
namespace {

using nlohmann::json;
using Params = PathParams;
using Clock = std::chrono::steady_clock;
// What a handler did: answered, or arranged for an answer from another thread.
enum class Reply : uint8_t { kAnswered, kLater };

constexpr const char* kJsonType = "application/json; charset=utf-8";
constexpr const char* kTextType = "text/plain; charset=utf-8";

Result<uint64_t> ParseNumber(std::string_view name, std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return Status::InvalidArgument("'" + std::string(name) + "': '" + std::string(text) + "' is not a number in range");
  }
  return value;
}

Result<uint64_t> Number(const Request& req, const char* name) {
  if (!req.has_query(name)) return Status::InvalidArgument(std::string("query parameter '") + name + "' is required");
  return ParseNumber(std::string("query parameter ") + name, req.query(name));
}

json Hashes(const std::vector<Hash>& hashes) {
  json out = json::array();
  for (const Hash& h : hashes) out.push_back(Base64Encode(h));
  return out;
}

json AppendJson(const ledger::AppendResult& r) {
  return {{"seq", r.seq}, {"stream_version", r.stream_version}, {"recorded_at_ms", r.recorded_at_ms}, {"duplicate", r.duplicate}};
}

json ErrorJson(const Status& status) {
  return {{"error", {{"code", StatusCodeName(status.code())}, {"message", status.message()}}}};
}

// A 500's details (RocksDB messages, file paths) go to the log only; the client gets the code
// and the request id to quote.
Status ForClient(const Request& req, const Status& status) {
  if (HttpStatusFor(status.code()) != 500) return status;
  Log(spdlog::level::err, "internal error",
      json{{"method", std::string(req.method())}, {"path", std::string(req.path())}, {"request_id", req.request_id()},
           {"code", StatusCodeName(status.code())}, {"error", status.message()}});
  return Status::FromCode(status.code(), "internal error; request id " + req.request_id());
}

std::string Dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

class ServerImpl;
using Handler = Reply (ServerImpl::*)(const Request&, const Params&, const Principal&);

struct Route {
  const char* method;
  const char* path;  // OpenAPI style
  Role role;
  Handler handler;
  size_t body_bytes_max = 0;  // 0: takes no body
};

// {seq} is digits only ("/v1/entries/x" is no route); {file} spans folders ("web/pages/a.js").
ParamMatch LastParamMatch(std::string_view path) {
  if (path.ends_with("{seq}")) return ParamMatch::kDigits;
  if (path.ends_with("{file}")) return ParamMatch::kRestOfPath;
  return ParamMatch::kSegment;
}

class ServerImpl final : public Server {
 public:
  ServerImpl(ledger::Ledger& ledger, const ServerOptions& options)
      : ledger_(ledger), options_(options), access_(options.tokens) {}
  ~ServerImpl() override;
  Status Run();
  void Stop() override;
  uint16_t port() const override { return http_ ? http_->port() : 0; }
  static const std::vector<Route>& Routes();

 private:
  Status AddRoutes();

  Reply Send(const Request& req, int code, const char* content_type, std::string body, int64_t retry_after = 0);
  Reply Json(const Request& req, const json& body) { return Send(req, 200, kJsonType, Dump(body)); }
  Reply Text(const Request& req, std::string body) { return Send(req, 200, kTextType, std::move(body)); }
  Reply Error(const Request& req, const Status& status, int64_t retry_after = 0);
  Status Writable() const;
  Status CheckWrite(const Request& req, size_t body_bytes_max, const char* what, bool* wait);
  void RespondWithCheckpoint(const Request& req, json reply, uint64_t last_seq);
  template <typename Fn>
  Reply WithState(const Request& req, Fn fn);
  Result<json> EntryJson(uint64_t seq, const ledger::KeyRegistry& registry);
  Result<projections::Day> AsOf(const Request& req);
  void BeginWrite() {
    std::lock_guard lock(drain_mutex_);
    ++in_flight_;
  }
  void EndWrite();

  // Handlers, one per route (see Routes()).
  Reply ConsoleIndex(const Request&, const Params&, const Principal&);
  Reply ConsoleFile(const Request&, const Params&, const Principal&);
  Reply ServeAsset(const Request& req, const std::string& file);
  Reply Healthz(const Request&, const Params&, const Principal&);
  Reply Readyz(const Request&, const Params&, const Principal&);
  Reply MetricsText(const Request&, const Params&, const Principal&);
  Reply OpenApi(const Request&, const Params&, const Principal&);
  Reply WhoAmI(const Request&, const Params&, const Principal&);
  Reply Checkpoint(const Request&, const Params&, const Principal&);
  Reply VerifierKey(const Request&, const Params&, const Principal&);
  Reply Entry(const Request&, const Params&, const Principal&);
  Reply Entries(const Request&, const Params&, const Principal&);
  Reply InclusionProof(const Request&, const Params&, const Principal&);
  Reply ConsistencyProof(const Request&, const Params&, const Principal&);
  Reply PublicProfile(const Request&, const Params&, const Principal&);
  Reply Profile(const Request&, const Params&, const Principal&);
  Reply Measures(const Request&, const Params&, const Principal&);
  Reply Timeline(const Request&, const Params&, const Principal&);
  Reply Search(const Request&, const Params&, const Principal&);
  Reply List(const Request&, const Params&, const Principal&);
  Reply Integrity(const Request&, const Params&, const Principal&);
  Reply PostEvent(const Request&, const Params&, const Principal&);
  Reply PostBatch(const Request&, const Params&, const Principal&);

  template <typename View>
  Reply SubjectView(const Request& req, const Params& params, View view);

  ledger::Ledger& ledger_;
  const ServerOptions options_;
  AccessControl access_;
  Metrics metrics_;
  std::shared_mutex projection_mutex_;  // GUARDS: projection_
  std::mutex list_cache_mutex_;         // GUARDS: list_cache_
  // Whole lists are costly to compute: kept per (list, day) until the log grows.
  std::map<std::pair<int, projections::Day>, std::pair<uint64_t, std::string>> list_cache_;
  projections::State projection_;
  std::atomic<bool> draining_{false};
  std::mutex drain_mutex_;               // GUARDS: in_flight_ changes (read without it for metrics)
  std::atomic<int64_t> in_flight_{0};    // appends accepted and not yet answered
  std::condition_variable drained_;
  std::mutex stop_mutex_;
  std::unique_ptr<HttpServer> http_;     // set while serving
};

const std::vector<Route>& ServerImpl::Routes() {
  static const std::vector<Route> routes = {
      {"GET", "/", Role::kPublic, &ServerImpl::ConsoleIndex},
      {"GET", "/web/{file}", Role::kPublic, &ServerImpl::ConsoleFile},
      {"GET", "/healthz", Role::kPublic, &ServerImpl::Healthz},
      {"GET", "/readyz", Role::kPublic, &ServerImpl::Readyz},
      {"GET", "/metrics", Role::kAdmin, &ServerImpl::MetricsText},
      {"GET", "/v1/openapi.json", Role::kPublic, &ServerImpl::OpenApi},
      {"GET", "/v1/whoami", Role::kPublic, &ServerImpl::WhoAmI},
      {"GET", "/v1/checkpoint", Role::kPublic, &ServerImpl::Checkpoint},
      {"GET", "/v1/verifier-key", Role::kPublic, &ServerImpl::VerifierKey},
      {"GET", "/v1/entries/{seq}", Role::kInspector, &ServerImpl::Entry},
      {"GET", "/v1/entries", Role::kAuditor, &ServerImpl::Entries},
      {"GET", "/v1/proofs/inclusion", Role::kPublic, &ServerImpl::InclusionProof},
      {"GET", "/v1/proofs/consistency", Role::kPublic, &ServerImpl::ConsistencyProof},
      {"GET", "/v1/subjects/{id}/public-profile", Role::kPublic, &ServerImpl::PublicProfile},
      {"GET", "/v1/subjects/{id}/profile", Role::kInspector, &ServerImpl::Profile},
      {"GET", "/v1/subjects/{id}/measures", Role::kInspector, &ServerImpl::Measures},
      {"GET", "/v1/subjects/{id}/timeline", Role::kInspector, &ServerImpl::Timeline},
      {"GET", "/v1/search", Role::kPublic, &ServerImpl::Search},
      {"GET", "/v1/lists/{name}", Role::kPublic, &ServerImpl::List},
      {"GET", "/v1/integrity", Role::kPublic, &ServerImpl::Integrity},
      {"POST", "/v1/events", Role::kPublic, &ServerImpl::PostEvent, kRequestBodyBytesMax},
      {"POST", "/v1/events/batch", Role::kPublic, &ServerImpl::PostBatch, kBatchBodyBytesMax},
  };
  return routes;
}

// The transport logs every request at debug level and counts every status (metrics_); a 500's
// details are logged by ForClient.
Reply ServerImpl::Send(const Request& req, int code, const char* content_type, std::string body, int64_t retry_after) {
  Response response{code, content_type, std::move(body), {}};
  if (retry_after > 0) response.headers.emplace_back("Retry-After", std::to_string(retry_after));
  if (code == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  req.Respond(std::move(response));
  return Reply::kAnswered;
}

Reply ServerImpl::Error(const Request& req, const Status& status, int64_t retry_after) {
  if (status.code() == StatusCode::kResourceExhausted && retry_after <= 0) retry_after = kRetryAfterSecondsQueueFull;
  return Send(req, HttpStatusFor(status.code()), kJsonType, Dump(ErrorJson(ForClient(req, status))), retry_after);
}

Status ServerImpl::Writable() const {
  if (options_.read_only) return Status::Unavailable("this server is a read-only replica: submit events to the primary");
  if (draining_) return Status::Unavailable("the server is shutting down");
  return Status::Ok();
}

// The last thing an append's callback does: once in_flight_ is 0 the server may be destroyed.
void ServerImpl::EndWrite() {
  std::lock_guard lock(drain_mutex_);
  if (--in_flight_ == 0) drained_.notify_all();
}

Result<json> ServerImpl::EntryJson(uint64_t seq, const ledger::KeyRegistry& registry) {
  ASSIGN_OR_RETURN(Bytes bytes, ledger_.Entry(seq));
  ASSIGN_OR_RETURN(ledger::EntryView view, ledger::ParseEntry(bytes));
  ASSIGN_OR_RETURN(std::string event, events::EventToJson(view.envelope.event_bytes));
  json out = {{"seq", seq},
              {"entry", Base64Encode(bytes)},
              {"recorded_at_ms", view.recorded_at_ms},
              {"stream_version", view.stream_version},
              {"public_key", Base64Encode(view.envelope.public_key)},
              // What the author signed, for checking the signature elsewhere (a browser):
              // Ed25519 over "creditlog-signature-v1" 0 purpose 0 origin 0 event_bytes.
              {"event_bytes", Base64Encode(view.envelope.event_bytes)},
              {"signature", Base64Encode(view.envelope.signature)},
              {"signature_purpose", events::EventSignaturePurpose(view.envelope.schema_version)},
              {"event", json::parse(event)}};
  if (const ledger::KeyRecord* signer = registry.Find(view.envelope.public_key)) {
    out["signer"] = {{"agency_uscc", signer->agency_uscc}, {"agency_name", signer->agency_name}, {"key_name", signer->key_name},
                     {"registered_seq", signer->registered_seq}, {"revoked_seq", signer->revoked_seq ? json(*signer->revoked_seq) : json()}};
  }
  return out;
}

Result<projections::Day> ServerImpl::AsOf(const Request& req) { return ParseAsOf(std::string(req.query("as_of"))); }

// The live projection, caught up with the log before the query is answered. Queries share
// it; only catching up (when the log grew) takes it exclusively.
template <typename Fn>
Reply ServerImpl::WithState(const Request& req, Fn fn) {
  const uint64_t size = ledger_.size();
  {
    std::shared_lock lock(projection_mutex_);
    if (projection_.applied() >= size) return fn(projection_);
  }
  {
    std::unique_lock lock(projection_mutex_);
    Status caught_up = projections::CatchUp(ledger_, size, &projection_);
    if (!caught_up.ok()) return Error(req, caught_up);
  }
  std::shared_lock lock(projection_mutex_);
  return fn(projection_);
}

// The web console: embedded files, or with ServerOptions::web_dir the files on disk (for
// working on the console without rebuilding).
Reply ServerImpl::ServeAsset(const Request& req, const std::string& file) {
  if (file.find("..") != std::string::npos || file.starts_with("/")) {
    return Error(req, Status::InvalidArgument("'" + file + "' is not a console file name"));
  }
  const std::string type(WebContentType(file));
  if (!options_.web_dir.empty()) {
    auto bytes = ReadSmallFile(options_.web_dir + "/" + file, kWebFileBytesMax);
    if (bytes.ok()) return Send(req, 200, type.c_str(), std::move(*bytes));
  } else {
    for (const WebAsset& asset : WebAssets()) {
      if (asset.path == file) return Send(req, 200, type.c_str(), std::string(asset.bytes));
    }
  }
  return Error(req, Status::NotFound("no console file '" + file + "'"));
}

Reply ServerImpl::ConsoleIndex(const Request& req, const Params&, const Principal&) { return ServeAsset(req, "index.html"); }

Reply ServerImpl::ConsoleFile(const Request& req, const Params& params, const Principal&) {
  return ServeAsset(req, std::string(params["file"]));
}

Reply ServerImpl::Healthz(const Request& req, const Params&, const Principal&) { return Text(req, "ok\n"); }

Reply ServerImpl::Readyz(const Request& req, const Params&, const Principal&) {
  if (ledger_.size() == 0) return Error(req, Status::Unavailable("the ledger is empty"));
  if (draining_) return Error(req, Status::Unavailable("the server is shutting down"));
  return Text(req, "ready\n");
}

Reply ServerImpl::MetricsText(const Request& req, const Params&, const Principal&) {
  std::string out;
  metrics_.append_latency.Write(&out, "creditlog_append_latency_seconds",
                                "Time from receiving an append to acknowledging it durable.");
  metrics_.commit_latency.Write(&out, "creditlog_commit_latency_seconds", "One synced group-commit write (fsync).");
  metrics_.commit_events.Write(&out, "creditlog_commit_events", "Events per group commit.");
  WriteGauge(&out, "creditlog_append_queue_depth", "Appends waiting for the writer.", static_cast<double>(ledger_.queue_depth()));
  WriteGauge(&out, "creditlog_ledger_size", "Entries in the log (tree size).", static_cast<double>(ledger_.size()));
  WriteGauge(&out, "creditlog_appends_in_flight", "Appends accepted and not yet answered.", static_cast<double>(in_flight_.load()));
  metrics_.events_by_type.Write(&out, "creditlog_events_total", "type", "Events committed, by event type.");
  metrics_.responses_by_status.Write(&out, "creditlog_http_responses_total", "HTTP responses by status.");
  WriteCounter(&out, "creditlog_auth_failures_total", "Requests with a malformed or unknown token.", static_cast<double>(access_.failures()));
  const HttpCounters http = http_ ? http_->counters() : HttpCounters{};
  WriteGauge(&out, "creditlog_http_connections_open", "Open HTTP connections.", static_cast<double>(http.connections_open));
  WriteGauge(&out, "creditlog_http_body_bytes_in_flight", "Declared request bodies being read or handled, in bytes.",
             static_cast<double>(http.body_bytes_in_flight));
  WriteCounter(&out, "creditlog_http_connections_refused_total", "Connections refused at the connection caps.",
               static_cast<double>(http.connections_refused));
  WriteCounter(&out, "creditlog_http_requests_refused_total", "Requests refused before any handler (malformed, too large, busy).",
               static_cast<double>(http.requests_refused));
  WriteCounter(&out, "creditlog_checkpoints_published_total", "Checkpoints signed by this server.",
               options_.publisher ? static_cast<double>(options_.publisher->published()) : 0.0);
  return Send(req, 200, "text/plain; version=0.0.4; charset=utf-8", std::move(out));
}

Reply ServerImpl::OpenApi(const Request& req, const Params&, const Principal&) {
  return Send(req, 200, kJsonType, std::string(OpenApiDocument()));
}

Reply ServerImpl::WhoAmI(const Request& req, const Params&, const Principal& who) {
  return Json(req, {{"role", RoleName(who.role)}, {"name", who.name}});
}

Reply ServerImpl::Checkpoint(const Request& req, const Params&, const Principal&) {
  auto note = ledger_.LatestCheckpoint();
  return note.ok() ? Text(req, *note) : Error(req, note.status());
}

Reply ServerImpl::VerifierKey(const Request& req, const Params&, const Principal&) {
  return Text(req, ledger_.VerifierKey() + "\n");
}

Reply ServerImpl::Entry(const Request& req, const Params& params, const Principal&) {
  auto seq = ParseNumber("seq", params["seq"]);
  if (!seq.ok()) return Error(req, seq.status());
  auto entry = EntryJson(*seq, ledger_.registry());
  return entry.ok() ? Json(req, *entry) : Error(req, entry.status());
}

Reply ServerImpl::Entries(const Request& req, const Params&, const Principal&) {
  auto after = req.has_query("after") ? Number(req, "after") : Result<uint64_t>(uint64_t{0});
  auto limit = req.has_query("limit") ? Number(req, "limit") : Result<uint64_t>(kEntriesPageDefault);
  if (!after.ok()) return Error(req, after.status());
  if (!limit.ok()) return Error(req, limit.status());
  json entries = json::array();
  const uint64_t size = ledger_.size();
  const ledger::KeyRegistry registry = ledger_.registry();
  const uint64_t end = *after >= size ? *after : std::min(size, *after + std::min(*limit, kEntriesPageMax));
  for (uint64_t seq = *after; seq < end; ++seq) {
    auto entry = EntryJson(seq, registry);
    if (!entry.ok()) return Error(req, entry.status());
    entries.push_back(std::move(*entry));
  }
  return Json(req, {{"after", *after}, {"size", size}, {"entries", std::move(entries)}});
}

Reply ServerImpl::InclusionProof(const Request& req, const Params&, const Principal&) {
  auto seq = Number(req, "seq");
  auto size = Number(req, "size");
  if (!seq.ok()) return Error(req, seq.status());
  if (!size.ok()) return Error(req, size.status());
  auto proof = ledger_.InclusionProof(*seq, *size);
  if (!proof.ok()) return Error(req, proof.status());
  return Json(req, {{"seq", *seq}, {"size", *size}, {"hashes", Hashes(*proof)}});
}

Reply ServerImpl::ConsistencyProof(const Request& req, const Params&, const Principal&) {
  auto old_size = Number(req, "old");
  auto new_size = Number(req, "new");
  if (!old_size.ok()) return Error(req, old_size.status());
  if (!new_size.ok()) return Error(req, new_size.status());
  auto proof = ledger_.ConsistencyProof(*old_size, *new_size);
  if (!proof.ok()) return Error(req, proof.status());
  return Json(req, {{"old", *old_size}, {"new", *new_size}, {"hashes", Hashes(*proof)}});
}

template <typename View>
Reply ServerImpl::SubjectView(const Request& req, const Params& params, View view) {
  auto day = AsOf(req);
  if (!day.ok()) return Error(req, day.status());
  const std::string id(params["id"]);
  return WithState(req, [&](const projections::State& state) {
    auto profile = projections::Evaluate(state, id, *day);
    return profile.ok() ? Json(req, view(*profile)) : Error(req, profile.status());
  });
}

Reply ServerImpl::PublicProfile(const Request& req, const Params& params, const Principal&) {
  return SubjectView(req, params, [](const projections::Profile& p) { return ProfileJson(p, true); });
}

Reply ServerImpl::Profile(const Request& req, const Params& params, const Principal&) {
  return SubjectView(req, params, [](const projections::Profile& p) { return ProfileJson(p, false); });
}

Reply ServerImpl::Measures(const Request& req, const Params& params, const Principal&) {
  return SubjectView(req, params, [](const projections::Profile& p) { return MeasuresJson(p); });
}

// With ?as_of, only the events whose business date is on or before it.
Reply ServerImpl::Timeline(const Request& req, const Params& params, const Principal&) {
  const bool dated = req.has_query("as_of");
  auto day = AsOf(req);
  if (!day.ok()) return Error(req, day.status());
  auto timeline = TimelineJson(ledger_, std::string(params["id"]), kTimelineEventsDefault);
  if (!timeline.ok()) return Error(req, timeline.status());
  if (dated) {
    const std::string last = Date(*day);
    json kept = json::array();
    for (auto& row : (*timeline)["timeline"]) {
      if (!row["date"].is_string() || row["date"].get<std::string>() <= last) kept.push_back(std::move(row));
    }
    (*timeline)["timeline"] = std::move(kept);
    (*timeline)["as_of"] = last;
  }
  return Json(req, *timeline);
}

Reply ServerImpl::Search(const Request& req, const Params&, const Principal&) {
  if (req.query("q").empty()) return Error(req, Status::InvalidArgument("query parameter 'q' is required"));
  const std::string q(req.query("q"));
  return WithState(req, [&](const projections::State& state) { return Json(req, SearchJson(state, q, kSearchResultsMax)); });
}

// The serious-dishonesty, government-dishonesty and red lists are published; the watch list
// and 告知承诺 ineligibility are for inspectors.
Reply ServerImpl::List(const Request& req, const Params& params, const Principal& who) {
  auto day = AsOf(req);
  auto kind = projections::ListFromName(std::string(params["name"]));
  if (!day.ok()) return Error(req, day.status());
  if (!kind.ok()) return Error(req, kind.status());
  if (*kind == fb::ListKind::Watch || *kind == fb::ListKind::NotificationIneligible) {
    if (Status allowed = AccessControl::Require(who, Role::kInspector); !allowed.ok()) return Error(req, allowed);
  }
  return WithState(req, [&](const projections::State& state) {
    const auto key = std::make_pair(static_cast<int>(*kind), *day);
    {
      std::lock_guard lock(list_cache_mutex_);
      auto it = list_cache_.find(key);
      if (it != list_cache_.end() && it->second.first == state.applied()) return Send(req, 200, kJsonType, it->second.second);
    }
    auto list = ListJson(state, *kind, *day);
    if (!list.ok()) return Error(req, list.status());
    std::string body = Dump(*list);
    {
      std::lock_guard lock(list_cache_mutex_);
      if (list_cache_.size() >= kListCacheEntriesMax) list_cache_.clear();
      list_cache_[key] = {state.applied(), body};
    }
    return Send(req, 200, kJsonType, std::move(body));
  });
}

Reply ServerImpl::Integrity(const Request& req, const Params&, const Principal&) {
  auto day = AsOf(req);
  if (!day.ok()) return Error(req, day.status());
  return WithState(req, [&](const projections::State& state) {
    return Json(req, IntegrityJson(projections::IntegrityBoard(state, *day), *day));
  });
}

// What every write checks first: the server takes writes, the body fits, and ?wait= is
// understood. Sets *wait when the client asked to wait for a checkpoint.
Status ServerImpl::CheckWrite(const Request& req, size_t body_bytes_max, const char* what, bool* wait) {
  RETURN_IF_ERROR(Writable());
  const size_t size = req.body().size();
  if (size > body_bytes_max) {
    return Status::TooLarge("the body is " + std::to_string(size) + " bytes; " + what + " may be at most " +
                            std::to_string(body_bytes_max));
  }
  *wait = req.has_query("wait");
  if (*wait && req.query("wait") != "checkpoint") return Status::InvalidArgument("query parameter 'wait' may only be 'checkpoint'");
  if (*wait && options_.publisher == nullptr) return Status::Unavailable("this server does not publish checkpoints");
  return Status::Ok();
}

// Answers `reply` once a checkpoint covers `last_seq`, adding the signed checkpoint and, to each
// result carrying a seq (the reply itself, or each of a batch's "results"), its inclusion proof.
void ServerImpl::RespondWithCheckpoint(const Request& req, json reply, uint64_t last_seq) {
  options_.publisher->WhenCovered(last_seq + 1, [this, req, reply = std::move(reply)](Result<ledger::PublishedCheckpoint> cp) mutable {
    Status added = cp.status();
    if (cp.ok()) {
      reply["checkpoint"] = cp->note;
      auto add_proof = [&](json& result) -> Status {
        const uint64_t seq = result["seq"].get<uint64_t>();
        ASSIGN_OR_RETURN(std::vector<Hash> proof, ledger_.InclusionProof(seq, cp->size));
        result["inclusion"] = {{"seq", seq}, {"size", cp->size}, {"hashes", Hashes(proof)}};
        return Status::Ok();
      };
      if (!reply.contains("results")) {
        added = add_proof(reply);
      } else {
        for (auto& result : reply["results"]) {
          if (added.ok() && result.contains("seq")) added = add_proof(result);
        }
      }
    }
    if (added.ok()) {
      Json(req, reply);
    } else {
      Error(req, added);
    }
    EndWrite();
  });
}

// One signed Envelope (application/octet-stream). Answered from the writer thread once durable,
// or, with ?wait=checkpoint, from the publisher once a checkpoint covers it.
Reply ServerImpl::PostEvent(const Request& req, const Params&, const Principal&) {
  const auto received = Clock::now();
  bool wait = false;
  if (Status ok = CheckWrite(req, kRequestBodyBytesMax, "one event", &wait); !ok.ok()) return Error(req, ok);
  const std::string& body = req.body();
  BeginWrite();
  ledger_.AppendWithCallback(Bytes(body.begin(), body.end()), [this, req, wait, received](Result<ledger::AppendResult> r) {
    if (!r.ok()) {
      Error(req, r.status());
      return EndWrite();
    }
    metrics_.append_latency.Observe(std::chrono::duration<double>(Clock::now() - received).count());
    if (!wait) {
      Json(req, AppendJson(*r));
      return EndWrite();
    }
    RespondWithCheckpoint(req, AppendJson(*r), r->seq);
  });
  return Reply::kLater;
}

// {"envelopes":["base64", …]}: checked and queued whole; one result per envelope, in order.
Reply ServerImpl::PostBatch(const Request& req, const Params&, const Principal&) {
  const auto received = Clock::now();
  bool wait = false;
  if (Status ok = CheckWrite(req, kBatchBodyBytesMax, "a batch", &wait); !ok.ok()) return Error(req, ok);
  const std::string& body = req.body();
  if (events::JsonNestingDepth(body) > kJsonDepthMax) {
    return Error(req, Status::InvalidArgument("the body nests deeper than " + std::to_string(kJsonDepthMax) + " levels"));
  }
  const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Error(req, Status::InvalidArgument("the body is not valid JSON"));
  if (!doc.is_object() || !doc.contains("envelopes") || !doc["envelopes"].is_array()) {
    return Error(req, Status::InvalidArgument(R"(the body must be {"envelopes":["base64", …]})"));
  }
  const json& list = doc["envelopes"];
  if (list.empty()) return Error(req, Status::InvalidArgument("'envelopes' is empty"));
  if (list.size() > kBatchEventsMax) {
    return Error(req, Status::TooLarge("'envelopes' holds " + std::to_string(list.size()) + "; a batch may hold at most " +
                                       std::to_string(kBatchEventsMax)));
  }
  const size_t n = list.size();
  std::vector<Bytes> envelopes;
  std::vector<size_t> index;  // envelopes[k] is request item index[k]
  auto results = std::make_shared<std::vector<std::optional<Result<ledger::AppendResult>>>>(n);
  for (size_t i = 0; i < n; ++i) {
    const json& item = list[i];
    auto decoded = item.is_string() ? Base64Decode(item.get<std::string>())
                                    : Result<Bytes>(Status::InvalidArgument("not a base64 string"));
    if (!decoded.ok()) {
      (*results)[i].emplace(Status::InvalidArgument("envelopes[" + std::to_string(i) + "]: " + decoded.status().message()));
      continue;
    }
    envelopes.push_back(std::move(*decoded));
    index.push_back(i);
  }
  auto respond = [this, req, wait, received, results]() {
    json out = json::array();
    size_t accepted = 0;
    uint64_t last_seq = 0;
    bool queue_full = false;
    for (auto& result : *results) {
      if (result->ok()) {
        ++accepted;
        last_seq = std::max(last_seq, (*result)->seq);
        out.push_back(AppendJson(**result));
      } else {
        queue_full = queue_full || result->status().code() == StatusCode::kResourceExhausted;
        out.push_back(ErrorJson(ForClient(req, result->status())));
      }
    }
    if (queue_full) {
      Error(req, Status::ResourceExhausted("the append queue cannot take this batch now; nothing was recorded"));
      return EndWrite();
    }
    metrics_.append_latency.Observe(std::chrono::duration<double>(Clock::now() - received).count());
    json reply = {{"accepted", accepted}, {"rejected", results->size() - accepted}, {"results", std::move(out)}};
    if (!wait || accepted == 0) {
      Json(req, reply);
      return EndWrite();
    }
    RespondWithCheckpoint(req, std::move(reply), last_seq);
  };
  BeginWrite();
  if (envelopes.empty()) {
    respond();
    return Reply::kLater;
  }
  ledger_.AppendManyWithCallback(std::move(envelopes), [results, index = std::move(index), respond](
                                                            std::vector<Result<ledger::AppendResult>> appended) {
    for (size_t k = 0; k < appended.size(); ++k) (*results)[index[k]].emplace(std::move(appended[k]));
    respond();
  });
  return Reply::kLater;
}

// Each route: authenticate, check the role, then the handler. The transport has already
// refused bodies the route does not take and bodies over its limit.
Status ServerImpl::AddRoutes() {
  for (const Route& route : Routes()) {
    auto handler = [this, &route](const Request& req, const Params& params) {
      int64_t retry_after = 0;
      auto who = access_.Authenticate(req.header("Authorization"), req.remote_address(), &retry_after);
      if (!who.ok()) return (void)Error(req, who.status(), retry_after);
      if (Status allowed = AccessControl::Require(*who, route.role); !allowed.ok()) return (void)Error(req, allowed);
      (void)(this->*route.handler)(req, params, *who);
    };
    RETURN_IF_ERROR(http_->AddRoute(route.method, route.path, {route.body_bytes_max, LastParamMatch(route.path)}, std::move(handler)));
  }
  return Status::Ok();
}

Status ServerImpl::Run() {
  // Fold the log before listening, so that no request waits for the whole history.
  {
    std::unique_lock lock(projection_mutex_);
    RETURN_IF_ERROR(projections::CatchUp(ledger_, ledger_.size(), &projection_).WithContext("folding the log"));
  }
  HttpServerOptions http;
  http.host = options_.host;
  http.port = options_.port;
  http.threads = options_.threads;
  http.read_timeout = options_.read_timeout;
  http.write_timeout = options_.write_timeout;
  http.handle_timeout = options_.handle_timeout;
  http.connections_max = options_.connections_max;
  http.connections_per_address_max = options_.connections_per_address_max;
  http.on_response = [this](int status) { metrics_.responses_by_status.Add(status); };
  http_ = std::make_unique<HttpServer>(std::move(http));
  RETURN_IF_ERROR(AddRoutes());
  ledger_.SetCommitObserver([this](const ledger::CommitStats& stats) {
    metrics_.commit_latency.Observe(stats.write_seconds);
    metrics_.commit_events.Observe(static_cast<double>(stats.events));
    for (uint8_t type : stats.types) metrics_.events_by_type.Add(std::string(events::EventTypeName(static_cast<fb::EventBody>(type))));
  });
  if (Status started = http_->Start(); !started.ok()) {
    ledger_.SetCommitObserver(nullptr);
    http_.reset();
    return started;
  }
  return Status::Ok();
}

// New writes are refused at once; accepted ones are answered (up to kShutdownDrain) before
// the connections close.
void ServerImpl::Stop() {
  std::lock_guard stop_lock(stop_mutex_);
  if (!http_) return;
  draining_ = true;
  {
    std::unique_lock lock(drain_mutex_);
    drained_.wait_for(lock, kShutdownDrain, [&] { return in_flight_.load() == 0; });
  }
  http_->Stop();
  http_.reset();
  ledger_.SetCommitObserver(nullptr);
}

// An append still in flight after kShutdownDrain calls back into this object (metrics, the
// publisher); its answer goes nowhere, but the object must outlive the callback.
ServerImpl::~ServerImpl() {
  Stop();
  std::unique_lock lock(drain_mutex_);
  drained_.wait(lock, [&] { return in_flight_.load() == 0; });
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(ledger::Ledger& ledger, const ServerOptions& options) {
  auto server = std::make_unique<ServerImpl>(ledger, options);
  RETURN_IF_ERROR(server->Run());
  return std::unique_ptr<Server>(std::move(server));
}

std::vector<RouteSpec> RouteTable() {
  std::vector<RouteSpec> out;
  for (const Route& route : ServerImpl::Routes()) out.push_back({route.method, route.path, route.role});
  return out;
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kConflict: return 409;
    case StatusCode::kTooLarge: return 413;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kCorruption:
    case StatusCode::kIOError: return 500;
  }
  return 500;
}

}  // namespace creditlog::api
