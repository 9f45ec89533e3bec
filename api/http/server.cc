// The route table, the server's start and stop, and how every answer is sent.
#include "api/http/server_impl.h"

#include <charconv>

#include "api/check_list.h"
#include "api/log.h"
#include "api/views.h"
#include "projections/admission.h"
#include "events/event.h"

namespace creditlog::api {

using nlohmann::json;

namespace {

// {seq} is digits only ("/v1/entries/x" is no route); {file} spans folders ("web/pages/a.js").
ParamMatch LastParamMatch(std::string_view path) {
  if (path.ends_with("{seq}")) return ParamMatch::kDigits;
  if (path.ends_with("{file}")) return ParamMatch::kRestOfPath;
  if (path.starts_with("/tile/")) return ParamMatch::kRestOfPath;  // "/tile/0/x001/234.p/7" (tile_routes.cc)
  return ParamMatch::kSegment;
}

}  // namespace

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

json ErrorJson(const Status& status, const json& details) {
  json error = {{"code", StatusCodeName(status.code())}, {"message", status.message()}};
  if (!details.is_null()) error["details"] = details;
  return {{"error", error}};
}

json RefusalDetails(Role role, const std::vector<Info>& infos) {
  json roles = json::array();
  for (Role may : Disclosure::RolesMay(infos)) roles.push_back(RoleName(may));
  return {{"roles", roles}, {"role", RoleName(role)}};
}

std::vector<Info> FileInfos(std::string_view id) {
  return {IsCivilServantId(id) ? Info::kCivilServantFiles : Info::kRecords};
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

const std::vector<Route>& ServerImpl::Routes() {
  using enum Info;
  static const std::vector<Route> routes = {
      {"GET", "/", {}, &ServerImpl::ConsoleIndex},
      {"GET", "/web/{file}", {}, &ServerImpl::ConsoleFile},
      {"GET", "/healthz", {}, &ServerImpl::Healthz},
      {"GET", "/readyz", {}, &ServerImpl::Readyz},
      {"GET", "/metrics", {kOperations}, &ServerImpl::MetricsText},
      {"GET", "/v1/openapi.json", {}, &ServerImpl::OpenApi},
      {"GET", "/v1/whoami", {}, &ServerImpl::WhoAmI},
      {"GET", "/v1/checkpoint", {kLogProofs}, &ServerImpl::Checkpoint},
      {"GET", "/v1/verifier-key", {kLogProofs}, &ServerImpl::VerifierKey},
      {"GET", "/v1/witnesses", {kLogProofs}, &ServerImpl::Witnesses},
      {"GET", "/v1/entries/{seq}", {kRecords, kCivilServantFiles, kWholeLog}, &ServerImpl::Entry},
      {"GET", "/v1/entries", {kWholeLog}, &ServerImpl::Entries},
      {"GET", "/v1/proofs/inclusion", {kLogProofs}, &ServerImpl::InclusionProof},
      {"GET", "/v1/proofs/consistency", {kLogProofs}, &ServerImpl::ConsistencyProof},
      {"GET", "/checkpoint", {kLogProofs}, &ServerImpl::TileCheckpoint},
      {"GET", "/tile/entries/{bundle}", {kWholeLog}, &ServerImpl::EntryBundle},  // before /tile/{tile}
      {"GET", "/tile/{tile}", {kLogProofs}, &ServerImpl::HashTile},
      {"GET", "/v1/subjects/{id}/public-profile", {kLegalPersons}, &ServerImpl::PublicProfile},
      {"GET", "/v1/subjects/{id}/profile", {kRecords, kCivilServantFiles}, &ServerImpl::Profile},
      {"GET", "/v1/subjects/{id}/measures", {kRecords, kCivilServantFiles}, &ServerImpl::Measures},
      {"GET", "/v1/subjects/{id}/check", {kRecords}, &ServerImpl::Check},
      {"GET", "/v1/agencies/{uscc}/due-verifications", {kRecords}, &ServerImpl::DueVerifications},
      {"GET", "/v1/subjects/{id}/services", {kIntegrityBoard}, &ServerImpl::Services},
      {"GET", "/v1/subjects/{id}/timeline", {kRecords, kCivilServantFiles}, &ServerImpl::Timeline},
      {"GET", "/v1/subjects/{id}/access-log", {kAccessLog}, &ServerImpl::AccessLogOf},
      {"GET", "/v1/subjects/{id}/report", {kRecords}, &ServerImpl::Report},
      {"POST", "/v1/check-list", {kRecords}, &ServerImpl::PostCheckList, kCheckListBodyBytesMax},
      {"POST", "/v1/reports", {kRecords}, &ServerImpl::PostReports, kCheckListBodyBytesMax},
      {"GET", "/v1/access-log/checkpoint", {kAccessLog}, &ServerImpl::AccessCheckpoint},
      {"GET", "/v1/access-log/verifier-key", {kAccessLog}, &ServerImpl::AccessVerifierKey},
      {"GET", "/v1/access-log/proofs/consistency", {kAccessLog}, &ServerImpl::AccessConsistencyProof},
      {"GET", "/v1/search", {kLegalPersons}, &ServerImpl::Search},
      {"GET", "/v1/lists/{name}", {kPublishedLists}, &ServerImpl::List},
      {"GET", "/v1/integrity", {kIntegrityBoard}, &ServerImpl::Integrity},
      {"GET", "/v1/ruleset", {kLogProofs}, &ServerImpl::Ruleset},
      {"POST", "/v1/events", {}, &ServerImpl::PostEvent, kRequestBodyBytesMax},
      {"POST", "/v1/events/batch", {}, &ServerImpl::PostBatch, kBatchBodyBytesMax},
  };
  return routes;
}

Status MayCall(const Disclosure& reader, const std::vector<Info>& shows) {
  if (shows.empty()) return Status::Ok();
  for (Info info : shows) {
    if (reader.May(info)) return Status::Ok();
  }
  const std::string needed = "this needs a bearer token with the " + Disclosure::WhoMay(shows) + " role";
  if (reader.role() == Role::kPublic) return Status::Unauthenticated(needed);
  return Status::PermissionDenied("the " + std::string(RoleName(reader.role())) + " role may not do this; " + needed);
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

Reply ServerImpl::Send(const Request& req, Response response) {
  req.Respond(std::move(response));
  return Reply::kAnswered;
}

Reply ServerImpl::Json(const Request& req, const json& body) { return Send(req, 200, kJsonType, DumpJson(body)); }

Reply ServerImpl::Error(const Request& req, const Status& status, int64_t retry_after, const json& details) {
  if (status.code() == StatusCode::kResourceExhausted && retry_after <= 0) retry_after = kRetryAfterSecondsQueueFull;
  return Send(req, HttpStatusFor(status.code()), kJsonType, DumpJson(ErrorJson(ForClient(req, status), details)), retry_after);
}

Result<projections::Day> ServerImpl::AsOf(const Request& req) { return ParseAsOf(std::string(req.query("as_of"))); }

// Each route: authenticate, check the role, then the handler. The transport has already
// refused bodies the route does not take and bodies over its limit.
Status ServerImpl::AddRoutes() {
  for (const Route& route : Routes()) {
    auto handler = [this, &route](const Request& req, const Params& params) {
      int64_t retry_after = 0;
      auto who = access_.Authenticate(req.header("Authorization"), req.remote_address(), &retry_after);
      if (!who.ok()) return (void)Error(req, who.status(), retry_after);
      if (Status allowed = MayCall(Disclosure(who->role), route.shows); !allowed.ok()) {
        AccessControl::LogDenied(*who, allowed);
        return (void)Error(req, allowed, 0, RefusalDetails(who->role, route.shows));
      }
      (void)(this->*route.handler)(req, params, *who);
    };
    RETURN_IF_ERROR(http_->AddRoute(route.method, route.path, {route.body_bytes_max, LastParamMatch(route.path)}, std::move(handler)));
  }
  return Status::Ok();
}

Status ServerImpl::Run() {
  // Fold the log before listening, so that no request waits for the whole history.
  live_.SetFoldObserver(options_.fold_observer, options_.snapshot_max);
  RETURN_IF_ERROR(live_.Start(options_.projection_snapshot, options_.read_only ? nullptr : options_.report_key).WithContext("folding the log"));
  // Every event the server records passes the rules of the log (projections/admission.h). Their
  // fold is an overlay of the projection's, caught up just now (nothing appends before the
  // server listens): it copies only the subjects and contracts of entries the projection has
  // not folded yet.
  if (!options_.read_only && !ledger_.is_mirror() && !ledger_.guarded()) {
    admission_base_ = std::make_shared<ProjectionBase>(&live_);
    RETURN_IF_ERROR(live_.Read([&](const projections::State& state) {
      ledger_.SetAppendGuard(std::make_shared<projections::Admission>(admission_base_, state));
    }));
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
    // Folded even when no query asks, the projection lets the admission rules drop their copies.
    // Never waits: when queries hold the state, they fold it themselves.
    if (admission_base_ != nullptr && (committed_unfolded_ += stats.events) >= kProjectionFoldLagMax) {
      Result<bool> folded = live_.TryCatchUp();
      if (!folded.ok()) Log(spdlog::level::err, "folding the projection failed", {{"error", folded.status().message()}});
      if (!folded.ok() || *folded) committed_unfolded_ = 0;
    }
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
  ReleaseAdmission();
  // The next start reads the state instead of folding the whole log again.
  if (Status saved = live_.SaveSnapshot(); !saved.ok()) {
    Log(spdlog::level::err, "writing the projection snapshot failed", {{"error", saved.message()}});
  }
}

// The rules fold over this server's projection: they go with it. They stay the ledger's guard,
// refusing what is still queued (Unavailable) rather than letting it pass unchecked, but no
// longer active: the next opener of the ledger installs its own.
void ServerImpl::ReleaseAdmission() {
  if (admission_base_ != nullptr) admission_base_->Detach();
}

// An append still in flight after kShutdownDrain calls back into this object (metrics, the
// publisher); its answer goes nowhere, but the object must outlive the callback.
ServerImpl::~ServerImpl() {
  Stop();
  ReleaseAdmission();  // Run may have failed after installing them
  std::unique_lock lock(drain_mutex_);
  drained_.wait(lock, [&] { return in_flight_.load() == 0; });
}

Result<std::unique_ptr<Server>> Server::Start(ledger::Ledger& ledger, const ServerOptions& options) {
  auto server = std::make_unique<ServerImpl>(ledger, options);
  RETURN_IF_ERROR(server->Run());
  return std::unique_ptr<Server>(std::move(server));
}

std::vector<RouteSpec> RouteTable() {
  std::vector<RouteSpec> out;
  for (const Route& route : ServerImpl::Routes()) {
    RouteSpec spec{route.method, route.path, Role::kAdmin, {}};
    for (Role role : kRoles) {
      if (!MayCall(Disclosure(role), route.shows).ok()) continue;
      spec.roles.push_back(role);
      if (role != Role::kPersonnel && role < spec.role) spec.role = role;
    }
    out.push_back(std::move(spec));
  }
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
