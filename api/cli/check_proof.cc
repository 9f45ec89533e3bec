// creditlog check-proof: an RFC 9162 inclusion or consistency proof, as `prove` prints it (or
// /v1/proofs/… answers it), or a C2SP tlog-proof file (`prove inclusion --bundle`), checked
// against signed checkpoints and the verifier key alone: no ledger, no server. With
// --witness-policy the checkpoint must also carry the cosignatures of the policy's quorum.
// Exit 0 when the proof holds, 1 when it does not, 2 for unusable input.
#include <filesystem>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include "base/file.h"
#include "api/proof_bundle.h"
#include "api/cli/witnessed_check.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/tlog_proof.h"
#include "ledger/entry.h"

namespace creditlog::api {
namespace {

using nlohmann::json;

// Inputs are small text files: a verifier key, a checkpoint, a proof, an entry.
constexpr size_t kProofInputBytesMax = 256 * 1024;

struct CheckArgs {
  std::string verifier_key;
  std::string checkpoint;
  std::string old_checkpoint;
  std::string proof;
  std::string entry;
  std::string bundle;
  std::string witness_policy;
  uint64_t seq = 0;
  bool json = false;
};

Result<std::string> ReadInput(const std::string& path, const char* what, size_t bytes_max = kProofInputBytesMax) {
  if (path == "-") {
    std::ostringstream in;
    in << std::cin.rdbuf();
    if (in.str().size() > bytes_max) return Status::TooLarge(std::string(what) + " on standard input is too large");
    return in.str();
  }
  auto text = ReadSmallFile(path, bytes_max);
  if (!text.ok()) return text.status().WithContext(what);
  return text;
}

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

// The log's key: --verifier-key, or with a --witness-policy that lists logs, the one of the
// policy's `log` lines that the checkpoint `note` names.
Result<NoteVerifier> LogKey(const CheckArgs& a, const std::optional<WitnessPolicy>& policy, std::string_view note) {
  if (!a.verifier_key.empty()) {
    ASSIGN_OR_RETURN(NoteVerifier verifier, VerifierKeyArg(a.verifier_key, "--verifier-key"));
    if (policy) RETURN_IF_ERROR(PolicyKnowsLog(*policy, verifier));
    return verifier;
  }
  if (policy && !policy->logs().empty()) return PolicyLogFor(*policy, note);
  return Status::InvalidArgument("--verifier-key KEY is required (it may be left out only when --witness-policy has a `log` line)");
}

Result<Checkpoint> SignedCheckpoint(const NoteVerifier& verifier, const std::string& note, const char* what) {
  auto text = OpenNote(note, verifier);
  if (!text.ok()) return Status::Corruption(std::string(what) + ": " + text.status().message());
  auto checkpoint = ParseCheckpoint(*text);
  if (!checkpoint.ok()) return checkpoint.status().WithContext(what);
  return checkpoint;
}

// One base64 hash per line, as `prove` prints them; blank lines are skipped.
Result<std::vector<Hash>> ProofHashes(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadInput(path, "--proof"));
  std::vector<Hash> hashes;
  std::istringstream lines(text);
  size_t number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    line = Trim(line);
    if (line.empty()) continue;
    auto bytes = Base64Decode(line);
    if (!bytes.ok() || bytes->size() != kHashSize) {
      return Status::InvalidArgument("--proof line " + std::to_string(number) + ": not the base64 of a 32-byte hash");
    }
    Hash hash;
    std::copy(bytes->begin(), bytes->end(), hash.begin());
    hashes.push_back(hash);
  }
  return hashes;
}

void Report(const CheckArgs& a, const json& out, const std::string& line) {
  if (a.json) {
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << line << "\n";
  }
}

// With a policy: the checkpoint `note` must meet its quorum.
Result<std::optional<WitnessedCheckpoint>> Witnessed(const std::optional<WitnessPolicy>& policy, const NoteVerifier& verifier,
                                                     const std::string& note, const char* what) {
  if (!policy) return std::optional<WitnessedCheckpoint>();
  ASSIGN_OR_RETURN(WitnessedCheckpoint witnessed, RequireWitnessed(note, verifier, *policy, what));
  return std::optional<WitnessedCheckpoint>(std::move(witnessed));
}

// Adds who cosigned to the JSON and the readable line, when a policy was given.
void ReportWitnessed(const CheckArgs& a, json out, std::string line, const std::optional<WitnessPolicy>& policy,
                     const std::optional<WitnessedCheckpoint>& witnessed) {
  if (policy && witnessed) {
    AddWitnessJson(out, *witnessed, *policy);
    line += "\n" + WitnessLine(*witnessed, *policy);
  }
  Report(a, out, line);
}

