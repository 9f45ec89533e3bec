// The routes around the API: the web console's files, health and readiness, metrics, the
// OpenAPI document and who the caller is.
#include "api/http/server_impl.h"

#include "api/http/web_assets.h"
#include "base/file.h"

namespace creditlog::api {

using nlohmann::json;

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
  WriteCounter(&out, "creditlog_lists_computed_total", "List answers computed whole (every subject evaluated).",
               static_cast<double>(live_.lists_computed()));
  WriteCounter(&out, "creditlog_lists_patched_total", "Cached list answers patched with the subjects new entries changed.",
               static_cast<double>(live_.lists_patched()));
  WriteCounter(&out, "creditlog_boards_computed_total", "Integrity boards counted whole (every subject read).",
               static_cast<double>(live_.boards_computed()));
  WriteCounter(&out, "creditlog_boards_updated_total", "Kept integrity boards counted again for the subjects new entries changed.",
               static_cast<double>(live_.boards_updated()));
  WriteCounter(&out, "creditlog_search_standings_evaluated_total", "Search hits whose grade and lists were evaluated.",
               static_cast<double>(live_.standings_evaluated()));
  WriteCounter(&out, "creditlog_search_standings_kept_total", "Search hits whose grade and lists were kept from an earlier search.",
               static_cast<double>(live_.standings_kept()));
  if (options_.witnessed != nullptr) out += options_.witnessed->Metrics();
  return Send(req, 200, "text/plain; version=0.0.4; charset=utf-8", std::move(out));
}

Reply ServerImpl::OpenApi(const Request& req, const Params&, const Principal&) {
  return Send(req, 200, kJsonType, std::string(OpenApiDocument()));
}

Reply ServerImpl::WhoAmI(const Request& req, const Params&, const Principal& who) {
  // "may": the kinds of information the role may be shown (docs/privacy.md), so that the
  // console offers only what the server will answer.
  nlohmann::json may = nlohmann::json::array();
  for (Info info : kInfos) {
    if (Allows(who.role, info)) may.push_back(InfoName(info));
  }
  return Json(req, {{"role", RoleName(who.role)}, {"role_zh", RoleChineseName(who.role)}, {"name", who.name}, {"may", may}});
}

}  // namespace creditlog::api
