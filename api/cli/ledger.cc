// Commands that create and record: init, demo, record, sign, import (keys.cc: keys, agencies).
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include <map>

#include "api/data_dir.h"
#include "projections/admission.h"
#include "api/tools/demo.h"
#include "api/tools/import.h"
#include "api/progress.h"
#include "base/file.h"
#include "base/clock.h"
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
  std::string out;
  bool json = false;
  bool quiet = false;
};

std::string Today() { return events::DateFromDays(TodayInChina()); }

Status Init() {
  LedgerArgs& a = CommandArgs<LedgerArgs>();
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
  ASSIGN_OR_RETURN(auto personal_keys, ledger::PersonalKeys::Open(a.data, ledger_key.key_pair.secret_key));
  ledger->SetPersonalKeys(std::move(personal_keys));
  RETURN_IF_ERROR(projections::Admission::Install(*ledger));
  // The default ruleset (docs/projections.md), adopted by the credit office as the first act.
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
  LedgerArgs& a = CommandArgs<LedgerArgs>();
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
  const LedgerArgs& a = CommandArgs<LedgerArgs>();
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
  const LedgerArgs& a = CommandArgs<LedgerArgs>();
  ASSIGN_OR_RETURN(std::vector<std::string> documents, ReadEventDocuments(a.input));
  std::vector<SourceRecord> records;
  for (size_t i = 0; i < documents.size(); ++i) {
    if (documents[i].find_first_not_of(" \t\r") == std::string::npos) continue;  // blank line
    records.push_back({i + 1, documents[i]});
  }
  return SignAndRecord(a.input, std::move(records), a.key_path);
}

Status Import(ImportLayout layout) {
  const LedgerArgs& a = CommandArgs<LedgerArgs>();
  ASSIGN_OR_RETURN(CsvTable table, ReadCsv(a.input));
  RETURN_IF_ERROR(CheckHeader(table, layout).WithContext(a.input));
  // Rows default to the importing agency's own USCC where they name no agency.
  ASSIGN_OR_RETURN(std::string key_text, ReadSmallFile(a.key_path, kKeyFileBytesMax));
  ASSIGN_OR_RETURN(PublicKey key, ReadPublicKeyFromKeyFile(key_text));
  std::string agency_uscc;
  ASSIGN_OR_RETURN(auto reader, OpenForReading(a.data));
  {
    const ledger::KeyRegistry registry = reader->registry();
    const ledger::KeyRecord* record = registry.Find(key);
    if (record == nullptr) return Status::PermissionDenied(a.key_path + ": this key is not registered in the ledger");
    agency_uscc = record->agency_uscc;
  }
  // A subject the ledger has not registered is registered from its first row, just before it
  // (events for unregistered subjects are refused).
  std::map<std::string, bool> registered;
  auto is_registered = [&](const std::string& subject) -> Result<bool> {
    auto known = registered.find(subject);
    if (known != registered.end()) return known->second;
    ASSIGN_OR_RETURN(std::vector<uint64_t> seqs, reader->StreamSeqs(subject));
    bool found = false;
    for (uint64_t seq : seqs) {
      ASSIGN_OR_RETURN(Bytes entry, reader->Entry(seq));
      ASSIGN_OR_RETURN(ledger::EntryView view, ledger::ParseEntry(entry));
      found = found || view.envelope.event->body_type() == fb::EventBody::SubjectRegistered;
    }
    return registered[subject] = found;
  };
  std::vector<SourceRecord> records;
  for (const CsvRow& row : table.rows) {
    auto event = RowToEvent(table, row, layout, agency_uscc);
    if (event.ok()) {
      ASSIGN_OR_RETURN(bool known, is_registered((*event)["subject"].get<std::string>()));
      if (!known) {
        if (auto registration = RegistrationFromRow(table, row, layout, *event)) {
          records.push_back({row.line, Result<std::string>(registration->dump())});
          registered[(*event)["subject"].get<std::string>()] = true;
        }
      }
    }
    records.push_back({row.line, event.ok() ? Result<std::string>(event->dump()) : Result<std::string>(event.status())});
  }
  reader.reset();
  return SignAndRecord(a.input, std::move(records), a.key_path);
}

// Signs one event for a ledger without touching it: the envelope an agency submits.
// A .jsonl input gives one base64 envelope per line in the output, in the same order.
Status Sign() {
  const LedgerArgs& a = CommandArgs<LedgerArgs>();
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
  LedgerArgs& a = CommandArgs<LedgerArgs>();
  auto* init = app.add_subcommand("init", "Create a ledger: genesis, ledger key, credit-office root key");
  init->add_option("--data", a.data, "data directory (created)")->required();
  init->add_option("--origin", a.origin, "log origin, e.g. credit.qingdao.example/log")->required();
  init->add_option("--office-uscc", a.office_uscc, "USCC of the credit office holding the root key");
  init->add_option("--office-name", a.office_name, "name of the credit office")->capture_default_str();
  SetAction(init, Init);

  auto* demo = DataCommand(app, "demo", "Record a realistic synthetic history through the signed path", &a.data);
  demo->add_option("--subjects", a.demo.subjects, "subjects to create")->capture_default_str();
  demo->add_option("--seed", a.demo.seed, "random seed")->capture_default_str();
  demo->add_flag("--quiet", a.demo.quiet, "no progress");
  SetAction(demo, Demo);

  auto* record = DataCommand(app, "record", "Sign events (JSON, or JSONL one per line) with a key and record them", &a.data);
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
    auto* sub = DataCommand(*import, name, help, &a.data);
    sub->add_option("--key", a.key_path, "the importing agency's key file")->required();
    sub->add_option("input", a.input, "CSV file with a header row")->required();
    sub->add_flag("--json", a.json, "machine-readable report");
    sub->add_flag("--quiet", a.quiet, "no progress");
    SetAction(sub, [layout = layout] { return Import(layout); });
  }
}

}  // namespace creditlog::api
