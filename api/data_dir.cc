#include "api/data_dir.h"
#include "base/file.h"
#include "projections/admission.h"

#include <cstdlib>
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
  ASSIGN_OR_RETURN(auto personal_keys, ledger::PersonalKeys::Open(data, key.key_pair.secret_key));
  ledger->SetPersonalKeys(std::move(personal_keys));
  if (guarded) RETURN_IF_ERROR(projections::Admission::Install(*ledger));  // every new event passes the rules of the log
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
