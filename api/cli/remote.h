// The HTTP clients of the command line, one file each: `submit` (submit.cc: sign locally, send
// to a server), `audit --server` (audit_server.cc: check a server's checkpoint, its consistency
// with the last one seen, and its entries) and `mirror` (mirror.cc: follow a server's log into a
// local ledger). All of them read the server through a verifying RemoteLog
// (api/client/remote_log.h); remote.cc registers them.
//
// The commands that write — record, import, agencies register, keys revoke, adopt-ruleset —
// write either into a ledger here (--data) or to a running server (--server): both sign each
// event with the same key the same way, and both report what became of each record
// (RecordOutcome). SubmitRecords is the server's way, shared with `submit`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/cli/cli.h"
#include "base/status.h"
#include "crypto/bytes.h"

namespace creditlog::api {

// One event to record: where it came from and its event JSON, or why it was refused before
// it was signed (a CSV row that does not convert).
struct SourceRecord {
  size_t line = 0;                     // its first line in the source
  Result<std::string> json = Status::InvalidArgument("empty");
  bool json_is_source = true;          // the JSON is the source's own text (not made from a CSV row)
};

// What became of one record.
struct RecordOutcome {
  size_t line = 0;                     // in the source; for a refused event JSON, the error's line
  Status status;                       // OK, or why it was refused
  uint64_t seq = 0;
  bool duplicate = false;
  std::optional<uint64_t> checkpoint_size;  // --wait: the checkpoint its inclusion proof held in

  static RecordOutcome Refused(size_t line, Status why) {
    RecordOutcome o;
    o.line = line;
    o.status = std::move(why);
    return o;
  }
  static RecordOutcome Recorded(size_t line, uint64_t seq, bool duplicate) {
    RecordOutcome o;
    o.line = line;
    o.seq = seq;
    o.duplicate = duplicate;
    return o;
  }
};

// The event of a record (events::EventFromJson); a refusal moves *line onto the line of the
// source the error is at.
Result<Bytes> EventOfRecord(const SourceRecord& record, size_t* line);

// Where and how to write to a server.
struct ServerWrite {
  std::string server;
  std::string token;                   // "" for none: writes are authorised by their signature
  std::string key_path;                // the signing key
  std::string verifier_key;            // "" to take the server's own
  bool wait = false;                   // wait for a checkpoint and verify each inclusion proof
  bool quiet = false;                  // no progress line
};

// Signs every record with the key for the server's ledger (its origin, from the verifier key
// it serves) and posts them: `single`, one event to POST /v1/events; otherwise batches of
// kBatchEventsMax to POST /v1/events/batch. One outcome per record, in the records' order; an
// event the server refuses is an outcome with the server's code (403 permission_denied for a
// key not permitted). The Status is for the exchange itself: the server not reached, a broken
// answer or inclusion proof.
Result<std::vector<RecordOutcome>> SubmitRecords(const ServerWrite& write, const std::vector<SourceRecord>& records,
                                                 bool single);

// The code that stands for the refusals among `outcomes`: theirs when they all share one (a
// permission refusal stays permission_denied), invalid_argument otherwise; kOk when none.
StatusCode RefusalCode(const std::vector<RecordOutcome>& outcomes);

inline constexpr int64_t kMirrorIntervalDefaultMs = 1000;

struct RemoteArgs {
  std::string server;
  std::string token;
  std::string key_path;
  std::string input;
  std::string verifier_key;
  std::string state;
  std::string data;
  uint64_t sample = 0;
  bool wait = false;
  bool follow = false;
  bool tiles = false;  // mirror: read the C2SP tlog-tiles endpoints
  std::string witness_policy;  // audit, mirror: the server's checkpoint must meet this tlog-policy's quorum
  int64_t interval_ms = kMirrorIntervalDefaultMs;
  bool json = false;
  bool quiet = false;
};

// The options of a command that writes into a ledger here or to a server: --data DIR or
// --server URL (excluding each other; the action checks that one is given) and --token.
// `server_note` follows the --server help, e.g. "(needs --signer)".
void AddDataOrServer(CLI::App* command, std::string* data, std::string* server, std::string* token,
                     const std::string& server_note);
// InvalidArgument unless exactly one of them was given.
Status DataOrServerGiven(const std::string& data, const std::string& server);

// --token, else $CREDITLOG_TOKEN, else none.
std::string ServerToken(const std::string& token);
std::string RemoteToken(const RemoteArgs& a);

Status Submit();
Status AuditServer();
Status Mirror();

}  // namespace creditlog::api
