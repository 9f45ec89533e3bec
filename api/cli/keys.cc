// Commands over the keys: generate, revoke and review agency keys (keys), register and list the
// agencies that record (agencies). Administrative events are signed by the root key by default.
#include <iostream>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include "api/data_dir.h"
#include "base/file.h"
#include "crypto/key_file.h"
#include "events/json.h"
#include "events/uscc.h"
#include "ledger/entry.h"

namespace creditlog::api {
namespace {

struct KeyArgs {
  std::string data;
  std::string key_path;
  std::string name;
  std::string out;
  std::string agency_uscc;
  std::string agency_name;
  std::string public_key;
  std::string types;
  std::string jurisdiction;
  std::string reason;
  std::string signer;
  std::string replaces;   // agencies register: the key this one rotates out
  bool compromised = false;
  bool json = false;
};

Status KeysGenerate() {
  const KeyArgs& a = CommandArgs<KeyArgs>();
  ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for the new key: "));
  NamedKeyPair key{a.name, GenerateKeyPair()};
  RETURN_IF_ERROR(SaveKey(a.out, key, passphrase));
  std::cout << Base64Encode(key.key_pair.public_key) << "\n";
  return Status::Ok();
}

// Signs one administrative event with the signer (default: the root key) and records it.
Status RecordAdministrative(const nlohmann::json& event) {
  const KeyArgs& a = CommandArgs<KeyArgs>();
  ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for " + a.data + ": "));
  ASSIGN_OR_RETURN(NamedKeyPair signer, LoadKey(a.signer.empty() ? RootKeyPath(a.data) : a.signer, passphrase));
  ASSIGN_OR_RETURN(auto ledger, OpenForWriting(a.data, passphrase));
  ASSIGN_OR_RETURN(Bytes bytes, events::EventFromJson(event.dump()));
  ASSIGN_OR_RETURN(auto result, ledger->Append(events::SignEnvelope(bytes, signer.key_pair.secret_key, ledger->origin())));
  ASSIGN_OR_RETURN(std::string note, ledger->PublishCheckpoint());
  std::cout << "recorded at seq " << result.seq << (result.duplicate ? " (already recorded)" : "") << "\n";
  return Status::Ok();
}

// Event ids may not hold base64's '+': keys appear in them as hex of their first 8 bytes.
std::string KeyIdPart(const nlohmann::json& key_bytes) {
  const Bytes bytes = key_bytes.get<Bytes>();
  return HexEncode(ByteView(bytes.data(), std::min<size_t>(bytes.size(), 8)));
}

Result<nlohmann::json> KeyBytesJson(const std::string& base64) {
  ASSIGN_OR_RETURN(Bytes bytes, Base64Decode(base64));
  RETURN_IF_ERROR(PublicKeyFromBytes(bytes).status().WithContext("--public-key"));
  return nlohmann::json(bytes);
}

Status AgenciesRegister() {
  const KeyArgs& a = CommandArgs<KeyArgs>();
  std::string public_key = a.public_key;
  if (public_key.empty() && !a.key_path.empty()) {
    ASSIGN_OR_RETURN(std::string text, ReadSmallFile(a.key_path, kKeyFileBytesMax));
    ASSIGN_OR_RETURN(PublicKey key, ReadPublicKeyFromKeyFile(text));
    public_key = Base64Encode(key);
  }
  if (public_key.empty()) return Status::InvalidArgument("give --public-key BASE64 or --key FILE");
  ASSIGN_OR_RETURN(nlohmann::json key_bytes, KeyBytesJson(public_key));
  nlohmann::json types = nlohmann::json::array();
  for (size_t start = 0; start <= a.types.size();) {
    size_t end = a.types.find(',', start);
    if (end == std::string::npos) end = a.types.size();
    if (end > start) types.push_back(a.types.substr(start, end - start));
    start = end + 1;
  }
  nlohmann::json event = {
      {"event_id", "agency-key/" + KeyIdPart(key_bytes)},
      {"subject", ""},
      {"body_type", "AgencyKeyRegistered"},
      {"body", {{"agency_uscc", a.agency_uscc}, {"agency_name", a.agency_name}, {"key_name", a.name},
                {"public_key", key_bytes}, {"permitted_types", types}, {"jurisdiction", a.jurisdiction}}}};
  if (!a.replaces.empty()) {
    ASSIGN_OR_RETURN(nlohmann::json old_key, KeyBytesJson(a.replaces));
    event["body"]["replaces_public_key"] = old_key;  // rotation: the old key is revoked by this event
  }
  return RecordAdministrative(event);
}

Status KeysRevoke() {
  const KeyArgs& a = CommandArgs<KeyArgs>();
  ASSIGN_OR_RETURN(nlohmann::json key_bytes, KeyBytesJson(a.public_key));
  nlohmann::json event = {{"event_id", "revoke/" + KeyIdPart(key_bytes)},
                          {"subject", ""},
                          {"body_type", "KeyRevoked"},
                          {"body", {{"public_key", key_bytes}, {"reason", a.reason}, {"compromised", a.compromised}}}};
  return RecordAdministrative(event);
}

// Every entry a key signed, for reviewing what a lost or stolen key recorded.
Status KeysUsed() {
  const KeyArgs& a = CommandArgs<KeyArgs>();
  ASSIGN_OR_RETURN(Bytes wanted_bytes, Base64Decode(a.public_key));
  ASSIGN_OR_RETURN(PublicKey wanted, PublicKeyFromBytes(wanted_bytes));
  ASSIGN_OR_RETURN(auto ledger, OpenForReading(a.data));
  nlohmann::json rows = nlohmann::json::array();
  RETURN_IF_ERROR(ledger->ForEachEntry(0, ledger->size(), [&](uint64_t seq, ByteView bytes) -> Status {
    ASSIGN_OR_RETURN(ledger::EntryView view, ledger::ParseEntry(bytes));
    if (view.envelope.public_key != wanted) return Status::Ok();
    const fb::Event& event = *view.envelope.event;
    rows.push_back({{"seq", seq}, {"recorded_at_ms", view.recorded_at_ms}, {"type", events::EventTypeName(event.body_type())},
                    {"event_id", event.event_id()->str()}, {"subject", event.subject() ? event.subject()->str() : ""}});
    return Status::Ok();
  }));
  if (a.json) {
    std::cout << rows.dump(2) << "\n";
    return Status::Ok();
  }
  for (const auto& row : rows) {
    std::cout << "seq " << row["seq"].get<uint64_t>() << "  " << row["type"].get<std::string>() << "  "
              << row["subject"].get<std::string>() << "  " << row["event_id"].get<std::string>() << "\n";
  }
  std::cout << rows.size() << " entries signed by this key\n";
  return Status::Ok();
}

Status AgenciesList() {
  const KeyArgs& a = CommandArgs<KeyArgs>();
  ASSIGN_OR_RETURN(auto ledger, OpenForReading(a.data));
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& key : ledger->registry().Keys()) {
    nlohmann::json types = nlohmann::json::array();
    for (int t = 1; t <= static_cast<int>(fb::EventBody::MAX); ++t) {
      if (key.Permits(static_cast<fb::EventBody>(t))) types.push_back(events::EventTypeName(static_cast<fb::EventBody>(t)));
    }
    rows.push_back({{"public_key", Base64Encode(key.public_key)}, {"agency_uscc", key.agency_uscc},
                    {"agency_name", key.agency_name}, {"key_name", key.key_name},
                    {"jurisdiction", key.jurisdiction}, {"registered_seq", key.registered_seq},
                    {"revoked_seq", key.revoked_seq ? nlohmann::json(*key.revoked_seq) : nlohmann::json()},
                    {"permitted_types", key.is_root ? nlohmann::json("all") : types}});
  }
  if (a.json) {
    std::cout << rows.dump(2) << "\n";
    return Status::Ok();
  }
  for (const auto& row : rows) {
    std::cout << row["agency_name"].get<std::string>() << " (" << row["agency_uscc"].get<std::string>() << ") key "
              << row["key_name"].get<std::string>() << " " << row["public_key"].get<std::string>().substr(0, 12)
              << "… jurisdiction '" << row["jurisdiction"].get<std::string>() << "' since seq " << row["registered_seq"]
              << (row["revoked_seq"].is_null() ? "" : ", REVOKED at seq " + row["revoked_seq"].dump()) << "\n";
  }
  return Status::Ok();
}

}  // namespace

