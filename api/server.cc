#include "api/server.h"

#include <charconv>
#include <mutex>

#include <nlohmann/json.hpp>
#include <restinio/all.hpp>

#include "api/views.h"
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

restinio::http_status_line_t StatusLine(int code) {
  switch (code) {
    case 200: return restinio::status_ok();
    case 400: return restinio::status_bad_request();
    case 403: return restinio::status_forbidden();
    case 404: return restinio::status_not_found();
    case 409: return restinio::status_conflict();
    case 413: return restinio::status_payload_too_large();
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
  // Queries, each caught up with the log first and judged as of ?as_of=YYYY-MM-DD (default today).
  auto subject_route = [this, &router](const char* path, auto view) {
    router->http_get(path, [this, view](Request req, auto params) {
      const auto query = restinio::parse_query(req->header().query());
      auto day = ParseAsOf(query.has("as_of") ? std::string(query["as_of"]) : "");
      if (!day.ok()) return Error(req, day.status());
      const std::string id(params["id"]);
      return WithState(req, [&](const projections::State& state) {
        auto profile = projections::Evaluate(state, id, *day);
        return profile.ok() ? Json(req, view(*profile)) : Error(req, profile.status());
      });
    });
  };
  subject_route(R"(/v1/subjects/:id/profile)", [](const projections::Profile& p) { return ProfileJson(p, false); });
  subject_route(R"(/v1/subjects/:id/public-profile)", [](const projections::Profile& p) { return ProfileJson(p, true); });
  subject_route(R"(/v1/subjects/:id/measures)", [](const projections::Profile& p) { return MeasuresJson(p); });
  router->http_get(R"(/v1/lists/:name)", [this](Request req, auto params) {
    const auto query = restinio::parse_query(req->header().query());
    auto day = ParseAsOf(query.has("as_of") ? std::string(query["as_of"]) : "");
    auto kind = projections::ListFromName(restinio::utils::unescape_percent_encoding(params["name"]));
    if (!day.ok()) return Error(req, day.status());
    if (!kind.ok()) return Error(req, kind.status());
    return WithState(req, [&](const projections::State& state) {
      auto list = ListJson(state, *kind, *day);
      return list.ok() ? Json(req, *list) : Error(req, list.status());
    });
  });
  router->http_get(R"(/v1/subjects/:id/timeline)", [this](Request req, auto params) {
    auto timeline = TimelineJson(ledger_, std::string(params["id"]), kTimelineEventsDefault);
    return timeline.ok() ? Json(req, *timeline) : Error(req, timeline.status());
  });
  router->http_get("/v1/search", [this](Request req, auto) {
    const auto query = restinio::parse_query(req->header().query());
    if (!query.has("q") || query["q"].empty()) return Error(req, Status::InvalidArgument("query parameter 'q' is required"));
    const std::string q(query["q"]);
    return WithState(req, [&](const projections::State& state) { return Json(req, SearchJson(state, q, kSearchResultsMax)); });
  });
  router->http_get("/v1/integrity", [this](Request req, auto) {
    const auto query = restinio::parse_query(req->header().query());
    auto day = ParseAsOf(query.has("as_of") ? std::string(query["as_of"]) : "");
    if (!day.ok()) return Error(req, day.status());
    return WithState(req, [&](const projections::State& state) {
      return Json(req, IntegrityJson(projections::IntegrityBoard(state, *day), *day));
    });
  });
  // Recording: the body is one signed Envelope (application/octet-stream). Authorised by its
  // signature alone: registered, unrevoked, permitted key.
  router->http_post("/v1/events", [this](Request req, auto) {
    const std::string& body = req->body();
    auto appended = ledger_.AppendAsync(Bytes(body.begin(), body.end())).get();
    if (!appended.ok()) return Error(req, appended.status());
    return Json(req, {{"seq", appended->seq}, {"stream_version", appended->stream_version},
                      {"recorded_at_ms", appended->recorded_at_ms}, {"duplicate", appended->duplicate}});
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
            .incoming_http_msg_limits(restinio::incoming_http_msg_limits_t{}.max_body_size(kRequestBodyBytesMax))
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