Status Inclusion() {
  const CheckArgs& a = CommandArgs<CheckArgs>();
  ASSIGN_OR_RETURN(std::optional<WitnessPolicy> policy, OptionalWitnessPolicy(a.witness_policy));
  ASSIGN_OR_RETURN(std::string note, ReadInput(a.checkpoint, "--checkpoint"));
  ASSIGN_OR_RETURN(NoteVerifier verifier, LogKey(a, policy, note));
  ASSIGN_OR_RETURN(Checkpoint checkpoint, SignedCheckpoint(verifier, note, "--checkpoint"));
  ASSIGN_OR_RETURN(std::optional<WitnessedCheckpoint> witnessed, Witnessed(policy, verifier, note, "--checkpoint"));
  ASSIGN_OR_RETURN(std::string entry_text, ReadInput(a.entry, "--entry"));
  auto entry = Base64Decode(Trim(entry_text));
  if (!entry.ok()) return Status::InvalidArgument("--entry: not base64 (give the entry as `creditlog entry` prints it)");
  // An entry names its own seq: one given for another seq is refused before the proof is tried.
  if (auto view = ledger::ParseEntry(*entry); view.ok() && view->seq != a.seq) {
    return Status::Corruption("--entry is entry seq " + std::to_string(view->seq) + ", not seq " + std::to_string(a.seq));
  }
  ASSIGN_OR_RETURN(std::vector<Hash> proof, ProofHashes(a.proof));
  if (a.seq >= checkpoint.size) {
    return Status::Corruption("seq " + std::to_string(a.seq) + " is not in a tree of size " + std::to_string(checkpoint.size));
  }
  const Hash leaf = MerkleLeafHash(*entry);
  Status holds = VerifyInclusion(a.seq, checkpoint.size, leaf, proof, checkpoint.root);
  if (!holds.ok()) return Status::Corruption("the inclusion proof does not hold: " + holds.message());
  ReportWitnessed(a,
                  {{"ok", true}, {"proof", "inclusion"}, {"origin", checkpoint.origin}, {"seq", a.seq}, {"size", checkpoint.size},
                   {"root", Base64Encode(checkpoint.root)}, {"leaf_hash", Base64Encode(leaf)}},
                  "通过：seq " + std::to_string(a.seq) + " 的条目包含在 " + checkpoint.origin + " 大小为 " +
                      std::to_string(checkpoint.size) + " 的树中（根 " + Base64Encode(checkpoint.root) + "，检查点签名有效）",
                  policy, witnessed);
  return Status::Ok();
}

Status Consistency() {
  const CheckArgs& a = CommandArgs<CheckArgs>();
  ASSIGN_OR_RETURN(std::optional<WitnessPolicy> policy, OptionalWitnessPolicy(a.witness_policy));
  ASSIGN_OR_RETURN(std::string old_note, ReadInput(a.old_checkpoint, "--old"));
  ASSIGN_OR_RETURN(std::string new_note, ReadInput(a.checkpoint, "--checkpoint"));
  ASSIGN_OR_RETURN(NoteVerifier verifier, LogKey(a, policy, new_note));
  ASSIGN_OR_RETURN(Checkpoint older, SignedCheckpoint(verifier, old_note, "--old"));
  ASSIGN_OR_RETURN(Checkpoint newer, SignedCheckpoint(verifier, new_note, "--checkpoint"));
  // The newer checkpoint is the one the policy's witnesses must have cosigned.
  ASSIGN_OR_RETURN(std::optional<WitnessedCheckpoint> witnessed, Witnessed(policy, verifier, new_note, "--checkpoint"));
  if (older.origin != newer.origin) {
    return Status::Corruption("the checkpoints are of two logs: '" + older.origin + "' and '" + newer.origin + "'");
  }
  if (older.size > newer.size) {
    return Status::Corruption("--old has size " + std::to_string(older.size) + ", larger than --checkpoint's " +
                              std::to_string(newer.size) + ": the log went back");
  }
  ASSIGN_OR_RETURN(std::vector<Hash> proof, ProofHashes(a.proof));
  Status holds = VerifyConsistency(older.size, newer.size, older.root, newer.root, proof);
  if (!holds.ok()) return Status::Corruption("the consistency proof does not hold: " + holds.message());
  ReportWitnessed(a,
                  {{"ok", true}, {"proof", "consistency"}, {"origin", newer.origin}, {"old_size", older.size},
                   {"new_size", newer.size}, {"old_root", Base64Encode(older.root)}, {"new_root", Base64Encode(newer.root)}},
                  "通过：" + newer.origin + " 大小为 " + std::to_string(older.size) + " 的树是大小为 " +
                      std::to_string(newer.size) + " 的树的前缀（两个检查点签名有效，日志未被改写或回滚）",
                  policy, witnessed);
  return Status::Ok();
}

