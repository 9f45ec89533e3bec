// Commands that create and record: init, demo, record, keys, agencies.
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "api/cli.h"
#include "api/data_dir.h"
#include "api/demo.h"
#include "api/import.h"
#include "api/progress.h"
#include "events/json.h"
#include "events/uscc.h"
#include "ledger/entry.h"
#include "ledger/format.h"
#include "projections/ruleset.h"

namespace creditlog::api {
namespace {

inline constexpr size_t kRecordChunk = 1000;  // events per AppendBatch when recording a file
inline constexpr size_t kRecordListMax = 100;  // longer inputs print only their summary

struct LedgerArgs {
  std::string data;
  std::string origin;
  std::string office_uscc;
  std::string office_name = "青岛市社会信用体系建设领导小组办公室";
  DemoOptions demo;
  std::string key_path;
  std::string input;
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
  bool quiet = false;
};

LedgerArgs& Args() {
  static LedgerArgs args;
  return args;
}

std::string Today() { return events::DateFromDays(ledger::NowMs() / 86'400'000); }

Status Init() {
  LedgerArgs& a = Args();
  if (std::filesystem::exists(a.data + "/db")) return Status::Conflict(a.data + " already holds a ledger");
  if (a.office_uscc.empty()) a.office_uscc = events::MakeUscc("11", "370200", "MB1A2B3C");
  ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("new passphrase for the keys of " + a.data + ": "));
  if (passphrase.empty()) return Status::InvalidArgument("the passphrase must not be empty");
  NamedKeyPair root{"root", GenerateKeyPair()};
  NamedKeyPair ledger_key{a.origin, GenerateKeyPair()};
  ledger::GenesisParams params{a.origin, a.origin, a.office_uscc, a.office_name, Today()};
  ASSIGN_OR_RETURN(auto ledger, ledger::Ledger::Create(a.data, params, root.key_pair, ledger_key.key_pair.public_key));
  // The folder may have existed before with wider permissions: the ledger is its owner's alone.
  std::error_code ec;
  std::filesystem::permissions(a.data, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, ec);
  if (ec) return Status::IOError("cannot make " + a.data + " private (0700): " + ec.message());
  RETURN_IF_ERROR(SaveKey(RootKeyPath(a.data), root, passphrase));
  RETURN_IF_ERROR(SaveKey(LedgerKeyPath(a.data), ledger_key, passphrase));
  RETURN_IF_ERROR(ledger->SetCheckpointKey(ledger_key.key_pair.secret_key));
  // The default ruleset (MISSION.md), adopted by the credit office as the first act.
  ASSIGN_OR_RETURN(Bytes adopt_bytes, events::EventFromJson(projections::DefaultRulesetAdoptionJson()));
  ASSIGN_OR_RETURN(auto adopted, ledger->Append(events::SignEnvelope(adopt_bytes, root.key_pair.secret_key, a.origin)));
  (void)adopted;
  ASSIGN_OR_RETURN(std::string note, ledger->PublishCheckpoint());
  std::cerr << "created ledger " << a.origin << " in " << a.data << "\n"
            << "root key:   " << RootKeyPath(a.data) << "  (move it offline; it registers agencies)\n"
            << "ledger key: " << LedgerKeyPath(a.data) << "  (signs checkpoints)\n"
            << "verifier key (give this to auditors):\n";
  std::cout << ledger->VerifierKey() << "\n";
  return Status::Ok();
}

Status Demo() {
  LedgerArgs& a = Args();
  a.demo.data = a.data;
  if (a.demo.subjects == 0 || a.demo.subjects > kDemoSubjectsMax) {
    return Status::InvalidArgument("--subjects must be 1.." + std::to_string(kDemoSubjectsMax));
  }
  ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for " + a.data + ": "));
  ASSIGN_OR_RETURN(auto ledger, OpenForWriting(a.data, passphrase));
  ASSIGN_OR_RETURN(DemoReport report, RunDemo(*ledger, a.demo, passphrase));
  ASSIGN_OR_RETURN(std::string note, ledger->PublishCheckpoint());
  std::cout << "demo run " << report.run << ": " << report.agencies_registered << " agency keys registered, "
            << report.events << " events recorded; ledger size " << report.size << "\n";
  return Status::Ok();
}

// One input record: its line in the source and its event JSON, or why it was rejected.
struct SourceRecord {
  size_t line = 0;
  Result<std::string> json = Status::InvalidArgument("empty");
};

// Signs each record with the key, appends them in chunks (signatures checked on all cores,
// one group commit per chunk), reports every rejection with its line, and publishes a
// checkpoint. InvalidArgument if any record was rejected.
Status SignAndRecord(const std::string& source, std::vector<SourceRecord> records, const std::string& key_path) {
  const LedgerArgs& a = Args();
  ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for " + a.data + ": "));
  ASSIGN_OR_RETURN(NamedKeyPair signer, LoadKey(key_path, passphrase));
  ASSIGN_OR_RETURN(auto ledger, OpenForWriting(a.data, passphrase));
  ProgressLine progress("record", a.quiet || records.size() < kRecordChunk);
  uint64_t recorded = 0, duplicates = 0, rejected = 0;
  nlohmann::json report = nlohmann::json::array();
  auto reject = [&](size_t line, const Status& status) {
    ++rejected;
    std::cerr << source << ":" << line << ": rejected: " << status.message() << "\n";
    report.push_back({{"line", line}, {"ok", false}, {"error", status.message()}, {"code", StatusCodeName(status.code())}});
  };
  for (size_t begin = 0; begin < records.size(); begin += kRecordChunk) {
    const size_t end = std::min(records.size(), begin + kRecordChunk);
    std::vector<Bytes> envelopes;
    std::vector<size_t> lines;
    for (size_t i = begin; i < end; ++i) {
      if (!records[i].json.ok()) {
        reject(records[i].line, records[i].json.status());
        continue;
      }
      auto event = events::EventFromJson(*records[i].json);
      if (!event.ok()) {
        reject(records[i].line, event.status());
        continue;
      }
      envelopes.push_back(events::SignEnvelope(*event, signer.key_pair.secret_key, ledger->origin()));
      lines.push_back(records[i].line);
    }
    auto results = ledger->AppendBatch(std::move(envelopes));
    for (size_t j = 0; j < results.size(); ++j) {
      if (!results[j].ok()) {
        reject(lines[j], results[j].status());
        continue;
      }
      results[j]->duplicate ? ++duplicates : ++recorded;
      report.push_back({{"line", lines[j]}, {"ok", true}, {"seq", results[j]->seq}, {"duplicate", results[j]->duplicate}});
    }
    progress.Update(end, records.size());
  }
  progress.Finish();
  ASSIGN_OR_RETURN(std::string note, ledger->PublishCheckpoint());
  if (a.json) {
    std::cout << nlohmann::json{{"recorded", recorded}, {"duplicates", duplicates}, {"rejected", rejected},
                                {"results", report}}.dump() << "\n";
  } else {
    if (records.size() <= kRecordListMax) {
      for (const auto& row : report) {
        if (row["ok"]) std::cout << "line " << row["line"] << ": seq " << row["seq"] << (row["duplicate"] ? " (already recorded)" : "") << "\n";
      }
    }
    std::cout << recorded << " recorded, " << duplicates << " already recorded, " << rejected << " rejected\n";
  }
  return rejected == 0 ? Status::Ok() : Status::InvalidArgument(std::to_string(rejected) + " record(s) rejected");
}

Status Record() {
  const LedgerArgs& a = Args();
  ASSIGN_OR_RETURN(std::vector<std::string> documents, ReadEventDocuments(a.input));
  std::vector<SourceRecord> records;
  for (size_t i = 0; i < documents.size(); ++i) {
    if (documents[i].find_first_not_of(" \t\r") == std::string::npos) continue;  // blank line
    records.push_back({i + 1, documents[i]});
  }
  return SignAndRecord(a.input, std::move(records), a.key_path);
}

Status Import(ImportLayout layout) {
  const LedgerArgs& a = Args();
  ASSIGN_OR_RETURN(CsvTable table, ReadCsv(a.input));
  RETURN_IF_ERROR(CheckHeader(table, layout).WithContext(a.input));
  // Rows default to the importing agency's own USCC where they name no agency.
  ASSIGN_OR_RETURN(std::string key_text, ReadSmallFile(a.key_path, kKeyFileBytesMax));
  ASSIGN_OR_RETURN(PublicKey key, ReadPublicKeyFromKeyFile(key_text));
  std::string agency_uscc;
  {
    ASSIGN_OR_RETURN(auto reader, OpenForReading(a.data));
    const ledger::KeyRegistry registry = reader->registry();
    const ledger::KeyRecord* record = registry.Find(key);
    if (record == nullptr) return Status::PermissionDenied(a.key_path + ": this key is not registered in the ledger");
    agency_uscc = record->agency_uscc;
  }
  std::vector<SourceRecord> records;
  for (const CsvRow& row : table.rows) {
    auto event = RowToEvent(table, row, layout, agency_uscc);
    records.push_back({row.line, event.ok() ? Result<std::string>(event->dump()) : Result<std::string>(event.status())});
  }
  return SignAndRecord(a.input, std::move(records), a.key_path);
}

// Signs one event for a ledger without touching it: the envelope an agency submits.
// A .jsonl input gives one base64 envelope per line in the output, in the same order.
Status Sign() {
  const LedgerArgs& a = Args();
  ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for " + a.key_path + ": "));
  ASSIGN_OR_RETURN(NamedKeyPair signer, LoadKey(a.key_path, passphrase));
  if (!a.input.ends_with(".jsonl")) {
    ASSIGN_OR_RETURN(std::string text, ReadSmallFile(a.input, events::kEventJsonBytesMax));
    ASSIGN_OR_RETURN(Bytes event, events::EventFromJson(text));
    const Bytes envelope = events::SignEnvelope(event, signer.key_pair.secret_key, a.origin);
    return WriteFileDurably(a.out, AsString(envelope), 0644);
  }
  ASSIGN_OR_RETURN(std::vector<std::string> documents, ReadEventDocuments(a.input));
  std::string out;
  for (size_t i = 0; i < documents.size(); ++i) {
    if (documents[i].find_first_not_of(" \t\r") == std::string::npos) continue;
    auto event = events::EventFromJson(documents[i]);
    if (!event.ok()) return event.status().WithContext(a.input + ":" + std::to_string(i + 1));
    out += Base64Encode(events::SignEnvelope(*event, signer.key_pair.secret_key, a.origin)) + "\n";
  }
  return WriteFileDurably(a.out, out, 0644);
}

Status KeysGenerate() {
  const LedgerArgs& a = Args();
  ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for the new key: "));
  NamedKeyPair key{a.name, GenerateKeyPair()};
  RETURN_IF_ERROR(SaveKey(a.out, key, passphrase));
  std::cout << Base64Encode(key.key_pair.public_key) << "\n";
  return Status::Ok();
}

// Signs one administrative event with the signer (default: the root key) and records it.
Status RecordAdministrative(const nlohmann::json& event) {
  const LedgerArgs& a = Args();
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
  const LedgerArgs& a = Args();
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
  const LedgerArgs& a = Args();
  ASSIGN_OR_RETURN(nlohmann::json key_bytes, KeyBytesJson(a.public_key));
  nlohmann::json event = {{"event_id", "revoke/" + KeyIdPart(key_bytes)},
                          {"subject", ""},
                          {"body_type", "KeyRevoked"},
                          {"body", {{"public_key", key_bytes}, {"reason", a.reason}, {"compromised", a.compromised}}}};
  return RecordAdministrative(event);
}

// Every entry a key signed, for reviewing what a lost or stolen key recorded.
Status KeysUsed() {
  const LedgerArgs& a = Args();
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
  const LedgerArgs& a = Args();
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

// Reads events from a .json file (one event) or a .jsonl file (one event per line).
Result<std::vector<std::string>> ReadEventDocuments(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, kRecordFileBytesMax));
  std::vector<std::string> documents;
  if (path.ends_with(".jsonl")) {
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      documents.push_back(text.substr(start, end - start));
      start = end + 1;
    }
  } else {
    documents.push_back(text);
  }
  return documents;
}


