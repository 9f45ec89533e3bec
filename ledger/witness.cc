#include "ledger/witness.h"

#include <sys/stat.h>

#include <charconv>
#include <filesystem>

#include "base/file.h"
#include "crypto/key_file.h"
#include "crypto/merkle.h"
#include "crypto/sha256.h"

namespace creditlog::ledger {
namespace {

constexpr int kPrivateFileMode = 0600;
constexpr size_t kDecimalDigitsMax = 20;

Result<uint64_t> CanonicalDecimal(std::string_view text, std::string_view what) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || text.size() > kDecimalDigitsMax || (text.size() > 1 && text[0] == '0') || ec != std::errc() ||
      end != text.data() + text.size()) {
    return Status::InvalidArgument(std::string(what) + ": '" + std::string(text.substr(0, 24)) + "' is not a decimal number");
  }
  return value;
}

std::string LogFile(const std::string& dir, std::string_view origin) {
  return dir + "/" + kWitnessLogsDir + "/" + OriginHash(origin);
}

}  // namespace

std::string OriginHash(std::string_view origin) { return HexEncode(Sha256(AsBytes(origin))); }

Result<AddCheckpointRequest> ParseAddCheckpoint(std::string_view body) {
  if (body.size() > kAddCheckpointBytesMax) {
    return Status::TooLarge("add-checkpoint: the body is larger than " + std::to_string(kAddCheckpointBytesMax) + " bytes");
  }
  AddCheckpointRequest request;
  const auto line = [&](std::string_view what) -> Result<std::string_view> {
    const size_t newline = body.find('\n');
    if (newline == std::string_view::npos) return Status::InvalidArgument("add-checkpoint: " + std::string(what) + " does not end in a newline");
    std::string_view out = body.substr(0, newline);
    body.remove_prefix(newline + 1);
    return out;
  };
  ASSIGN_OR_RETURN(std::string_view old_line, line("the old size line"));
  if (old_line.substr(0, 4) != "old ") return Status::InvalidArgument("add-checkpoint: the first line must be 'old <size>'");
  ASSIGN_OR_RETURN(request.old_size, CanonicalDecimal(old_line.substr(4), "add-checkpoint: old size"));
  for (;;) {
    ASSIGN_OR_RETURN(std::string_view hash_line, line("a consistency proof line"));
    if (hash_line.empty()) break;
    if (request.proof.size() == kConsistencyProofLinesMax) {
      return Status::InvalidArgument("add-checkpoint: more than " + std::to_string(kConsistencyProofLinesMax) + " proof lines");
    }
    auto hash = Base64Decode(hash_line);
    if (!hash.ok() || hash->size() != kHashSize) {
      return Status::InvalidArgument("add-checkpoint: proof line " + std::to_string(request.proof.size() + 1) +
                                     " is not a base64 SHA-256 hash");
    }
    Hash h{};
    std::copy(hash->begin(), hash->end(), h.begin());
    request.proof.push_back(h);
  }
  request.note = std::string(body);
  return request;
}

std::string FormatAddCheckpoint(const AddCheckpointRequest& request) {
  std::string out = "old " + std::to_string(request.old_size) + "\n";
  for (const Hash& h : request.proof) out += Base64Encode(h) + "\n";
  out += "\n";
  out += request.note;
  return out;
}

Result<std::string> Witness::Init(const std::string& dir, const std::string& name, const std::string& passphrase) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_empty(dir, ec)) {
    return Status::InvalidArgument(dir + " is not empty: a witness keeps its key and state in a directory of its own");
  }
  if (!IsValidCosignerName(name)) {
    return Status::InvalidArgument("--name '" + name + "' is not a key name (no spaces or '+'; e.g. witness.audit.qingdao.example)");
  }
  std::filesystem::create_directories(dir + "/" + kWitnessLogsDir, ec);
  if (ec) return Status::IOError("creating " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  NamedKeyPair key{name, GenerateKeyPair()};
  ASSIGN_OR_RETURN(std::string file, EncryptKeyFile(key, passphrase));
  RETURN_IF_ERROR(WriteFileDurably(dir + "/" + kWitnessKeyFile, file, kPrivateFileMode));
  RETURN_IF_ERROR(SyncDirectory(dir));
  return FormatCosignerKey(name, key.key_pair.public_key);
}

