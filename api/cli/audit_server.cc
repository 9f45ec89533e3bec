// `audit --server`: checks a server's latest checkpoint (signature, origin), its consistency
// with the checkpoint seen last time (a state file), and its entries: every one through the full
// audit, or a random sample with inclusion proofs. With --witness-policy the checkpoint must
// first carry the cosignatures of the policy's quorum.
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "api/cli/remote.h"
#include "api/cli/witnessed_check.h"
#include "api/client/remote_log.h"
#include "api/progress.h"
#include "base/file.h"
#include "events/event.h"
#include "ledger/audit.h"
#include "ledger/entry.h"

namespace creditlog::api {
namespace {

using nlohmann::json;

inline constexpr uint64_t kSampleMax = 100000;  // audit --sample
inline constexpr size_t kStateFileBytesMax = 64 * 1024;

// 1. Consistency with the checkpoint seen last time; returns that checkpoint's size (0: none).
Result<uint64_t> CheckAgainstState(RemoteLog& log, const std::string& state_path, const creditlog::Checkpoint& checkpoint) {
  if (state_path.empty() || !std::filesystem::exists(state_path)) return uint64_t{0};
  ASSIGN_OR_RETURN(std::string text, ReadSmallFile(state_path, kStateFileBytesMax));
  const json state = json::parse(text, nullptr, false);
  if (state.is_discarded() || !state.contains("size") || !state.contains("root") || state.value("origin", "") != log.verifier().name) {
    return Status::InvalidArgument(state_path + ": not a state file for " + log.verifier().name);
  }
  const uint64_t old_size = state["size"].get<uint64_t>();
  auto old_root_bytes = Base64Decode(state["root"].get<std::string>());
  if (!old_root_bytes.ok() || old_root_bytes->size() != kHashSize) return Status::InvalidArgument(state_path + ": root is malformed");
  Hash old_root;
  std::copy(old_root_bytes->begin(), old_root_bytes->end(), old_root.begin());
  if (checkpoint.size < old_size) {
    return Status::Corruption("the server's checkpoint (size " + std::to_string(checkpoint.size) +
                              ") is older than the one seen before (size " + std::to_string(old_size) + "): a rolled-back log");
  }
  if (Status consistent = log.CheckConsistency(old_size, old_root, checkpoint); !consistent.ok()) {
    return Status::Corruption("the checkpoint of size " + std::to_string(checkpoint.size) + " is not consistent with the one of size " +
                              std::to_string(old_size) + " seen before (history rewritten): " + consistent.message());
  }
  return old_size;
}

// 2a. Every entry, each page proven to be the checkpoint's before the audit reads it.
Result<uint64_t> AuditAll(RemoteLog& log, const SignedCheckpoint& latest, bool quiet) {
  std::map<uint64_t, std::string> checkpoints{{latest.checkpoint.size, latest.note}};
  std::vector<Bytes> page;
  uint64_t page_start = 0;
  CompactRange range;
  ProgressLine progress("audit", quiet);
  ledger::EntrySource source = [&](uint64_t seq, Bytes* entry) -> Status {
    if (seq < page_start || seq >= page_start + page.size()) {
      if (seq != range.size()) return Status::Corruption("the audit asked for entry " + std::to_string(seq) + " out of order");
      page_start = seq;
      ASSIGN_OR_RETURN(page, log.NextEntries(latest.checkpoint, &range));
      if (page.empty()) return Status::Corruption("the server has no entry " + std::to_string(seq) + " below its checkpoint");
    }
    *entry = page[seq - page_start];
    return Status::Ok();
  };
  ASSIGN_OR_RETURN(auto report, ledger::AuditEntries(latest.checkpoint.size, log.verifier_key(), std::move(checkpoints), source,
                                                     [&](uint64_t done, uint64_t total) { progress.Update(done, total); }));
  progress.Finish();
  return report.entries;
}

// 2b. A random sample (always with the last entry): signature and inclusion proof each.
Result<uint64_t> AuditSample(RemoteLog& log, const creditlog::Checkpoint& checkpoint, uint64_t sample) {
  const uint64_t n = std::min({sample, checkpoint.size, kSampleMax});
  std::set<uint64_t> seqs{checkpoint.size - 1};
  std::mt19937_64 rng(std::random_device{}());
  while (seqs.size() < n) seqs.insert(rng() % checkpoint.size);
  for (uint64_t seq : seqs) {
    ASSIGN_OR_RETURN(Bytes bytes, log.Entry(seq));
    auto view = ledger::ParseEntry(bytes);
    if (!view.ok()) return Status::Corruption("seq " + std::to_string(seq) + ": " + view.status().message());
    if (view->seq != seq) return Status::Corruption("seq " + std::to_string(seq) + ": entry says seq " + std::to_string(view->seq));
    if (Status signature = events::VerifyEnvelopeSignature(view->envelope, log.verifier().name); !signature.ok()) {
      return Status::Corruption("seq " + std::to_string(seq) + ": signature: " + signature.message());
    }
    if (Status included = log.CheckInclusion(seq, MerkleLeafHash(bytes), checkpoint); !included.ok()) {
      return Status::Corruption("seq " + std::to_string(seq) + ": not included in the checkpoint: " + included.message());
    }
  }
  return n;
}

}  // namespace

Status AuditServer() {
  const RemoteArgs& a = CommandArgs<RemoteArgs>();
  ASSIGN_OR_RETURN(std::optional<WitnessPolicy> policy, OptionalWitnessPolicy(a.witness_policy));
  ASSIGN_OR_RETURN(std::unique_ptr<RemoteLog> log, RemoteLog::Connect(a.server, RemoteToken(a), a.verifier_key));
  if (policy) RETURN_IF_ERROR(PolicyKnowsLog(*policy, log->verifier()));
  ASSIGN_OR_RETURN(SignedCheckpoint latest, log->Checkpoint());
  const creditlog::Checkpoint& checkpoint = latest.checkpoint;
  // 0. The witnesses: the quorum cosigned this checkpoint.
  std::optional<WitnessedCheckpoint> witnessed;
  if (policy) {
    ASSIGN_OR_RETURN(WitnessedCheckpoint w, RequireWitnessed(latest.note, log->verifier(), *policy, "the server's checkpoint"));
    witnessed = std::move(w);
  }
  ASSIGN_OR_RETURN(const uint64_t old_size, CheckAgainstState(*log, a.state, checkpoint));
  ASSIGN_OR_RETURN(const uint64_t verified,
                   a.sample == 0 ? AuditAll(*log, latest, a.quiet || a.json) : AuditSample(*log, checkpoint, a.sample));
  // 3. Remember this checkpoint for next time.
  if (!a.state.empty()) {
    const json state = {{"origin", log->verifier().name}, {"size", checkpoint.size}, {"root", Base64Encode(checkpoint.root)},
                        {"checkpoint", latest.note}};
    RETURN_IF_ERROR(WriteFileDurably(a.state, state.dump(2) + "\n", 0644));
  }
  if (a.json) {
    json out{{"ok", true}, {"origin", log->verifier().name}, {"size", checkpoint.size}, {"root", Base64Encode(checkpoint.root)},
             {"consistent_with", old_size}, {"entries_verified", verified}, {"sample", a.sample > 0}};
    if (witnessed) AddWitnessJson(out, *witnessed, *policy);
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "OK: checkpoint of size " << checkpoint.size << " signed by " << log->verifier().name << "\n";
    if (witnessed) std::cout << WitnessLine(*witnessed, *policy) << "\n";
    if (old_size > 0) std::cout << "consistent with the checkpoint of size " << old_size << " seen before\n";
    std::cout << (a.sample > 0 ? "sampled " : "audited ") << verified << " entries"
              << (a.sample > 0 ? " (signature and inclusion proof each)" : " (every signature, key, stream and the tree)") << "\n";
  }
  return Status::Ok();
}

}  // namespace creditlog::api