void AddLedgerCommands(CLI::App& app) {
  LedgerArgs& a = Args();
  auto* init = app.add_subcommand("init", "Create a ledger: genesis, ledger key, credit-office root key");
  init->add_option("--data", a.data, "data directory (created)")->required();
  init->add_option("--origin", a.origin, "log origin, e.g. credit.qingdao.example/log")->required();
  init->add_option("--office-uscc", a.office_uscc, "USCC of the credit office holding the root key");
  init->add_option("--office-name", a.office_name, "name of the credit office")->capture_default_str();
  SetAction(init, Init);

  auto* demo = app.add_subcommand("demo", "Record a realistic synthetic history through the signed path");
  demo->add_option("--data", a.data, "data directory")->required();
  demo->add_option("--subjects", a.demo.subjects, "subjects to create")->capture_default_str();
  demo->add_option("--seed", a.demo.seed, "random seed")->capture_default_str();
  demo->add_flag("--quiet", a.demo.quiet, "no progress");
  SetAction(demo, Demo);

  auto* record = app.add_subcommand("record", "Sign events (JSON, or JSONL one per line) with a key and record them");
  record->add_option("--data", a.data, "data directory")->required();
  record->add_option("--key", a.key_path, "the signing agency's key file")->required();
  record->add_option("input", a.input, "EVENT.json or BATCH.jsonl")->required();
  record->add_flag("--json", a.json, "machine-readable report");
  record->add_flag("--quiet", a.quiet, "no progress");
  SetAction(record, Record);

  auto* sign = app.add_subcommand("sign", "Sign an event (JSON) for a ledger into a binary envelope; a .jsonl file into base64 lines");
  sign->add_option("--key", a.key_path, "the signing agency's key file")->required();
  sign->add_option("--origin", a.origin, "the ledger's origin (first line of its checkpoint)")->required();
  sign->add_option("--out", a.out, "envelope file to write")->required();
  sign->add_option("input", a.input, "EVENT.json")->required();
  SetAction(sign, Sign);

  auto* import = app.add_subcommand("import", "Import existing records from CSV, each row signed with the agency's key");
  import->require_subcommand(1);
  for (auto [name, layout, help] : {std::tuple{"penalties", ImportLayout::kPenalties, "administrative penalties, 双公示 layout"},
                                    std::tuple{"commitments", ImportLayout::kCommitments, "credit commitments"}}) {
    auto* sub = import->add_subcommand(name, help);
    sub->add_option("--data", a.data, "data directory")->required();
    sub->add_option("--key", a.key_path, "the importing agency's key file")->required();
    sub->add_option("input", a.input, "CSV file with a header row")->required();
    sub->add_flag("--json", a.json, "machine-readable report");
    sub->add_flag("--quiet", a.quiet, "no progress");
    SetAction(sub, [layout = layout] { return Import(layout); });
  }

  auto* keys = app.add_subcommand("keys", "Agency keys: generate, revoke");
  keys->require_subcommand(1);
  auto* generate = keys->add_subcommand("generate", "Generate an encrypted Ed25519 key file; prints the public key");
  generate->add_option("--out", a.out, "key file to write")->required();
  generate->add_option("--name", a.name, "key name")->required();
  SetAction(generate, KeysGenerate);
  auto* revoke = keys->add_subcommand("revoke", "Revoke a key from now on (signed by the root key or the key itself)");
  revoke->add_option("--data", a.data, "data directory")->required();
  revoke->add_option("--public-key", a.public_key, "base64 public key to revoke")->required();
  revoke->add_option("--reason", a.reason, "why")->required();
  revoke->add_option("--signer", a.signer, "key file that signs (default: DIR/keys/root.key)");
  revoke->add_flag("--compromised", a.compromised, "the key was stolen or lost, not merely retired");
  SetAction(revoke, KeysRevoke);
  auto* used = keys->add_subcommand("used", "List every entry a key signed (to review a lost or stolen key's records)");
  used->add_option("--data", a.data, "data directory")->required();
  used->add_option("--public-key", a.public_key, "base64 public key")->required();
  used->add_flag("--json", a.json, "JSON output");
  SetAction(used, KeysUsed);

  auto* agencies = app.add_subcommand("agencies", "Recording agencies and their keys");
  agencies->require_subcommand(1);
  auto* reg = agencies->add_subcommand("register", "Register an agency key (signed by the root key)");
  reg->add_option("--data", a.data, "data directory")->required();
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
  auto* list = agencies->add_subcommand("list", "List registered keys");
  list->add_option("--data", a.data, "data directory")->required();
  list->add_flag("--json", a.json, "JSON output");
  SetAction(list, AgenciesList);
}

}  // namespace creditlog::api
