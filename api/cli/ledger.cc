// Commands that create and record: init, demo, record, sign, import (keys.cc: keys, agencies,
// adopt-ruleset). record and import write into a ledger here (--data) or to a running server
// (--server, remote.h), signing the same way and reporting the same way.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include "api/cli/remote.h"
#include "api/client/http_client.h"
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
  std::string server;       // record, import: send to this server instead of --data
  std::string token;
  std::string agency_uscc;  // import: the importing agency, for rows that name none
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

// The report of record and import, the same whether the ledger is here or behind a server: a
// line per refusal on stderr, a line per recorded event (for short inputs), the counts; or all
// of it as JSON. InvalidArgument if any record was refused, or the refusals' own code when they
// share one (a key not permitted: permission_denied).
Status PrintRecorded(const std::string& source, const std::vector<RecordOutcome>& outcomes) {
  const LedgerArgs& a = CommandArgs<LedgerArgs>();
  uint64_t recorded = 0, duplicates = 0, rejected = 0;
  nlohmann::json report = nlohmann::json::array();
  for (const RecordOutcome& o : outcomes) {
    if (!o.status.ok()) {
      ++rejected;
      std::cerr << source << ":" << o.line << ": rejected: " << o.status.message() << " [" << StatusCodeName(o.status.code()) << "]\n";
      report.push_back({{"line", o.line}, {"ok", false}, {"error", o.status.message()}, {"code", StatusCodeName(o.status.code())}});
      continue;
    }
    o.duplicate ? ++duplicates : ++recorded;
    report.push_back({{"line", o.line}, {"ok", true}, {"seq", o.seq}, {"duplicate", o.duplicate}});
  }
  if (a.json) {
    std::cout << nlohmann::json{{"recorded", recorded}, {"duplicates", duplicates}, {"rejected", rejected},
                                {"results", report}}.dump() << "\n";
  } else {
    if (outcomes.size() <= kRecordListMax) {
      for (const auto& row : report) {
        if (row["ok"]) std::cout << "line " << row["line"] << ": seq " << row["seq"] << (row["duplicate"] ? " (already recorded)" : "") << "\n";
      }
    }
    std::cout << recorded << " recorded, " << duplicates << " already recorded, " << rejected << " rejected\n";
  }
  if (rejected == 0) return Status::Ok();
  return Status::FromCode(RefusalCode(outcomes), std::to_string(rejected) + " record(s) rejected");
}

// Signs each record with the key, appends them in chunks (signatures checked on all cores,
// one group commit per chunk) and publishes a checkpoint: the outcome of every record.
Result<std::vector<RecordOutcome>> SignAndRecord(const std::vector<SourceRecord>& records, const std::string& key_path,
                                                 const std::string& instead) {
  const LedgerArgs& a = CommandArgs<LedgerArgs>();
  ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for " + a.data + ": "));
  ASSIGN_OR_RETURN(NamedKeyPair signer, LoadKey(key_path, passphrase));
  auto opened = OpenForWriting(a.data, passphrase);
  if (!opened.ok()) return WhileServed(opened.status(), a.data, instead);
  std::unique_ptr<ledger::Ledger> ledger = std::move(*opened);
  ProgressLine progress("record", a.quiet || records.size() < kRecordChunk);
  std::vector<RecordOutcome> outcomes;
  for (size_t begin = 0; begin < records.size(); begin += kRecordChunk) {
    const size_t end = std::min(records.size(), begin + kRecordChunk);
    std::vector<Bytes> envelopes;
    std::vector<size_t> lines;
    for (size_t i = begin; i < end; ++i) {
      size_t line = 0;
      auto event = EventOfRecord(records[i], &line);
      if (!event.ok()) {
        outcomes.push_back(RecordOutcome::Refused(line, event.status()));
        continue;
      }
      envelopes.push_back(events::SignEnvelope(*event, signer.key_pair.secret_key, ledger->origin()));
      lines.push_back(line);
    }
    auto results = ledger->AppendBatch(std::move(envelopes));
    for (size_t j = 0; j < results.size(); ++j) {
      if (!results[j].ok()) {
        outcomes.push_back(RecordOutcome::Refused(lines[j], results[j].status()));
      } else {
        outcomes.push_back(RecordOutcome::Recorded(lines[j], results[j]->seq, results[j]->duplicate));
      }
    }
    progress.Update(end, records.size());
  }
  progress.Finish();
  ASSIGN_OR_RETURN(std::string note, ledger->PublishCheckpoint());
  std::stable_sort(outcomes.begin(), outcomes.end(), [](const RecordOutcome& x, const RecordOutcome& y) { return x.line < y.line; });
  return outcomes;
}

