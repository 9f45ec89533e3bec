// The server's inside, shared by the files that hold its handlers (not for other rooms):
// server.cc (the route table, start and stop, answers), ledger_routes.cc (checkpoint, entries,
// proofs), subject_routes.cc (profiles, lists, search, the integrity board), write_routes.cc
// (appends) and service_routes.cc (console, health, metrics, OpenAPI).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/http/access.h"
#include "api/http/http_server.h"
#include "api/http/live_projection.h"
#include "api/http/metrics.h"
#include "api/http/server.h"

namespace creditlog::api {

using Params = PathParams;
// What a handler did: answered, or arranged for an answer from another thread.
enum class Reply : uint8_t { kAnswered, kLater };

inline constexpr const char* kJsonType = "application/json; charset=utf-8";
inline constexpr const char* kTextType = "text/plain; charset=utf-8";

// Query and path parameters that are numbers: InvalidArgument naming the parameter otherwise.
Result<uint64_t> ParseNumber(std::string_view name, std::string_view text);
Result<uint64_t> Number(const Request& req, const char* name);  // a required query parameter
nlohmann::json Hashes(const std::vector<Hash>& hashes);           // base64, in order
// {"error": {"code", "message", "details"?}}: details are structured (e.g. {"roles": [...]}) so
// that a client can say the refusal in its user's language.
nlohmann::json ErrorJson(const Status& status, const nlohmann::json& details = nullptr);
// The details of a refusal: the roles that may see what was asked, and the reader's.
nlohmann::json RefusalDetails(Role role, const std::vector<Info>& infos);
// What reading subject `id`'s file needs: personnel for a civil servant, records otherwise.
std::vector<Info> FileInfos(std::string_view id);
// A 500's details (RocksDB messages, file paths) go to the log only; the client gets the code
// and the request id to quote.
Status ForClient(const Request& req, const Status& status);

class ServerImpl;
using RouteHandler = Reply (ServerImpl::*)(const Request&, const Params&, const Principal&);

struct Route {
  const char* method;
  const char* path;  // OpenAPI style
  // The kinds of information the route shows (api/disclosure.h): a reader who may see none of
  // them is refused before the handler; the handler shows each answer through the reader's
  // Disclosure. Empty: open to everyone (the console, health, writes, which signatures authorise).
  std::vector<Info> shows;
  RouteHandler handler;
  size_t body_bytes_max = 0;  // 0: takes no body
};
// Ok if `reader` may see one of `shows`; otherwise the refusal naming every role that may.
Status MayCall(const Disclosure& reader, const std::vector<Info>& shows);

class ServerImpl final : public Server {
 public:
  ServerImpl(ledger::Ledger& ledger, const ServerOptions& options)
      : ledger_(ledger), options_(options), access_(options.tokens), quota_(options.recorded_reads_per_minute), live_(ledger) {}
  ~ServerImpl() override;
  Status Run();
  void Stop() override;
  uint16_t port() const override { return http_ ? http_->port() : 0; }
  Status CatchUpProjection() override { return live_.CatchUp(); }
  static const std::vector<Route>& Routes();

 private:
  Status AddRoutes();

  // Answers (server.cc).
  Reply Send(const Request& req, int code, const char* content_type, std::string body, int64_t retry_after = 0);
  Reply Json(const Request& req, const nlohmann::json& body);
  Reply Text(const Request& req, std::string body) { return Send(req, 200, kTextType, std::move(body)); }
  Reply Error(const Request& req, const Status& status, int64_t retry_after = 0, const nlohmann::json& details = nullptr);
  // fn(state) on the live projection, caught up with the log; its reply, or the catch-up error.
  template <typename Fn>
  Reply WithState(const Request& req, Fn fn) {
    Reply reply = Reply::kAnswered;
    Status read = live_.Read([&](const projections::State& state) { reply = fn(state); });
    return read.ok() ? reply : Error(req, read);
  }
  Result<projections::Day> AsOf(const Request& req);

  // Service routes (service_routes.cc).
  Reply ConsoleIndex(const Request&, const Params&, const Principal&);
  Reply ConsoleFile(const Request&, const Params&, const Principal&);
  Reply ServeAsset(const Request& req, const std::string& file);
  Reply Healthz(const Request&, const Params&, const Principal&);
  Reply Readyz(const Request&, const Params&, const Principal&);
  Reply MetricsText(const Request&, const Params&, const Principal&);
  Reply OpenApi(const Request&, const Params&, const Principal&);
  Reply WhoAmI(const Request&, const Params&, const Principal&);

  // The log itself (ledger_routes.cc).
  Reply Checkpoint(const Request&, const Params&, const Principal&);
  Reply VerifierKey(const Request&, const Params&, const Principal&);
  Reply Witnesses(const Request&, const Params&, const Principal&);
  Reply Entry(const Request&, const Params&, const Principal&);
  Reply Entries(const Request&, const Params&, const Principal&);
  Reply InclusionProof(const Request&, const Params&, const Principal&);
  Reply ConsistencyProof(const Request&, const Params&, const Principal&);
  // The access log's own checkpoint, verifier key and consistency proofs, for auditors who pin
  // its checkpoints (its entries are read locally: creditlog verify --data DIR/access).
  Reply AccessCheckpoint(const Request&, const Params&, const Principal&);
  Reply AccessVerifierKey(const Request&, const Params&, const Principal&);
  Reply AccessConsistencyProof(const Request&, const Params&, const Principal&);
  // `subject`, when given, is set to the event's subject as recorded (not as shown).
  Result<nlohmann::json> EntryJson(uint64_t seq, const ledger::KeyRegistry& registry, const Disclosure& reader,
                                   std::string* subject = nullptr);
  template <typename Prove>
  Reply Proof(const Request& req, const char* first, const char* second, Prove prove);

