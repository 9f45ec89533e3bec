// `creditlog serve`: the HTTP/JSON API for recording agencies, inspectors and auditors, on the
// transport of api/http/http_server.h (Boost.Beast). The route table and the server's life are in
// server.cc; the handlers are grouped by what they read or write (ledger_routes.cc,
// subject_routes.cc, write_routes.cc, service_routes.cc); the projection they query is a
// LiveProjection (live_projection.h).
//
// - Every error is {"error":{"code":"…","message":"…"}} with the HTTP status mapped from the
//   Status code in one place (HttpStatusFor); 429 carries Retry-After, 401 WWW-Authenticate.
//   A 500 says only "internal error; request id …"; its details go to the log.
// - Reads need the role their route names (access.h); writes are authorised by the event's
//   signature alone.
// - Appends are event-driven: the request is answered from the ledger's writer thread once the
//   event is durable, so a few I/O threads carry many concurrent submitters into one group
//   commit. Nothing is acknowledged before it is durable.
// - Stop() refuses new writes, lets in-flight appends finish (up to kShutdownDrain), then stops
//   accepting and closes the connections. The ledger and the publisher must outlive the server.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/access_log.h"
#include "api/intake.h"
#include "api/witnessed.h"
#include "api/http/access.h"
#include "api/http/http_server.h"
#include "api/protocol.h"  // the wire limits the routes enforce
#include "ledger/ledger.h"
#include "ledger/publisher.h"
#include "projections/build.h"

namespace creditlog::api {

inline constexpr size_t kServerThreadsDefault = 2;      // one per core on the reference machine
inline constexpr std::chrono::seconds kReadTimeout{15};    // to receive a whole request
inline constexpr std::chrono::seconds kWriteTimeout{15};   // to send a whole response
inline constexpr std::chrono::seconds kHandleTimeout{30};  // to answer (incl. waiting for a checkpoint)
inline constexpr std::chrono::seconds kShutdownDrain{10};
inline constexpr int64_t kRetryAfterSecondsQueueFull = 1;
inline constexpr size_t kWebFileBytesMax = 4 * 1024 * 1024;  // one console file, with --web-dir

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port, which Server::port() then names
  size_t threads = kServerThreadsDefault;
  std::vector<TokenEntry> tokens;
  bool read_only = false;  // a replica: writes answer 503
  // Enables ?wait=checkpoint; may be null. Must outlive the server.
  ledger::CheckpointPublisher* publisher = nullptr;
  // With a witness policy (api/witnessed.h): GET /v1/checkpoint serves, and ?wait=checkpoint
  // waits for, only checkpoints its quorum cosigned. Null: the publisher's own. Must outlive
  // the server.
  WitnessedCheckpoints* witnessed = nullptr;
  // Serve the web console from this directory instead of the embedded copy (development).
  std::string web_dir;
  // A client slower than these is disconnected (tests shorten them).
  std::chrono::milliseconds read_timeout = kReadTimeout;
  std::chrono::milliseconds write_timeout = kWriteTimeout;
  std::chrono::milliseconds handle_timeout = kHandleTimeout;  // then 503
  // Connection caps (api/http_server.h). Behind a reverse proxy every client has the proxy's
  // address: raise the per-address cap to the total.
  size_t connections_max = kConnectionsMax;
  size_t connections_per_address_max = kConnectionsPerAddressMax;
  // Where reads of files are recorded (api/access_log.h), answered only once recorded; must
  // outlive the server. Null: reads are not recorded; with `reads_need_access_log` (a replica
  // or mirror, which has no key to sign records with) they are refused instead, 503.
  AccessLog* access_log = nullptr;
  bool reads_need_access_log = false;
  // Signs reports' statements (docs/reports.md) and the projection snapshot: the ledger's
  // checkpoint key; must outlive the server. Null (a replica): reports answer 503, and the
  // snapshot is read but not written.
  const KeyPair* report_key = nullptr;
  // The console a report's QR code opens; "": http://HOST:PORT/ of this server.
  std::string console_url;
  // Recorded reads one token may make per minute; 0: no limit (benchmarks). The audit feed
  // (GET /v1/entries and single entries read by auditors) is recorded but not counted.
  size_t recorded_reads_per_minute = kRecordedReadsPerMinuteMax;
  // The projection snapshot (projections/snapshot.h): read at start instead of folding the
  // whole log, written (signed with report_key) at start when stale and at Stop. "": the log is
  // folded, nothing written.
  std::string projection_snapshot;
  // Cluster mode (api/cluster/cluster_node.h): writes are published to the replicated stream
  // and answered once applied here. Null: appended to the ledger. Must outlive the server.
  WriteIntake* intake = nullptr;
  // Told of every entry the projection folds (api/cluster's list changes, which call
  // CatchUpProjection to fold promptly); a projection snapshot of more than `snapshot_max`
  // entries is not used at start. Must outlive the server.
  projections::FoldObserver* fold_observer = nullptr;
  uint64_t snapshot_max = UINT64_MAX;
};

int HttpStatusFor(StatusCode code);

// The routes, for documentation and the test that keeps api/openapi.json in step with them.
struct RouteSpec {
  std::string method;  // "GET" or "POST"
  std::string path;    // OpenAPI style: /v1/entries/{seq}
  Role role;           // the least of public < inspector < auditor < admin that may call it
  std::vector<Role> roles;  // every role that may call it (personnel is outside that order)
};
std::vector<RouteSpec> RouteTable();
std::string_view OpenApiDocument();  // api/openapi.json, embedded at build time


class Server {
 public:
  // Starts serving `ledger` (which must outlive the server); returns once listening.
  static Result<std::unique_ptr<Server>> Start(ledger::Ledger& ledger, const ServerOptions& options);
  virtual ~Server() = default;
  virtual void Stop() = 0;
  // The port it listens on.
  virtual uint16_t port() const = 0;
  // Folds the projection up to the log's size now (with options.fold_observer told of each entry).
  virtual Status CatchUpProjection() = 0;
};

}  // namespace creditlog::api