// Records here (--data) or sends to the server (--server), and reports either the same way.
Status RecordOrSubmit(const std::string& source, const std::vector<SourceRecord>& records, const std::string& instead) {
  const LedgerArgs& a = CommandArgs<LedgerArgs>();
  if (a.server.empty()) {
    ASSIGN_OR_RETURN(std::vector<RecordOutcome> outcomes, SignAndRecord(records, a.key_path, instead));
    return PrintRecorded(source, outcomes);
  }
  const ServerWrite write{a.server, ServerToken(a.token), a.key_path, "", false, a.quiet || a.json};
  ASSIGN_OR_RETURN(std::vector<RecordOutcome> outcomes, SubmitRecords(write, records, /*single=*/false));
  return PrintRecorded(source, outcomes);
}

Status Record() {
  const LedgerArgs& a = CommandArgs<LedgerArgs>();
  RETURN_IF_ERROR(DataOrServerGiven(a.data, a.server));
  ASSIGN_OR_RETURN(std::vector<std::string> documents, ReadEventDocuments(a.input));
  std::vector<SourceRecord> records;
  for (size_t i = 0; i < documents.size(); ++i) {
    if (documents[i].find_first_not_of(" \t\r") == std::string::npos) continue;  // blank line
    records.push_back({i + 1, documents[i]});
  }
  return RecordOrSubmit(a.input, records, "to record while it runs, use: creditlog record --server URL --key " + a.key_path + " " + a.input);
}

// Whether a subject is registered, asked once per subject: of the ledger here, or of the server
// (its public profile is found only for a registered subject).
class Registrations {
 public:
  explicit Registrations(ledger::Ledger* reader) : reader_(reader) {}
  explicit Registrations(const std::string& server) : http_(std::make_unique<HttpClient>(server, "")) {}

  Result<bool> Known(const std::string& subject) {
    auto known = known_.find(subject);
    if (known != known_.end()) return known->second;
    bool found = false;
    if (reader_ != nullptr) {
      ASSIGN_OR_RETURN(std::vector<uint64_t> seqs, reader_->StreamSeqs(subject));
      for (uint64_t seq : seqs) {
        ASSIGN_OR_RETURN(Bytes entry, reader_->Entry(seq));
        ASSIGN_OR_RETURN(ledger::EntryView view, ledger::ParseEntry(entry));
        found = found || view.envelope.event->body_type() == fb::EventBody::SubjectRegistered;
      }
    } else {
      ASSIGN_OR_RETURN(HttpResponse response, http_->Get("/v1/subjects/" + PathSegment(subject) + "/public-profile"));
      if (response.status != 200 && response.status != 404) return HttpClient::ErrorOf(response, "GET /v1/subjects/" + subject + "/public-profile");
      found = response.status == 200;
    }
    return known_[subject] = found;
  }
  void Registered(const std::string& subject) { known_[subject] = true; }

 private:
  // A code in a path: a USCC is letters and digits; anything else is percent-encoded.
  static std::string PathSegment(const std::string& text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
        out += static_cast<char>(c);
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
      }
    }
    return out;
  }

  ledger::Ledger* reader_ = nullptr;
  std::unique_ptr<HttpClient> http_;
  std::map<std::string, bool> known_;
};