  // The log as C2SP tlog-tiles (tile_routes.cc, api/tlog_tiles.h): GET /checkpoint (the
  // Checkpoint handler's answer, not cached), hash tiles (public) and entry bundles (the whole
  // log: auditors, recorded like GET /v1/entries).
  Reply TileCheckpoint(const Request&, const Params&, const Principal&);
  Reply HashTile(const Request&, const Params&, const Principal&);
  Reply EntryBundle(const Request&, const Params&, const Principal&);
  Reply Send(const Request& req, Response response);  // with its own header fields (Cache-Control)

  // The projections (subject_routes.cc).
  Reply PublicProfile(const Request&, const Params&, const Principal&);
  Reply Profile(const Request&, const Params&, const Principal&);
  Reply Measures(const Request&, const Params&, const Principal&);
  Reply Timeline(const Request&, const Params&, const Principal&);
  Reply Search(const Request&, const Params&, const Principal&);
  Reply List(const Request&, const Params&, const Principal&);
  Reply Integrity(const Request&, const Params&, const Principal&);
  Reply Check(const Request&, const Params&, const Principal&);
  Reply DueVerifications(const Request&, const Params&, const Principal&);
  Reply Services(const Request&, const Params&, const Principal&);
  // Ok if `reader` may see the file of subject `id` in the routes that show records: a civil
  // servant's to personnel, a legal person's to supervisors (Info::kRecords).
  Status MayReadFile(const Disclosure& reader, std::string_view id);
  Reply Ruleset(const Request&, const Params&, const Principal&);
  template <typename View>
  Reply SubjectView(const Request& req, const Params& params, const Principal& who, const char* route, View view);
  Reply AccessLogOf(const Request&, const Params&, const Principal&);

  // Reads of files (docs/privacy.md, api/access_log.h). BeginRead: the purpose the request
  // names (kAuditPurpose for the audit feed when it names none) and, except for the audit feed,
  // one read of the token's quota; or the refusal (a 429 sets *retry_after). AnswerRead: sends
  // `body` once the read's record is durable in the access log (at once when there is none).
  struct FileRead {
    std::string subject;  // the file read; "" for no single subject
    std::string target;   // a list, an entry's seq, a query
  };
  Result<std::string> BeginRead(const Request& req, const Principal& who, bool audit_feed, int64_t* retry_after,
                                size_t reads = 1);
  Reply AnswerRead(const Request& req, const Principal& who, const std::string& purpose, std::string_view route,
                   FileRead read, std::string body);
  // The same with the whole answer given (not JSON, more header fields: entry bundles).
  Reply AnswerRead(const Request& req, const Principal& who, const std::string& purpose, std::string_view route,
                   FileRead read, Response response);

  // The same for a read of several files (a batch check): answered once every record is
  // durable; one record per subject, `target` naming the batch.
  Reply AnswerReads(const Request& req, const Principal& who, const std::string& purpose, std::string_view route,
                    std::vector<FileRead> reads, Response response);

  // Reports and batch checks (report_routes.cc, docs/reports.md).
  Reply Report(const Request&, const Params&, const Principal&);
  Reply PostCheckList(const Request&, const Params&, const Principal&);
  Reply PostReports(const Request&, const Params&, const Principal&);
  std::string ConsoleUrl() const;
  // Reports need the signing key; with a witness policy they rest on the witnessed checkpoint
  // (nullopt: the ledger's latest). Unavailable when the server cannot issue one.
  Result<std::optional<std::string>> ReportCheckpoint() const;

  // Appends (write_routes.cc).
  Reply PostEvent(const Request&, const Params&, const Principal&);
  Reply PostBatch(const Request&, const Params&, const Principal&);
  using BatchResults = std::vector<std::optional<Result<ledger::AppendResult>>>;  // one per envelope
  void AnswerBatch(const Request& req, bool wait, std::chrono::steady_clock::time_point received, const BatchResults& results);
  Status Writable() const;
  Status CheckWrite(const Request& req, size_t body_bytes_max, const char* what, bool* wait);
  void RespondWithCheckpoint(const Request& req, nlohmann::json reply, uint64_t last_seq);
  void BeginWrite() {
    std::lock_guard lock(drain_mutex_);
    ++in_flight_;
  }
  void EndWrite();
  void ReleaseAdmission();

  ledger::Ledger& ledger_;
  const ServerOptions options_;
  AccessControl access_;
  ReadQuota quota_;
  Metrics metrics_;
  LiveProjection live_;
  // The admission rules' base when this server installed them (Run); detached by Stop.
  std::shared_ptr<ProjectionBase> admission_base_;
  uint64_t committed_unfolded_ = 0;  // entries committed since the commit observer last folded; the writer's
  std::atomic<bool> draining_{false};
  std::mutex drain_mutex_;               // GUARDS: in_flight_ changes (read without it for metrics)
  std::atomic<int64_t> in_flight_{0};    // appends accepted and not yet answered
  std::condition_variable drained_;
  std::mutex stop_mutex_;
  std::unique_ptr<HttpServer> http_;     // set while serving
};

}  // namespace creditlog::api
