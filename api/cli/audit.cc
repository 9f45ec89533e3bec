// The auditor's commands. Their forms and outputs are fixed: auditors script them.
#include <iostream>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include "api/data_dir.h"
#include "api/disclosure.h"
#include "api/personal.h"
#include "api/progress.h"
#include "base/file.h"
#include "crypto/key_file.h"
#include "events/json.h"
#include "ledger/audit.h"
#include "ledger/export.h"
#include "projections/build.h"

namespace creditlog::api {
namespace {

inline constexpr size_t kHeldCheckpointBytesMax = 64 * 1024;

struct AuditArgs {
  std::string data;
  std::string export_path;
  std::string verifier_key;
  std::string checkpoint;  // verify: a checkpoint held elsewhere that the ledger must contain
  uint64_t seq = 0;
  uint64_t size = 0;
  uint64_t old_size = 0;
  uint64_t new_size = 0;
  std::string out;
  bool json = false;
  bool publish = false;
  bool quiet = false;
};

void PrintHashes(const std::vector<Hash>& hashes) {
  for (const Hash& h : hashes) std::cout << Base64Encode(h) << "\n";
}

Status Checkpoint() {
  const AuditArgs& a = CommandArgs<AuditArgs>();
  if (a.publish) {
    ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for " + a.data + ": "));
    auto opened = OpenForWriting(a.data, passphrase, /*guarded=*/false);  // appends nothing
    if (!opened.ok()) {
      return WhileServed(opened.status(), a.data, "a running server publishes checkpoints itself: read the latest with creditlog checkpoint --data " + a.data);
    }
    ASSIGN_OR_RETURN(std::string note, (*opened)->PublishCheckpoint());
    std::cout << note;
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(auto ledger, OpenForReading(a.data));
  ASSIGN_OR_RETURN(std::string note, ledger->LatestCheckpoint());
  std::cout << note;
  return Status::Ok();
}

Status VerifierKeyCommand() {
  ASSIGN_OR_RETURN(auto ledger, OpenForReading(CommandArgs<AuditArgs>().data));
  std::cout << ledger->VerifierKey() << "\n";
  return Status::Ok();
}

Status EntryCommand() {
  const AuditArgs& a = CommandArgs<AuditArgs>();
  ASSIGN_OR_RETURN(auto ledger, OpenForReading(a.data));
  ASSIGN_OR_RETURN(Bytes bytes, ledger->Entry(a.seq));
  if (!a.json) {
    std::cout << Base64Encode(bytes) << "\n";
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(ledger::EntryView view, ledger::ParseEntry(bytes));
  ASSIGN_OR_RETURN(std::string event_json, events::EventToJson(view.envelope.event_bytes));
  nlohmann::json event = nlohmann::json::parse(event_json);
  ASSIGN_OR_RETURN(projections::State state, projections::BuildState(*ledger, ledger->size()));
  const auto keys = PersonalKeysForReading(a.data);
  const PersonalView personal(ledger.get(), keys.get(), &state);
  Disclosure::Operator().WithPersonal(&personal).ShowPersonal(view, event);
  nlohmann::json out = {
      {"seq", view.seq},
      {"recorded_at_ms", view.recorded_at_ms},
      {"stream_version", view.stream_version},
      {"entry", Base64Encode(bytes)},
      {"leaf_hash", Base64Encode(MerkleLeafHash(bytes))},
      {"public_key", Base64Encode(view.envelope.public_key)},
      {"signature", Base64Encode(view.envelope.signature)},
      {"event", event},
  };
  std::cout << out.dump(2) << "\n";
  return Status::Ok();
}

Status ProveInclusion() {
  const AuditArgs& a = CommandArgs<AuditArgs>();
  ASSIGN_OR_RETURN(auto ledger, OpenForReading(a.data));
  ASSIGN_OR_RETURN(auto proof, ledger->InclusionProof(a.seq, a.size));
  PrintHashes(proof);
  return Status::Ok();
}

Status ProveConsistency() {
  const AuditArgs& a = CommandArgs<AuditArgs>();
  ASSIGN_OR_RETURN(auto ledger, OpenForReading(a.data));
  ASSIGN_OR_RETURN(auto proof, ledger->ConsistencyProof(a.old_size, a.new_size));
  PrintHashes(proof);
  return Status::Ok();
}

void PrintReport(const ledger::AuditReport& report, bool json) {
  if (json) {
    nlohmann::json out = {{"ok", true},
                          {"origin", report.origin},
                          {"entries", report.entries},
                          {"checkpoints", report.checkpoints},
                          {"keys", report.keys},
                          {"root", Base64Encode(report.root)}};
    std::cout << out.dump() << "\n";
    return;
  }
  std::cout << "OK: " << report.entries << " entries, " << report.checkpoints << " checkpoints, " << report.keys
            << " keys verified\n"
            << "origin: " << report.origin << "\nroot:   " << Base64Encode(report.root) << "\n";
}

// A checkpoint the auditor holds (a signed note, or an `audit --state` file holding one) must
// be part of the ledger: its size within the ledger's, its root the ledger's root at that size.
// A whole data directory put back from the past passes every check of its own; this one fails.
Status CheckHeldCheckpoint(const ledger::Ledger& ledger, const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, kHeldCheckpointBytesMax));
  const nlohmann::json state = nlohmann::json::parse(text, nullptr, false);
  if (!state.is_discarded() && state.is_object()) {
    if (!state.contains("checkpoint") || !state["checkpoint"].is_string()) {
      return Status::InvalidArgument(path + ": an audit state file without a \"checkpoint\" note");
    }
    text = state["checkpoint"].get<std::string>();
  }
  auto held = ledger.OpenCheckpoint(text);
  if (!held.ok()) return Status::InvalidArgument(path + ": not a checkpoint signed by this ledger: " + held.status().message());
  if (held->size > ledger.size()) {
    return Status::Corruption("the ledger holds " + std::to_string(ledger.size()) + " entries, but the checkpoint in " + path +
                              " covers " + std::to_string(held->size) + ": the ledger has been rolled back");
  }
  ASSIGN_OR_RETURN(Hash root, ledger.Root(held->size));
  if (root != held->root) {
    return Status::Corruption("the ledger's root at size " + std::to_string(held->size) + " is not the one of the checkpoint in " +
                              path + ": a different history");
  }
  return Status::Ok();
}

Status Verify() {
  const AuditArgs& a = CommandArgs<AuditArgs>();
  ProgressLine progress("verify", a.quiet || a.json);
  auto update = [&](uint64_t done, uint64_t total) { progress.Update(done, total); };
  Result<ledger::AuditReport> report = Status::InvalidArgument("give --data DIR, or --export FILE with --verifier-key KEY");
  if (!a.export_path.empty()) {
    if (a.verifier_key.empty()) return Status::InvalidArgument("--export needs --verifier-key KEY (the key you trust)");
    report = ledger::AuditExport(a.export_path, a.verifier_key, update);
  } else if (!a.data.empty()) {
    ASSIGN_OR_RETURN(auto ledger, OpenForReading(a.data));
    report = ledger::AuditLedger(*ledger, update);
    if (report.ok() && !a.checkpoint.empty()) {
      if (Status held = CheckHeldCheckpoint(*ledger, a.checkpoint); !held.ok()) report = held;
    }
  } else if (!a.checkpoint.empty()) {
    return Status::InvalidArgument("--checkpoint goes with --data DIR");
  }
  progress.Finish();
  if (!report.ok()) {
    if (a.json) {
      nlohmann::json out = {{"ok", false}, {"error", report.status().message()}};
      std::cout << out.dump() << "\n";
    }
    return report.status().code() == StatusCode::kCorruption
               ? Status::Corruption("audit FAILED: " + report.status().message())
               : report.status();
  }
  PrintReport(*report, a.json);
  return Status::Ok();
}

Status Export() {
  const AuditArgs& a = CommandArgs<AuditArgs>();
  ASSIGN_OR_RETURN(auto ledger, OpenForReading(a.data));
  ProgressLine progress("export", a.quiet);
  ASSIGN_OR_RETURN(auto header, ledger::WriteExport(*ledger, a.out, [&](uint64_t d, uint64_t t) { progress.Update(d, t); }));
  progress.Finish();
  std::cerr << "exported " << header.entries << " entries and " << header.checkpoints << " checkpoints to " << a.out
            << "\nverify with: creditlog verify --export " << a.out << " --verifier-key '" << header.verifier_key << "'\n";
  return Status::Ok();
}

}  // namespace

void AddAuditCommands(CLI::App& app) {
  AuditArgs& a = CommandArgs<AuditArgs>();
  auto* checkpoint = DataCommand(app, "checkpoint", "Print the latest signed checkpoint (a C2SP signed note)", &a.data);
  checkpoint->add_flag("--publish", a.publish, "sign a checkpoint of the current tree first (needs the ledger key)");
  SetAction(checkpoint, Checkpoint);

  auto* verifier = DataCommand(app, "verifier-key", "Print the checkpoint verifier key (name+hash+base64)", &a.data);
  SetAction(verifier, VerifierKeyCommand);

  auto* entry = DataCommand(app, "entry", "Print base64 of the exact bytes whose leaf hash is in the tree", &a.data);
  entry->add_option("--seq", a.seq, "sequence number")->required();
  entry->add_flag("--json", a.json, "print the entry decoded, with its event, as JSON");
  SetAction(entry, EntryCommand);

  auto* prove = app.add_subcommand("prove", "Print RFC 9162 proofs, base64 hashes one per line");
  prove->require_subcommand(1);
  auto* inclusion = DataCommand(*prove, "inclusion", "inclusion proof of entry SEQ in the tree of SIZE", &a.data);
  inclusion->add_option("--seq", a.seq, "sequence number (leaf index)")->required();
  inclusion->add_option("--size", a.size, "tree size")->required();
  SetAction(inclusion, ProveInclusion);
  auto* consistency = DataCommand(*prove, "consistency", "consistency proof between tree sizes OLD and NEW", &a.data);
  consistency->add_option("--old", a.old_size, "older tree size")->required();
  consistency->add_option("--new", a.new_size, "newer tree size")->required();
  SetAction(consistency, ProveConsistency);

  auto* verify = app.add_subcommand("verify", "Full audit; exit 0 only when everything holds");
  verify->add_option("--data", a.data, "data directory");
  verify->add_option("--export", a.export_path, "audit an export file instead, offline");
  verify->add_option("--verifier-key", a.verifier_key, "the verifier key to trust (with --export)");
  verify->add_option("--checkpoint", a.checkpoint,
                     "a checkpoint you hold (a signed note, or an audit --state file) that the ledger must contain");
  verify->add_flag("--json", a.json, "machine-readable result");
  verify->add_flag("--quiet", a.quiet, "no progress");
  SetAction(verify, Verify);

  auto* exporter = DataCommand(app, "export", "Write everything an auditor needs into one file", &a.data);
  exporter->add_option("--out", a.out, "output file")->required();
  exporter->add_flag("--quiet", a.quiet, "no progress");
  SetAction(exporter, Export);
}

}  // namespace creditlog::api