Status Import(ImportLayout layout) {
  const LedgerArgs& a = CommandArgs<LedgerArgs>();
  RETURN_IF_ERROR(DataOrServerGiven(a.data, a.server));
  ASSIGN_OR_RETURN(CsvTable table, ReadCsv(a.input));
  RETURN_IF_ERROR(CheckHeader(table, layout).WithContext(a.input));
  // Rows default to the importing agency's own USCC where they name no agency: the one its key
  // is registered for, read from the ledger here; a server's registry is not read over HTTP.
  std::string agency_uscc = a.agency_uscc;
  std::unique_ptr<ledger::Ledger> reader;
  if (a.server.empty()) {
    ASSIGN_OR_RETURN(std::string key_text, ReadSmallFile(a.key_path, kKeyFileBytesMax));
    ASSIGN_OR_RETURN(PublicKey key, ReadPublicKeyFromKeyFile(key_text));
    ASSIGN_OR_RETURN(reader, OpenForReading(a.data));
    const ledger::KeyRegistry registry = reader->registry();
    const ledger::KeyRecord* record = registry.Find(key);
    if (record == nullptr) return Status::PermissionDenied(a.key_path + ": this key is not registered in the ledger");
    if (agency_uscc.empty()) agency_uscc = record->agency_uscc;
  } else if (agency_uscc.empty() && !table.columns.count(AgencyColumn(layout))) {
    return Status::InvalidArgument("with --server, give --agency-uscc USCC: the importing agency's code, for rows that name no " +
                                   AgencyColumn(layout) + " (with --data it is read from the key's registration)");
  }
  // A subject the ledger has not registered is registered from its first row, just before it
  // (events for unregistered subjects are refused).
  Registrations registrations = a.server.empty() ? Registrations(reader.get()) : Registrations(a.server);
  std::vector<SourceRecord> records;
  for (const CsvRow& row : table.rows) {
    auto event = RowToEvent(table, row, layout, agency_uscc);
    if (event.ok()) {
      const std::string subject = (*event)["subject"].get<std::string>();
      ASSIGN_OR_RETURN(bool known, registrations.Known(subject));
      if (!known) {
        if (auto registration = RegistrationFromRow(table, row, layout, *event)) {
          records.push_back({row.line, Result<std::string>(registration->dump()), false});
          registrations.Registered(subject);
        }
      }
    }
    records.push_back({row.line, event.ok() ? Result<std::string>(event->dump()) : Result<std::string>(event.status()), false});
  }
  reader.reset();
  const std::string command = layout == ImportLayout::kPenalties ? "penalties" : "commitments";
  return RecordOrSubmit(a.input, records,
                        "to import while it runs, use: creditlog import " + command + " --server URL --key " + a.key_path +
                            " --agency-uscc " + agency_uscc + " " + a.input);
}

// Signs one event for a ledger without touching it: the envelope an agency submits.
// A .jsonl input gives one base64 envelope per line in the output, in the same order.
Status Sign() {
  const LedgerArgs& a = CommandArgs<LedgerArgs>();
  ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for " + a.key_path + ": "));
  ASSIGN_OR_RETURN(NamedKeyPair signer, LoadKey(a.key_path, passphrase));
  if (!a.input.ends_with(".jsonl")) {
    ASSIGN_OR_RETURN(std::string text, ReadSmallFile(a.input, events::kEventJsonBytesMax));
    size_t line = 0;
    auto parsed = events::EventFromJson(text, &line);
    if (!parsed.ok()) return parsed.status().WithContext(a.input + ":" + std::to_string(std::max<size_t>(line, 1)));
    const Bytes event = std::move(*parsed);
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
  demo->add_option("--subjects", a.demo.subjects,
                   "subjects to create, at most " + std::to_string(kDemoSubjectsMax) +
                       " a run; another run adds more, each with a USCC of its own")
      ->capture_default_str();
  demo->add_option("--seed", a.demo.seed, "random seed; ids recorded by a run of another seed than the default name it (HT-S2.0-…), so runs of several seeds share a ledger")->capture_default_str();
  demo->add_option("--today", a.demo.today,
                   "the history's last day, YYYY-MM-DD (default today): fixed, a seed gives the same history on any day");
  demo->add_flag("--quiet", a.demo.quiet, "no progress");
  SetAction(demo, Demo);

  auto* record = app.add_subcommand(
      "record", "Sign events (JSON, or JSONL one per line) with a key and record them: into a ledger here (--data) or to a running server (--server)");
  AddDataOrServer(record, &a.data, &a.server, &a.token, "(signed here)");
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
    AddDataOrServer(sub, &a.data, &a.server, &a.token, "(signed here)");
    sub->add_option("--key", a.key_path, "the importing agency's key file")->required();
    sub->add_option("--agency-uscc", a.agency_uscc,
                    "the importing agency's USCC, for rows that name none (default with --data: the key's registration; "
                    "needed with --server unless the CSV has the column)");
    sub->add_option("input", a.input, "CSV file with a header row")->required();
    sub->add_flag("--json", a.json, "machine-readable report");
    sub->add_flag("--quiet", a.quiet, "no progress");
    SetAction(sub, [layout = layout] { return Import(layout); });
  }
}

}  // namespace creditlog::api
