// Commands over the keys: generate, revoke and review agency keys (keys), register and list the
// agencies that record (agencies); and adopt-ruleset. Administrative events are signed by the
// root key by default, and recorded into a ledger here (--data) or sent to a running server
// (--server, with the signing key given by --signer).
#include <iostream>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include "api/cli/remote.h"
#include "api/data_dir.h"
#include "base/file.h"
#include "crypto/key_file.h"
#include "events/json.h"
#include "events/limits.h"
#include "events/uscc.h"
#include "ledger/entry.h"

namespace creditlog::api {
namespace {

// A ruleset document as written, pretty-printed; compacted, it must fit events::kRulesBytesMax.
inline constexpr size_t kRulesFileBytesMax = 1024 * 1024;

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
  std::string server;     // agencies register, keys revoke, adopt-ruleset: send to this server
  std::string token;
  std::string input;      // adopt-ruleset: the ruleset document
  std::string version;    // adopt-ruleset: its version (default: the document's)
  std::string effective_date;
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

// Signs one administrative event with the signer (default: the root key) and records it, here
// or on the server; prints its seq. `instead`: what to run while a server holds the ledger.
Status RecordAdministrative(const nlohmann::json& event, const std::string& instead) {
  const KeyArgs& a = CommandArgs<KeyArgs>();
  RETURN_IF_ERROR(DataOrServerGiven(a.data, a.server));
  RecordOutcome outcome;
  if (!a.server.empty()) {
    if (a.signer.empty()) return Status::InvalidArgument("with --server, give --signer KEYFILE: the key that signs (the root key, or one permitted this event)");
    const ServerWrite write{a.server, ServerToken(a.token), a.signer, "", false, true};
    ASSIGN_OR_RETURN(std::vector<RecordOutcome> outcomes, SubmitRecords(write, {SourceRecord{1, event.dump(), false}}, /*single=*/true));
    outcome = outcomes.at(0);
    RETURN_IF_ERROR(outcome.status);
  } else {
    ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for " + a.data + ": "));
    ASSIGN_OR_RETURN(NamedKeyPair signer, LoadKey(a.signer.empty() ? RootKeyPath(a.data) : a.signer, passphrase));
    ASSIGN_OR_RETURN(Bytes bytes, events::EventFromJson(event.dump()));
    auto opened = OpenForWriting(a.data, passphrase);
    if (!opened.ok()) return WhileServed(opened.status(), a.data, instead);
    std::unique_ptr<ledger::Ledger> ledger = std::move(*opened);
    ASSIGN_OR_RETURN(auto result, ledger->Append(events::SignEnvelope(bytes, signer.key_pair.secret_key, ledger->origin())));
    ASSIGN_OR_RETURN(std::string note, ledger->PublishCheckpoint());
    outcome.seq = result.seq;
    outcome.duplicate = result.duplicate;
  }
  std::cout << "recorded at seq " << outcome.seq << (outcome.duplicate ? " (already recorded)" : "") << "\n";
  return Status::Ok();
}

// The same command line with --server URL --signer for --data DIR: what to run while a server
// holds the ledger.
std::string InsteadWhileServed(const std::string& verb, const std::string& command) {
  const KeyArgs& a = CommandArgs<KeyArgs>();
  return "to " + verb + " while it runs, use: creditlog " + command + " --server URL --signer " +
         (a.signer.empty() ? RootKeyPath(a.data) : a.signer) + " …";
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
  return RecordAdministrative(event, InsteadWhileServed("register a key", "agencies register"));
}

Status KeysRevoke() {
  const KeyArgs& a = CommandArgs<KeyArgs>();
  ASSIGN_OR_RETURN(nlohmann::json key_bytes, KeyBytesJson(a.public_key));
  nlohmann::json event = {{"event_id", "revoke/" + KeyIdPart(key_bytes)},
                          {"subject", ""},
                          {"body_type", "KeyRevoked"},
                          {"body", {{"public_key", key_bytes}, {"reason", a.reason}, {"compromised", a.compromised}}}};
  return RecordAdministrative(event, InsteadWhileServed("revoke a key", "keys revoke"));
}

// A ruleset document adopted from a date (docs/format.md, "Rulesets"): recorded as a
// RulesetAdopted signed by the root key, whose event id is its version, so that adopting the
// same version again is a duplicate.
Status AdoptRuleset() {
  const KeyArgs& a = CommandArgs<KeyArgs>();
  ASSIGN_OR_RETURN(std::string text, ReadSmallFile(a.input, kRulesFileBytesMax));
  const auto document = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) return Status::InvalidArgument(a.input + ": not a JSON object (a ruleset document)");
  // Compact: the document is signed as one string, and blanks would count against its limit.
  const std::string rules = document.dump();
  if (rules.size() > events::kRulesBytesMax) {
    return Status::TooLarge(a.input + ": the ruleset is " + std::to_string(rules.size()) + " bytes compacted; the limit is " +
                            std::to_string(events::kRulesBytesMax));
  }
  std::string version = a.version;
  if (version.empty() && document.contains("version") && document["version"].is_string()) version = document["version"].get<std::string>();
  if (version.empty()) return Status::InvalidArgument(a.input + ": the document has no \"version\"; give --version");
  const nlohmann::json event = {{"event_id", "ruleset/" + version},
                                {"subject", ""},
                                {"body_type", "RulesetAdopted"},
                                {"body", {{"version", version}, {"rules_json", rules}, {"effective_date", a.effective_date}}}};
  return RecordAdministrative(event, InsteadWhileServed("adopt a ruleset", "adopt-ruleset " + a.input + " --effective-date " + a.effective_date));
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
  auto* keys = app.add_subcommand("keys", "Agency keys: generate, revoke, used");
  keys->require_subcommand(1);
  auto* generate = keys->add_subcommand("generate", "Generate an encrypted Ed25519 key file; prints the public key");
  generate->add_option("--out", a.out, "key file to write")->required();
  generate->add_option("--name", a.name, "key name")->required();
  SetAction(generate, KeysGenerate);
  // Where an administrative event is recorded; with --server the signing key is --signer.
  auto data_or_server = [&](CLI::App* command) { AddDataOrServer(command, &a.data, &a.server, &a.token, "(needs --signer)"); };
  auto* revoke = keys->add_subcommand("revoke", "Revoke a key from now on (signed by the root key or the key itself)");
  data_or_server(revoke);
  revoke->add_option("--public-key", a.public_key, "base64 public key to revoke")->required();
  revoke->add_option("--reason", a.reason, "why")->required();
  revoke->add_option("--signer", a.signer, "key file that signs (default with --data: DIR/keys/root.key)");
  revoke->add_flag("--compromised", a.compromised, "the key was stolen or lost, not merely retired");
  SetAction(revoke, KeysRevoke);
  auto* used = DataCommand(*keys, "used", "List every entry a key signed (to review a lost or stolen key's records)", &a.data);
  used->add_option("--public-key", a.public_key, "base64 public key")->required();
  used->add_flag("--json", a.json, "JSON output");
  SetAction(used, KeysUsed);

