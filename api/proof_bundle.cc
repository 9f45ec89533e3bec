#include "api/proof_bundle.h"

#include <filesystem>

#include "api/witnessed.h"
#include "base/file.h"
#include "crypto/merkle.h"
#include "ledger/entry.h"

namespace creditlog::api {
namespace {

// The checkpoint note a proof file is made against (MakeEntryBundle says which).
Result<std::string> BundleCheckpoint(const ledger::Ledger& ledger, const std::optional<std::string>& witnessed,
                                     const std::string& witnessed_path, uint64_t seq, std::optional<uint64_t> size,
                                     bool* is_witnessed) {
  *is_witnessed = false;
  std::string witnessed_text;
  if (witnessed) {
    auto opened = ledger.OpenCheckpoint(*witnessed);
    if (!opened.ok()) {
      return Status::Corruption(witnessed_path + ": not a checkpoint signed by this ledger: " + opened.status().message());
    }
    if (opened->size > ledger.size()) {
      return Status::Corruption(witnessed_path + " covers " + std::to_string(opened->size) + " entries, but the ledger holds " +
                                std::to_string(ledger.size()) + ": the ledger has been rolled back");
    }
    ASSIGN_OR_RETURN(Hash root, ledger.Root(opened->size));
    if (root != opened->root) {
      return Status::Corruption(witnessed_path + " is not the ledger's tree of size " + std::to_string(opened->size) +
                                ": a different history");
    }
    if (size ? opened->size == *size : opened->size > seq) {
      *is_witnessed = true;
      return *witnessed;
    }
    witnessed_text = "; the witnessed checkpoint's is " + std::to_string(opened->size);
  }
  if (size) {
    ASSIGN_OR_RETURN(auto checkpoints, ledger.Checkpoints());
    for (auto& [checkpoint_size, note] : checkpoints) {
      if (checkpoint_size == *size) return std::move(note);
    }
    const std::string latest = checkpoints.empty() ? std::string("-") : std::to_string(checkpoints.back().first);
    return Status::InvalidArgument("no signed checkpoint of size " + std::to_string(*size) + " (the latest is of size " + latest +
                                   witnessed_text +
                                   "): a proof file carries a signed checkpoint; leave out --size, or give the size of one");
  }
  auto latest = ledger.LatestCheckpoint();
  if (!latest.ok() && latest.status().code() == StatusCode::kNotFound) {
    return Status::InvalidArgument("the ledger has no signed checkpoint yet (creditlog checkpoint --data DIR --publish signs one)");
  }
  if (!latest.ok()) return latest.status();
  ASSIGN_OR_RETURN(Checkpoint checkpoint, ledger.OpenCheckpoint(*latest));
  if (checkpoint.size <= seq) {
    return Status::InvalidArgument("seq " + std::to_string(seq) + " is not in the latest checkpoint's tree (size " +
                                   std::to_string(checkpoint.size) + witnessed_text +
                                   "): a newer checkpoint is needed (creditlog checkpoint --data DIR --publish signs one)");
  }
  return *latest;
}

}  // namespace

// The key names on a checkpoint's signature lines other than the log's: its cosigners, not
// checked here (check-proof bundle --witness-policy checks them).
std::vector<std::string> CosignerNames(const std::string& note, const std::string& origin) {
  std::vector<std::string> names;
  auto parts = SplitNote(note);
  if (!parts.ok()) return names;
  for (std::string_view line : parts->signature_lines) {
    auto signature = ParseNoteSignature(line);
    if (signature.ok() && signature->name != origin) names.push_back(signature->name);
  }
  return names;
}

Result<std::optional<std::string>> ReadWitnessedCheckpoint(const std::string& data) {
  const std::string path = data + "/" + kWitnessedCheckpointFile;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<std::string>();
  ASSIGN_OR_RETURN(std::string note, ReadSmallFile(path, kNoteBytesMax));
  return std::optional<std::string>(std::move(note));
}

Result<EntryBundle> MakeEntryBundle(const ledger::Ledger& ledger, const std::optional<std::string>& witnessed,
                                    const std::string& witnessed_path, uint64_t seq, std::optional<uint64_t> size) {
  if (size && seq >= *size) {
    return Status::InvalidArgument("seq " + std::to_string(seq) + " is not in a tree of size " + std::to_string(*size));
  }
  if (seq >= ledger.size()) {
    return Status::InvalidArgument("seq " + std::to_string(seq) + " is not in the ledger (" + std::to_string(ledger.size()) +
                                   " entries)");
  }
  EntryBundle bundle;
  ASSIGN_OR_RETURN(std::string note, BundleCheckpoint(ledger, witnessed, witnessed_path, seq, size, &bundle.witnessed));
  ASSIGN_OR_RETURN(bundle.checkpoint, ledger.OpenCheckpoint(note));
  ASSIGN_OR_RETURN(Bytes entry, ledger.Entry(seq));
  if (entry.size() > kTlogProofExtraBytesMax) {
    return Status::TooLarge("entry " + std::to_string(seq) + " is larger than a proof file's extra data may be (" +
                            std::to_string(kTlogProofExtraBytesMax) + " bytes)");
  }
  bundle.proof.index = seq;
  ASSIGN_OR_RETURN(bundle.proof.hashes, ledger.InclusionProof(seq, bundle.checkpoint.size));
  bundle.cosigners = CosignerNames(note, ledger.origin());
  bundle.proof.checkpoint = std::move(note);
  // What is handed out must verify: the checkpoint is the ledger's, the proof leads to its root.
  ASSIGN_OR_RETURN(NoteVerifier verifier, ParseVerifierKey(ledger.VerifierKey()));
  if (auto held = VerifyTlogProof(bundle.proof, MerkleLeafHash(entry), verifier, WitnessPolicy::None()); !held.ok()) {
    return Status::Corruption("the proof of seq " + std::to_string(seq) + " does not verify against the ledger's checkpoint: " +
                              held.status().message());
  }
  bundle.proof.extra = std::move(entry);
  return bundle;
}

Result<CheckedBundle> CheckEntryBundle(const TlogProof& proof, const NoteVerifier& log,
                                       const std::optional<WitnessPolicy>& policy) {
  if (!proof.extra) return Status::Corruption("the proof file has no extra line: a creditlog proof file carries the entry there");
  auto entry = ledger::ParseEntry(*proof.extra);
  if (!entry.ok()) return Status::Corruption("the entry (extra line) is not a ledger entry: " + entry.status().message());
  if (entry->seq != proof.index) {
    return Status::Corruption("the entry (extra line) is entry seq " + std::to_string(entry->seq) + ", but the proof is for index " +
                              std::to_string(proof.index));
  }
  CheckedBundle checked;
  checked.leaf_hash = MerkleLeafHash(*proof.extra);
  checked.recorded_at_ms = entry->recorded_at_ms;
  const WitnessPolicy none = WitnessPolicy::None();
  auto verified = VerifyTlogProof(proof, checked.leaf_hash, log, policy ? *policy : none);
  if (!verified.ok()) return Status::Corruption(verified.status().message());
  if (policy) {
    if (Status quorum = RequireQuorum(*verified, *policy); !quorum.ok()) return Status::Corruption("checkpoint: " + quorum.message());
  }
  checked.checkpoint = std::move(*verified);
  return checked;
}

}  // namespace creditlog::api
