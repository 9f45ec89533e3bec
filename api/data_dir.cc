#include "api/data_dir.h"
#include "base/file.h"
#include "projections/admission.h"

#include <filesystem>

namespace creditlog::api {

std::string KeysDir(const std::string& data) { return data + "/keys"; }
std::string LedgerKeyPath(const std::string& data) { return KeysDir(data) + "/ledger.key"; }
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

Result<std::unique_ptr<ledger::Ledger>> OpenForWriting(const std::string& data, std::string_view passphrase, bool guarded) {
  ASSIGN_OR_RETURN(auto ledger, ledger::Ledger::Open(data));
  ASSIGN_OR_RETURN(NamedKeyPair key, LoadKey(LedgerKeyPath(data), passphrase));
  RETURN_IF_ERROR(ledger->SetCheckpointKey(key.key_pair.secret_key));
  if (guarded) RETURN_IF_ERROR(projections::Admission::Install(*ledger));  // every new event passes the rules of the log
  return ledger;
}

Result<std::unique_ptr<ledger::Ledger>> OpenForReading(const std::string& data) {
  return ledger::Ledger::Open(data, ledger::OpenOptions{.read_only = true});
}

}  // namespace creditlog::api