// A C2SP tlog-proof file as `prove inclusion --bundle` writes it: the entry (the extra line)
// must parse as a ledger entry of the proof's index, the checkpoint must be the log's, every
// cosignature by a witness of the policy must verify, the entry's leaf hash must be at the
// index in the checkpoint's tree, and with a policy its quorum must have cosigned. The first
// check that does not hold is the answer (Corruption: exit 1).
Status Bundle() {
  const CheckArgs& a = CommandArgs<CheckArgs>();
  ASSIGN_OR_RETURN(std::optional<WitnessPolicy> policy, OptionalWitnessPolicy(a.witness_policy));
  ASSIGN_OR_RETURN(std::string text, ReadInput(a.bundle, "--bundle", kTlogProofBytesMax));
  auto proof = ParseTlogProof(text);
  if (!proof.ok()) return proof.status().WithContext("--bundle " + a.bundle);
  ASSIGN_OR_RETURN(NoteVerifier verifier, LogKey(a, policy, proof->checkpoint));
  ASSIGN_OR_RETURN(CheckedBundle checked, CheckEntryBundle(*proof, verifier, policy));
  const Checkpoint& checkpoint = checked.checkpoint.checkpoint;
  const std::string seq = std::to_string(proof->index);
  const std::string size = std::to_string(checkpoint.size);
  ReportWitnessed(a,
                  {{"ok", true}, {"proof", "bundle"}, {"origin", checkpoint.origin}, {"seq", proof->index}, {"size", checkpoint.size},
                   {"root", Base64Encode(checkpoint.root)}, {"leaf_hash", Base64Encode(checked.leaf_hash)},
                   {"recorded_at_ms", checked.recorded_at_ms}},
                  L("通过：seq " + seq + " 的条目包含在 " + checkpoint.origin + " 大小为 " + size + " 的树中（根 " +
                        Base64Encode(checkpoint.root) + "，检查点签名有效）",
                    "OK: the entry seq " + seq + " is in the tree of size " + size + " of " + checkpoint.origin + " (root " +
                        Base64Encode(checkpoint.root) + ", the checkpoint's signature verifies)"),
                  policy, checked.checkpoint);
  return Status::Ok();
}

}  // namespace

void AddCheckProofCommands(CLI::App& app) {
  CheckArgs& a = CommandArgs<CheckArgs>();
  auto* check = app.add_subcommand("check-proof",
                                   "Check a proof that `prove` printed against signed checkpoints and the verifier key, "
                                   "with no ledger; exit 0 only if it holds");
  check->require_subcommand(1);
  auto keys = [&](CLI::App* c) {
    c->add_option("--verifier-key", a.verifier_key,
                  "the verifier key (name+hash+base64), or a file holding it; required unless --witness-policy has the "
                  "log's `log` line");
    c->add_option("--witness-policy", a.witness_policy,
                  "a C2SP tlog-policy file (docs/witnesses.md): the checkpoint must carry the cosignatures of its quorum");
    c->add_flag("--json", a.json, "JSON output");
  };
  auto common = [&](CLI::App* c) {
    keys(c);
    c->add_option("--checkpoint", a.checkpoint, "the signed checkpoint (a file, or - for standard input)")->required();
    c->add_option("--proof", a.proof, "the proof: base64 hashes one per line, as `prove` prints them (a file, or -)")
        ->required();
  };
  auto* inclusion = check->add_subcommand("inclusion", "entry SEQ is in the checkpoint's tree");
  common(inclusion);
  inclusion->add_option("--seq", a.seq, "the entry's seq (leaf index)")->required();
  inclusion->add_option("--entry", a.entry, "the entry, base64 as `creditlog entry` prints it (a file, or -)")->required();
  SetAction(inclusion, Inclusion);
  auto* consistency = check->add_subcommand("consistency", "the tree of the older checkpoint is a prefix of the newer one's");
  common(consistency);
  consistency->add_option("--old", a.old_checkpoint, "the older signed checkpoint (a file)")->required();
  SetAction(consistency, Consistency);
  auto* bundle = check->add_subcommand(
      "bundle", "a C2SP tlog-proof file (`prove inclusion --bundle`): its entry is in its checkpoint's tree");
  keys(bundle);
  bundle->add_option("--bundle", a.bundle, "the proof file (.tlog-proof; a file, or -)")->required();
  SetAction(bundle, Bundle);
}

}  // namespace creditlog::api