Result<std::unique_ptr<Witness>> Witness::Open(const std::string& dir, const std::string& passphrase,
                                               const std::vector<NoteVerifier>& logs) {
  if (logs.size() > kWitnessLogsMax) return Status::InvalidArgument("more than " + std::to_string(kWitnessLogsMax) + " logs");
  auto file = ReadSmallFile(dir + "/" + kWitnessKeyFile, kKeyFileBytesMax);
  if (!file.ok()) {
    return file.status().WithContext(dir + " holds no witness (create one with `creditlog witness init`)");
  }
  ASSIGN_OR_RETURN(NamedKeyPair key, DecryptKeyFile(*file, passphrase));
  std::unique_ptr<Witness> witness(new Witness());
  witness->dir_ = dir;
  witness->name_ = key.name;
  witness->key_ = key.key_pair;
  for (const NoteVerifier& log : logs) {
    if (witness->logs_.count(log.name) > 0) {
      return Status::InvalidArgument("two keys for the log '" + log.name + "': a witness knows one key per origin");
    }
    LogState state;
    state.key = log;
    state.root = MerkleEmptyRoot();
    const std::string path = LogFile(dir, log.name);
    auto note = ReadSmallFile(path, kNoteBytesMax);
    if (note.ok()) {
      // What this witness cosigned before: never forgotten, never taken back.
      auto text = OpenNote(*note, log);
      if (!text.ok()) return Status::Corruption(path + ": the stored checkpoint does not open with the log's key: " + text.status().message());
      auto checkpoint = ParseCheckpoint(*text);
      if (!checkpoint.ok() || checkpoint->origin != log.name) return Status::Corruption(path + ": not a checkpoint of " + log.name);
      state.size = checkpoint->size;
      state.root = checkpoint->root;
      state.note = *note;
    } else if (note.status().code() != StatusCode::kNotFound) {
      return note.status();
    }
    witness->logs_.emplace(log.name, std::move(state));
  }
  return witness;
}

std::string Witness::VerifierKey() const { return FormatCosignerKey(name_, key_.public_key); }

Result<std::string> Witness::AddCheckpoint(std::string_view body, uint64_t now_seconds, uint64_t* latest_size) {
  ASSIGN_OR_RETURN(AddCheckpointRequest request, ParseAddCheckpoint(body));
  ASSIGN_OR_RETURN(NoteParts parts, SplitNote(request.note));
  ASSIGN_OR_RETURN(Checkpoint checkpoint, ParseCheckpoint(parts.text));
  std::lock_guard lock(mutex_);
  auto it = logs_.find(checkpoint.origin);
  if (it == logs_.end()) return Status::NotFound("this witness does not know the log '" + checkpoint.origin + "'");
  LogState& log = it->second;
  if (auto opened = OpenNote(request.note, log.key); !opened.ok()) {
    return Status::PermissionDenied("the checkpoint is not signed by the log's key: " + opened.status().message());
  }
  if (request.old_size > checkpoint.size) {
    return Status::InvalidArgument("old size " + std::to_string(request.old_size) + " is above the checkpoint's size " +
                                   std::to_string(checkpoint.size));
  }
  if (checkpoint.size == 0 && checkpoint.root != MerkleEmptyRoot()) {
    return Status::Corruption("a checkpoint of size 0 must have the empty tree's root");
  }
  if (request.old_size != log.size) {
    *latest_size = log.size;
    return Status::Conflict("old size " + std::to_string(request.old_size) + " is not the size this witness last cosigned, " +
                            std::to_string(log.size));
  }
  if (request.old_size == 0) {
    if (!request.proof.empty()) return Status::Corruption("a consistency proof from size 0 must be empty");
  } else if (Status consistent = VerifyConsistency(log.size, checkpoint.size, log.root, checkpoint.root, request.proof);
             !consistent.ok()) {
    return Status::Corruption("the checkpoint of size " + std::to_string(checkpoint.size) +
                              " is not consistent with the one of size " + std::to_string(log.size) +
                              " this witness cosigned: " + consistent.message());
  }
  ASSIGN_OR_RETURN(std::string cosignature, Cosign(parts.text, name_, key_.secret_key, now_seconds));
  // The log's own signature lines with ours, kept so that monitors can read what was cosigned.
  std::string kept(parts.text);
  kept += "\n";
  for (std::string_view line : parts.signature_lines) {
    auto signature = ParseNoteSignature(line);
    if (signature.ok() && signature->name == log.key.name && signature->key_hash == log.key.key_hash) {
      kept += std::string(line) + "\n";
    }
  }
  kept += cosignature;
  RETURN_IF_ERROR(WriteFileDurably(LogFile(dir_, checkpoint.origin), kept, kPrivateFileMode));
  log.size = checkpoint.size;
  log.root = checkpoint.root;
  log.note = std::move(kept);
  return cosignature;
}

Result<std::string> Witness::Latest(std::string_view origin_hash) const {
  std::lock_guard lock(mutex_);
  for (const auto& [origin, log] : logs_) {
    if (OriginHash(origin) == origin_hash && !log.note.empty()) return log.note;
  }
  return Status::NotFound("this witness has cosigned no checkpoint of a log whose origin hashes to " + std::string(origin_hash));
}

std::map<std::string, Witness::LogState> Witness::Logs() const {
  std::lock_guard lock(mutex_);
  return {logs_.begin(), logs_.end()};
}

}  // namespace creditlog::ledger
