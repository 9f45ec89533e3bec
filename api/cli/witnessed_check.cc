#include "api/cli/witnessed_check.h"

#include <ctime>
#include <filesystem>

#include "api/cli/cli.h"
#include "base/file.h"

namespace creditlog::api {
namespace {

// Times beyond the year 9999 are shown as their number of seconds.
constexpr uint64_t kCosignatureTimeShownMax = 253402300799;  // 9999-12-31T23:59:59Z
constexpr int64_t kChinaUtcOffsetSeconds = 8 * 3600;

std::string_view OriginOf(std::string_view note) { return note.substr(0, note.find('\n')); }

// A verifier key is one short line.
constexpr size_t kVerifierKeyFileBytesMax = 4096;

}  // namespace

Result<NoteVerifier> VerifierKeyArg(const std::string& given, const std::string& what) {
  std::string text = given;
  std::error_code ec;
  if (std::filesystem::is_regular_file(given, ec)) {
    auto read = ReadSmallFile(given, kVerifierKeyFileBytesMax);
    if (!read.ok()) return read.status().WithContext(what);
    text = std::move(*read);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  auto verifier = ParseVerifierKey(text);
  if (!verifier.ok()) return verifier.status().WithContext(what);
  return verifier;
}

Result<std::optional<WitnessPolicy>> OptionalWitnessPolicy(const std::string& path) {
  if (path.empty()) return std::optional<WitnessPolicy>();
  ASSIGN_OR_RETURN(WitnessPolicy policy, ReadWitnessPolicy(path));
  return std::optional<WitnessPolicy>(std::move(policy));
}

Status PolicyKnowsLog(const WitnessPolicy& policy, const NoteVerifier& log) {
  if (policy.logs().empty()) return Status::Ok();
  for (const PolicyLog& known : policy.logs()) {
    if (known.key.name == log.name && known.key.public_key == log.public_key) return Status::Ok();
  }
  return Status::InvalidArgument("--witness-policy lists logs, but not " + FormatVerifierKey(log.name, log.public_key) +
                                 ": add its `log` line, or give the policy of this log");
}

Result<NoteVerifier> PolicyLogFor(const WitnessPolicy& policy, std::string_view note) {
  const std::string_view origin = OriginOf(note);
  const PolicyLog* named = nullptr;
  for (const PolicyLog& log : policy.logs()) {
    if (log.key.name != origin) continue;
    if (named == nullptr) named = &log;
    if (OpenNote(note, log.key).ok()) return log.key;
  }
  if (named != nullptr) return named->key;  // its signature is missing: opening says so
  return Status::Corruption("the checkpoint's origin '" + std::string(origin) +
                            "' is not a log of --witness-policy (no `log` line with that name): give --verifier-key, or the "
                            "policy that lists this log");
}

Result<WitnessedCheckpoint> RequireWitnessed(std::string_view note, const NoteVerifier& log, const WitnessPolicy& policy,
                                             const std::string& what) {
  auto opened = OpenWitnessed(note, log, policy);
  if (!opened.ok()) return Status::Corruption(what + ": " + opened.status().message());
  if (Status quorum = RequireQuorum(*opened, policy); !quorum.ok()) return Status::Corruption(what + ": " + quorum.message());
  return opened;
}

std::string CosignatureTime(uint64_t timestamp) {
  if (timestamp > kCosignatureTimeShownMax) return "@" + std::to_string(timestamp);
  const std::time_t local = static_cast<std::time_t>(timestamp) + kChinaUtcOffsetSeconds;
  std::tm at{};
  if (gmtime_r(&local, &at) == nullptr) return "@" + std::to_string(timestamp);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S+08:00", &at);
  return text;
}

void AddWitnessJson(nlohmann::json& out, const WitnessedCheckpoint& checkpoint, const WitnessPolicy& policy) {
  nlohmann::json by = nlohmann::json::array();
  for (const Cosigned& c : checkpoint.cosigned_by) {
    by.push_back({{"witness", c.witness}, {"timestamp", c.timestamp}, {"time", CosignatureTime(c.timestamp)}});
  }
  out["cosigned_by"] = std::move(by);
  out["quorum"] = policy.QuorumText();
}

std::string WitnessLine(const WitnessedCheckpoint& checkpoint, const WitnessPolicy& policy) {
  std::string who;
  for (const Cosigned& c : checkpoint.cosigned_by) {
    if (!who.empty()) who += L("、", ", ");
    who += c.witness + L("（", " (") + CosignatureTime(c.timestamp) + L("）", ")");
  }
  const std::string size = std::to_string(checkpoint.checkpoint.size);
  const std::string met = checkpoint.quorum ? L("已满足", "met") : L("未满足", "not met");
  if (who.empty()) {
    return L("大小为 " + size + " 的检查点无见证人联署；见证策略的法定要求：" + policy.QuorumText() + "，" + met,
             "the checkpoint of size " + size + " has no cosignature; the witness policy's quorum: " + policy.QuorumText() +
                 ", " + met);
  }
  return L("大小为 " + size + " 的检查点由见证人 " + who + " 联署；见证策略的法定要求：" + policy.QuorumText() + "，" + met,
           "the checkpoint of size " + size + " is cosigned by " + who + "; the witness policy's quorum: " +
               policy.QuorumText() + ", " + met);
}

}  // namespace creditlog::api
