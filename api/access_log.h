// The access log: who read whose file, when and for what purpose (docs/privacy.md).
//
// It is a ledger of its own in DATA/access, beside the credit log, built by the same code:
// entries are AccessRecorded events, signed by the server's checkpoint key, which is also the
// access log's root key; it has its own Merkle tree and signed checkpoints, with the credit
// log's origin + "/access" as its origin. `creditlog verify --data DATA/access` audits it end
// to end, as it audits the credit log, and its checkpoints and proofs verify with the same
// tools. Each record's stream is the subject read, so a subject's 查询记录 is its stream.
//
// A read is answered only once its record is durable (the ledger's group commit amortises the
// fsync over concurrent reads): a crash loses no look that was answered.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "crypto/ed25519.h"
#include "ledger/ledger.h"

namespace creditlog::api {

inline constexpr std::string_view kAccessLogDir = "access";          // DATA/access
inline constexpr std::string_view kAccessOriginSuffix = "/access";  // the credit log's origin + this
inline constexpr uint64_t kAccessRecordsDefault = 200;                // a subject's records shown unless asked for more
inline constexpr uint64_t kAccessRecordsMax = 10000;

// The purposes a file may be read for (个人信息保护法 Art. 6: a stated, specific purpose). A
// request names one by its key or its Chinese name; the record keeps the Chinese name.
struct Purpose {
  std::string_view key;
  std::string_view name;
};
inline constexpr Purpose kPurposes[] = {
    {"approval", "行政审批"},        {"supervision", "事中事后监管"}, {"bidding", "招投标"},
    {"repair_review", "信用修复审核"}, {"objection", "异议处理"},     {"appointment", "干部选拔任用"},
    {"audit", "审计监督"},
};
inline constexpr std::string_view kAuditPurpose = "审计监督";  // the audit feed's, when none is named

// The Chinese name of the purpose `text` names; InvalidArgument listing them otherwise.
Result<std::string> ParsePurpose(std::string_view text);
std::string PurposeList();  // "行政审批 (approval), 事中事后监管 (supervision), …"

std::string AccessLogPath(const std::string& data);

// One read, as the server saw it.
struct AccessRecord {
  std::string subject;  // the file read; "" for a read of no single subject
  std::string reader;   // the token's name
  std::string role;
  std::string purpose;  // a Chinese name from kPurposes
  std::string route;    // "GET /v1/subjects/{id}/profile"
  std::string target;   // a list's name, an entry's seq, a query; may be ""
  std::string request_id;
  std::string address;
  int64_t read_at_ms = 0;
};

class AccessLog {
 public:
  // Opens DATA/access for appending, creating it when absent: its Genesis names the credit
  // office of `credit_log` and is signed by `key` (the server's checkpoint key), which also
  // signs its checkpoints.
  static Result<std::unique_ptr<AccessLog>> Open(const std::string& data, const ledger::Ledger& credit_log, const KeyPair& key);

  // Signs `record` and appends it; done(Ok) once it is durable, done(error) if it cannot be.
  void Record(const AccessRecord& record, std::function<void(Status)> done);
  ledger::Ledger& ledger() { return *ledger_; }

 private:
  AccessLog(KeyPair key, std::unique_ptr<ledger::Ledger> ledger) : key_(std::move(key)), ledger_(std::move(ledger)) {}
  Result<Bytes> Sign(const AccessRecord& record);

  const KeyPair key_;
  std::unique_ptr<ledger::Ledger> ledger_;
  const std::string run_ = NewRunId();  // event ids: "access/<run>/<n>", unique across restarts
  std::atomic<uint64_t> next_{0};
  static std::string NewRunId();
};

// The records of reads of `subject` in `log`, oldest first, at most `limit`:
// {"subject", "records": total, "access": [{seq, read_at_ms, read_date, reader, role, purpose,
// route, target, request_id, address}]}. NotFound naming the subject when none.
Result<nlohmann::json> AccessRecordsJson(const ledger::Ledger& log, const std::string& subject, uint64_t limit);

}  // namespace creditlog::api
