#include "api/server.h"

#include <charconv>
#include <mutex>

#include <nlohmann/json.hpp>
#include <restinio/all.hpp>

#include "events/json.h"
#include "ledger/entry.h"
#include "ledger/format.h"
#include "projections/build.h"
#include "projections/evaluate.h"

namespace creditlog::api {
namespace {

using nlohmann::json;
using Router = restinio::router::express_router_t<>;
using Request = restinio::request_handle_t;
using Reply = restinio::request_handling_status_t;

struct Traits : public restinio::default_traits_t {
  using request_handler_t = Router;
};

constexpr int64_t kChinaOffsetMs = 8 * 3600 * 1000;

restinio::http_status_line_t StatusLine(int code) {
  switch (code) {
    case 200: return restinio::status_ok();
    case 400: return restinio::status_bad_request();
    case 403: return restinio::status_forbidden();
    case 404: return restinio::status_not_found();
    case 409: return restinio::status_conflict();
    case 429: return restinio::status_too_many_requests();
    case 503: return restinio::status_service_unavailable();
    default: return restinio::status_internal_server_error();
  }
}

Reply Send(const Request& req, int code, const std::string& content_type, std::string body) {
  return req->create_response(StatusLine(code))
      .append_header(restinio::http_field::content_type, content_type)
      .set_body(std::move(body))
      .done();
}

Reply Json(const Request& req, const json& body) { return Send(req, 200, "application/json; charset=utf-8", body.dump()); }
Reply Text(const Request& req, std::string body) { return Send(req, 200, "text/plain; charset=utf-8", std::move(body)); }

Reply Error(const Request& req, const Status& status) {
  json body = {{"error", {{"code", StatusCodeName(status.code())}, {"message", status.message()}}}};
  return Send(req, HttpStatusFor(status.code()), "application/json; charset=utf-8", body.dump());
}

Result<uint64_t> Number(const restinio::query_string_params_t& query, const char* name) {
  if (!query.has(name)) return Status::InvalidArgument(std::string("query parameter '") + name + "' is required");
  const std::string text(query[name]);
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return Status::InvalidArgument(std::string("query parameter '") + name + "': '" + text + "' is not a number");
  }
  return value;
}

json Hashes(const std::vector<Hash>& hashes) {
  json out = json::array();
  for (const Hash& h : hashes) out.push_back(Base64Encode(h));
  return out;
}

class ServerImpl final : public Server {
 public:
  explicit ServerImpl(ledger::Ledger& ledger) : ledger_(ledger) {}
  Status Run(const ServerOptions& options);
  void Stop() override {
    if (running_) {
      running_->stop();
      running_->wait();
      running_.reset();
    }
  }
  ~ServerImpl() override { Stop(); }

 private:
  std::unique_ptr<Router> Routes();
  Result<json> EntryJson(uint64_t seq);
  Result<projections::Day> AsOf(const restinio::query_string_params_t& query);
  template <typename Fn>
  Reply WithState(const Request& req, Fn fn);

