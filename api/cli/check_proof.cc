// creditlog check-proof: an RFC 9162 inclusion or consistency proof, as `prove` prints it (or
// /v1/proofs/… answers it), checked against signed checkpoints and the verifier key alone: no
// ledger, no server. Exit 0 when the proof holds, 1 when it does not, 2 for unusable input.
#include <filesystem>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include "base/file.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
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
  uint64_t seq = 0;
  bool json = false;
};

Result<std::string> ReadInput(const std::string& path, const char* what) {
  if (path == "-") {
    std::ostringstream in;
    in << std::cin.rdbuf();
    if (in.str().size() > kProofInputBytesMax) return Status::TooLarge(std::string(what) + " on standard input is too large");
    return in.str();
  }
  auto text = ReadSmallFile(path, kProofInputBytesMax);
  if (!text.ok()) return text.status().WithContext(what);
  return text;
}

std::string Trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

// The verifier key given as itself (name+hash+base64) or as a file holding it.
Result<NoteVerifier> Verifier(const std::string& given) {
  std::string text = given;
  std::error_code ec;
  if (std::filesystem::is_regular_file(given, ec)) {
    ASSIGN_OR_RETURN(text, ReadInput(given, "--verifier-key"));
  }
  auto verifier = ParseVerifierKey(Trim(text));
  if (!verifier.ok()) return verifier.status().WithContext("--verifier-key");
  return verifier;
}

Result<Checkpoint> SignedCheckpoint(const NoteVerifier& verifier, const std::string& path, const char* what) {
  ASSIGN_OR_RETURN(std::string note, ReadInput(path, what));
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

Status Inclusion() {
  const CheckArgs& a = CommandArgs<CheckArgs>();
  ASSIGN_OR_RETURN(NoteVerifier verifier, Verifier(a.verifier_key));
  ASSIGN_OR_RETURN(Checkpoint checkpoint, SignedCheckpoint(verifier, a.checkpoint, "--checkpoint"));
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
  Report(a,
         {{"ok", true}, {"proof", "inclusion"}, {"origin", checkpoint.origin}, {"seq", a.seq}, {"size", checkpoint.size},
          {"root", Base64Encode(checkpoint.root)}, {"leaf_hash", Base64Encode(leaf)}},
         "通过：seq " + std::to_string(a.seq) + " 的条目包含在 " + checkpoint.origin + " 大小为 " +
             std::to_string(checkpoint.size) + " 的树中（根 " + Base64Encode(checkpoint.root) + "，检查点签名有效）");
  return Status::Ok();
}

Status Consistency() {
  const CheckArgs& a = CommandArgs<CheckArgs>();
  ASSIGN_OR_RETURN(NoteVerifier verifier, Verifier(a.verifier_key));
  ASSIGN_OR_RETURN(Checkpoint older, SignedCheckpoint(verifier, a.old_checkpoint, "--old"));
  ASSIGN_OR_RETURN(Checkpoint newer, SignedCheckpoint(verifier, a.checkpoint, "--checkpoint"));
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
  Report(a,
         {{"ok", true}, {"proof", "consistency"}, {"origin", newer.origin}, {"old_size", older.size}, {"new_size", newer.size},
          {"old_root", Base64Encode(older.root)}, {"new_root", Base64Encode(newer.root)}},
         "通过：" + newer.origin + " 大小为 " + std::to_string(older.size) + " 的树是大小为 " + std::to_string(newer.size) +
             " 的树的前缀（两个检查点签名有效，日志未被改写或回滚）");
  return Status::Ok();
}

}  // namespace

void AddCheckProofCommands(CLI::App& app) {
  CheckArgs& a = CommandArgs<CheckArgs>();
  auto* check = app.add_subcommand("check-proof",
                                   "Check a proof that `prove` printed against signed checkpoints and the verifier key, "
                                   "with no ledger; exit 0 only if it holds");
  check->require_subcommand(1);
  auto common = [&](CLI::App* c) {
    c->add_option("--verifier-key", a.verifier_key, "the verifier key (name+hash+base64), or a file holding it")->required();
    c->add_option("--checkpoint", a.checkpoint, "the signed checkpoint (a file, or - for standard input)")->required();
    c->add_option("--proof", a.proof, "the proof: base64 hashes one per line, as `prove` prints them (a file, or -)")
        ->required();
    c->add_flag("--json", a.json, "JSON output");
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
}

}  // namespace creditlog::api