void AddKeyCommands(CLI::App& app) {
  KeyArgs& a = CommandArgs<KeyArgs>();
  auto* keys = app.add_subcommand("keys", "Agency keys: generate, revoke");
  keys->require_subcommand(1);
  auto* generate = keys->add_subcommand("generate", "Generate an encrypted Ed25519 key file; prints the public key");
  generate->add_option("--out", a.out, "key file to write")->required();
  generate->add_option("--name", a.name, "key name")->required();
  SetAction(generate, KeysGenerate);
  auto* revoke = DataCommand(*keys, "revoke", "Revoke a key from now on (signed by the root key or the key itself)", &a.data);
  revoke->add_option("--public-key", a.public_key, "base64 public key to revoke")->required();
  revoke->add_option("--reason", a.reason, "why")->required();
  revoke->add_option("--signer", a.signer, "key file that signs (default: DIR/keys/root.key)");
  revoke->add_flag("--compromised", a.compromised, "the key was stolen or lost, not merely retired");
  SetAction(revoke, KeysRevoke);
  auto* used = DataCommand(*keys, "used", "List every entry a key signed (to review a lost or stolen key's records)", &a.data);
  used->add_option("--public-key", a.public_key, "base64 public key")->required();
  used->add_flag("--json", a.json, "JSON output");
  SetAction(used, KeysUsed);

  auto* agencies = app.add_subcommand("agencies", "Recording agencies and their keys");
  agencies->require_subcommand(1);
  auto* reg = DataCommand(*agencies, "register", "Register an agency key (signed by the root key)", &a.data);
  reg->add_option("--agency-uscc", a.agency_uscc, "the agency's USCC")->required();
  reg->add_option("--agency-name", a.agency_name, "the agency's name")->required();
  reg->add_option("--key-name", a.name, "a name for this key")->required();
  reg->add_option("--public-key", a.public_key, "base64 public key");
  reg->add_option("--key", a.key_path, "or: the key file (only its public half is read)");
  reg->add_option("--types", a.types, "permitted event types, comma-separated")->required();
  reg->add_option("--jurisdiction", a.jurisdiction, "division-code prefix, e.g. 3702; empty = everywhere");
  reg->add_option("--replaces", a.replaces, "rotation: base64 public key this one replaces (revoked by the same event)");
  reg->add_option("--signer", a.signer, "key file that signs (default: DIR/keys/root.key)");
  SetAction(reg, AgenciesRegister);
  auto* list = DataCommand(*agencies, "list", "List registered keys", &a.data);
  list->add_flag("--json", a.json, "JSON output");
  SetAction(list, AgenciesList);
}

}  // namespace creditlog::api