  ledger::Ledger& ledger_;
  std::mutex projection_mutex_;  // GUARDED: projection_
  projections::State projection_;
  restinio::running_server_handle_t<Traits> running_;
};

Result<json> ServerImpl::EntryJson(uint64_t seq) {
  ASSIGN_OR_RETURN(Bytes bytes, ledger_.Entry(seq));
  ASSIGN_OR_RETURN(ledger::EntryView view, ledger::ParseEntry(bytes));
  ASSIGN_OR_RETURN(std::string event, events::EventToJson(view.envelope.event_bytes));
  return json{{"seq", seq}, {"entry", Base64Encode(bytes)}, {"recorded_at_ms", view.recorded_at_ms},
              {"public_key", Base64Encode(view.envelope.public_key)}, {"event", json::parse(event)}};
}

Result<projections::Day> ServerImpl::AsOf(const restinio::query_string_params_t& query) {
  if (!query.has("as_of")) return (ledger::NowMs() + kChinaOffsetMs) / 86'400'000;
  const std::string date(query["as_of"]);
  if (!events::IsCalendarDate(date)) return Status::InvalidArgument("as_of: '" + date + "' is not a date (YYYY-MM-DD)");
  return events::DaysFromDate(date);
}

// The live projection, caught up with the log before the query is answered.
template <typename Fn>
Reply ServerImpl::WithState(const Request& req, Fn fn) {
  std::lock_guard lock(projection_mutex_);
  Status caught_up = projections::CatchUp(ledger_, ledger_.size(), &projection_);
  if (!caught_up.ok()) return Error(req, caught_up);
  return fn(projection_);
}

std::unique_ptr<Router> ServerImpl::Routes() {
  auto router = std::make_unique<Router>();
  router->http_get("/healthz", [](Request req, auto) { return Text(req, "ok\n"); });
  router->http_get("/readyz", [this](Request req, auto) {
    return ledger_.size() > 0 ? Text(req, "ready\n") : Error(req, Status::Unavailable("the ledger is empty"));
  });
  router->http_get("/v1/checkpoint", [this](Request req, auto) {
    auto note = ledger_.LatestCheckpoint();
    return note.ok() ? Text(req, *note) : Error(req, note.status());
  });
  router->http_get("/v1/verifier-key", [this](Request req, auto) { return Text(req, ledger_.VerifierKey() + "\n"); });
  router->http_get(R"(/v1/entries/:seq(\d+))", [this](Request req, auto params) {
    const std::string text(params["seq"]);
    uint64_t seq = 0;
    if (std::from_chars(text.data(), text.data() + text.size(), seq).ec != std::errc()) {
      return Error(req, Status::InvalidArgument("seq: '" + text + "' is out of range"));
    }
    auto entry = EntryJson(seq);
    return entry.ok() ? Json(req, *entry) : Error(req, entry.status());
  });
  router->http_get("/v1/entries", [this](Request req, auto) {
    const auto query = restinio::parse_query(req->header().query());
    auto after = query.has("after") ? Number(query, "after") : Result<uint64_t>(uint64_t{0});
    auto limit = query.has("limit") ? Number(query, "limit") : Result<uint64_t>(uint64_t{100});
    if (!after.ok()) return Error(req, after.status());
    if (!limit.ok()) return Error(req, limit.status());
    json entries = json::array();
    const uint64_t end = std::min(ledger_.size(), *after + std::min(*limit, kEntriesPageMax));
    for (uint64_t seq = *after; seq < end; ++seq) {
      auto entry = EntryJson(seq);
      if (!entry.ok()) return Error(req, entry.status());
      entries.push_back(*entry);
    }
    return Json(req, {{"after", *after}, {"size", ledger_.size()}, {"entries", entries}});
  });
  router->http_get("/v1/proofs/inclusion", [this](Request req, auto) {
    const auto query = restinio::parse_query(req->header().query());
    auto seq = Number(query, "seq");
    auto size = Number(query, "size");
    if (!seq.ok()) return Error(req, seq.status());
    if (!size.ok()) return Error(req, size.status());
    auto proof = ledger_.InclusionProof(*seq, *size);
    return proof.ok() ? Json(req, {{"seq", *seq}, {"size", *size}, {"hashes", Hashes(*proof)}}) : Error(req, proof.status());
  });
  router->http_get("/v1/proofs/consistency", [this](Request req, auto) {
    const auto query = restinio::parse_query(req->header().query());
    auto old_size = Number(query, "old");
    auto new_size = Number(query, "new");
    if (!old_size.ok()) return Error(req, old_size.status());
    if (!new_size.ok()) return Error(req, new_size.status());
    auto proof = ledger_.ConsistencyProof(*old_size, *new_size);
    return proof.ok() ? Json(req, {{"old", *old_size}, {"new", *new_size}, {"hashes", Hashes(*proof)}}) : Error(req, proof.status());
  });
  router->http_get(R"(/v1/subjects/:id/measures)", [this](Request req, auto params) {
    const auto query = restinio::parse_query(req->header().query());
    auto day = AsOf(query);
    if (!day.ok()) return Error(req, day.status());
    const std::string id(params["id"]);
    return WithState(req, [&](const projections::State& state) {
      auto profile = projections::Evaluate(state, id, *day);
      if (!profile.ok()) return Error(req, profile.status());
      json measures = json::array();
      for (const auto& [measure, list] : profile->measures) {
        for (const auto& m : profile->lists) {
          if (m.list != list) continue;
          measures.push_back({{"measure", measure}, {"list", projections::ListName(list)},
                              {"since", events::DateFromDays(m.since)}, {"reason", m.reason}, {"seqs", m.why.seqs}});
          break;
        }
      }
      return Json(req, {{"subject", id}, {"as_of", events::DateFromDays(*day)}, {"grade", std::string(1, profile->grade)},
                        {"ruleset", profile->ruleset_version}, {"measures", measures}});
    });
  });
  router->non_matched_request_handler([](Request req) {
    return Error(req, Status::NotFound("no route for " + std::string(req->header().path())));
  });
  return router;
}

Status ServerImpl::Run(const ServerOptions& options) {
  try {
    running_ = restinio::run_async<Traits>(
        restinio::own_io_context(),
        restinio::server_settings_t<Traits>{}
            .address(options.host)
            .port(options.port)
            .max_pipelined_requests(1)
            .request_handler(Routes()),
        options.threads);
  } catch (const std::exception& e) {
    return Status::IOError("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " + e.what());
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(ledger::Ledger& ledger, const ServerOptions& options) {
  auto server = std::make_unique<ServerImpl>(ledger);
  RETURN_IF_ERROR(server->Run(options));
  return std::unique_ptr<Server>(std::move(server));
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kConflict: return 409;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kCorruption:
    case StatusCode::kIOError: return 500;
  }
  return 500;
}

}  // namespace creditlog::api