  auto* agencies = app.add_subcommand("agencies", "Recording agencies and their keys");
  agencies->require_subcommand(1);
  auto* reg = agencies->add_subcommand("register", "Register an agency key (signed by the root key)");
  data_or_server(reg);
  reg->add_option("--agency-uscc", a.agency_uscc, "the agency's USCC")->required();
  reg->add_option("--agency-name", a.agency_name, "the agency's name")->required();
  reg->add_option("--key-name", a.name, "a name for this key")->required();
  reg->add_option("--public-key", a.public_key, "base64 public key");
  reg->add_option("--key", a.key_path, "or: the key file (only its public half is read)");
  reg->add_option("--types", a.types, "permitted event types, comma-separated")->required();
  reg->add_option("--jurisdiction", a.jurisdiction, "division-code prefix, e.g. 3702; empty = everywhere");
  reg->add_option("--replaces", a.replaces, "rotation: base64 public key this one replaces (revoked by the same event)");
  reg->add_option("--signer", a.signer, "key file that signs (default with --data: DIR/keys/root.key)");
  SetAction(reg, AgenciesRegister);
  auto* list = DataCommand(*agencies, "list", "List registered keys", &a.data);
  list->add_flag("--json", a.json, "JSON output");
  SetAction(list, AgenciesList);

  auto* adopt = app.add_subcommand("adopt-ruleset", "Adopt a ruleset document from a date (RulesetAdopted, signed by the root key)");
  adopt->add_option("rules", a.input, "the ruleset document, RULES.json (docs/format.md, \"Rulesets\")")->required();
  adopt->add_option("--effective-date", a.effective_date, "in force from this day, YYYY-MM-DD")->required();
  adopt->add_option("--version", a.version, "the ruleset's version (default: the document's \"version\", which it must equal)");
  data_or_server(adopt);
  adopt->add_option("--signer", a.signer, "key file that signs (default with --data: DIR/keys/root.key)");
  SetAction(adopt, AdoptRuleset);
}

}  // namespace creditlog::api
