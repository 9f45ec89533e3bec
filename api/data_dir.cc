#include "api/data_dir.h"

#include "api/log.h"
#include "base/file.h"
#include "projections/admission.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

namespace creditlog::api {

std::string KeysDir(const std::string& data) { return data + "/keys"; }
std::string LedgerKeyPath(const std::string& data) { return KeysDir(data) + "/ledger.key"; }
std::string ProjectionSnapshotPath(const std::string& data) { return data + "/projection.snapshot"; }
std::string ListChangesWatermarkPath(const std::string& data) { return data + "/list-changes.json"; }

void NoteFoldStart(const projections::FoldStart& start) {
  if (!start.refused.empty()) Notice("the projection snapshot was not used: the log was folded from the start", {{"reason", start.refused}});
}

std::string RootKeyPath(const std::string& data) { return KeysDir(data) + "/root.key"; }
std::string AgencyKeyPath(const std::string& data, const std::string& name) {
  return KeysDir(data) + "/agencies/" + name + ".key";
}

Result<NamedKeyPair> LoadKey(const std::string& path, std::string_view passphrase) {
  ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, kKeyFileBytesMax));
  auto key = DecryptKeyFile(text, passphrase);
  if (!key.ok()) return key.status().WithContext(path);
  return key;
}

Status SaveKey(const std::string& path, const NamedKeyPair& key, std::string_view passphrase) {
  std::error_code ec;
  const auto folder = std::filesystem::path(path).parent_path();
  if (!folder.empty()) std::filesystem::create_directories(folder, ec);
  if (ec) return Status::IOError("cannot create the folder of " + path + ": " + ec.message());
  if (std::filesystem::exists(path)) return Status::Conflict(path + " exists; refusing to overwrite a key");
  ASSIGN_OR_RETURN(std::string text, EncryptKeyFile(key, passphrase));
  return WriteFileDurably(path, text, 0600);
}

std::optional<LedgerHolder> FindLedgerHolder(const std::string& data) {
  // RocksDB locks DIR/db/LOCK with a POSIX record lock (fcntl F_SETLK): F_GETLK names its
  // holder. A process never sees its own locks this way, which is right: this is about others.
  const std::string path = data + "/db/LOCK";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  const int rc = ::fcntl(fd, F_GETLK, &lock);
  ::close(fd);
  if (rc != 0 || lock.l_type == F_UNLCK) return std::nullopt;
  LedgerHolder holder{static_cast<long>(lock.l_pid), "", ""};
  // Its command line, where /proc lets us read it: argv[0] argv[1] … split at NUL.
  std::ifstream in("/proc/" + std::to_string(holder.pid) + "/cmdline", std::ios::binary);
  std::vector<std::string> args;
  for (std::string arg; std::getline(in, arg, '\0');) args.push_back(arg);
  if (args.size() >= 2 && std::filesystem::path(args[0]).filename() == "creditlog") {
    holder.program = "creditlog " + args[1];
    for (size_t i = 2; i < args.size(); ++i) {
      if (args[i] == "--listen" && i + 1 < args.size()) holder.url = "http://" + args[i + 1];
      if (args[i].starts_with("--listen=")) holder.url = "http://" + args[i].substr(9);
    }
  }
  return holder;
}

Status WhileServed(const Status& status, const std::string& data, const std::string& instead) {
  if (status.code() != StatusCode::kUnavailable) return status;
  const std::optional<LedgerHolder> holder = FindLedgerHolder(data);
  if (!holder) return status;
  std::string hint = instead;
  const size_t url = hint.find("URL");
  if (url != std::string::npos && !holder->url.empty()) hint.replace(url, 3, holder->url);
  return Status::Unavailable(status.message() + "; " + hint);
}

Result<std::unique_ptr<ledger::Ledger>> OpenForWriting(const std::string& data, std::string_view passphrase, bool guarded) {
  auto opened = ledger::Ledger::Open(data);
  if (!opened.ok()) {
    // RocksDB says "While lock file: DIR/db/LOCK: Resource temporarily unavailable": say who.
    const std::optional<LedgerHolder> holder = FindLedgerHolder(data);
    if (!holder) return opened.status();
    const std::string who = holder->program.empty() ? "pid " + std::to_string(holder->pid)
                                                    : holder->program + " (pid " + std::to_string(holder->pid) +
                                                          (holder->url.empty() ? "" : ", listening on " + holder->url) + ")";
    return Status::Unavailable("the ledger in " + data + " is open in another process: " + who);
  }
  std::unique_ptr<ledger::Ledger> ledger = std::move(*opened);
  ASSIGN_OR_RETURN(NamedKeyPair key, LoadKey(LedgerKeyPath(data), passphrase));
  RETURN_IF_ERROR(ledger->SetCheckpointKey(key.key_pair.secret_key));
  ASSIGN_OR_RETURN(auto personal_keys, ledger::PersonalKeys::Open(data, key.key_pair.secret_key));
  ledger->SetPersonalKeys(std::move(personal_keys));
  if (guarded) {  // every new event passes the rules of the log
    projections::FoldStart start;
    RETURN_IF_ERROR(projections::Admission::Install(*ledger, {}, ProjectionSnapshotPath(data), &start));
    NoteFoldStart(start);
  }
  return ledger;
}

Result<std::unique_ptr<ledger::Ledger>> OpenForReading(const std::string& data) {
  return ledger::Ledger::Open(data, ledger::OpenOptions{.read_only = true});
}

std::shared_ptr<ledger::PersonalKeys> PersonalKeysForReading(const std::string& data) {
  if (std::getenv(std::string(kPassphraseEnv).c_str()) == nullptr) return nullptr;
  auto passphrase = ReadPassphrase("");
  if (!passphrase.ok()) return nullptr;
  auto key = LoadKey(LedgerKeyPath(data), *passphrase);
  if (!key.ok()) return nullptr;
  auto keys = ledger::PersonalKeys::Open(data, key->key_pair.secret_key, /*read_only=*/true);
  return keys.ok() ? *keys : nullptr;
}

}  // namespace creditlog::api
