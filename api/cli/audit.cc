// The auditor's commands. Their forms and outputs are fixed: auditors script them.
#include <iostream>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include "api/proof_bundle.h"
#include "api/cli/witnessed_check.h"
#include "api/client/witnessing.h"
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
  std::string witness_policy;  // verify: DIR/witnessed-checkpoint must meet its quorum
  std::string bundle;          // prove inclusion: write a C2SP tlog-proof file
  uint64_t seq = 0;
  uint64_t size = 0;
  CLI::Option* size_option = nullptr;  // prove inclusion: whether --size was given
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

// prove inclusion --bundle FILE: the entry, its inclusion proof and the checkpoint, in one
// C2SP tlog-proof file that check-proof bundle verifies with no ledger.
Status ProveBundle() {
  const AuditArgs& a = CommandArgs<AuditArgs>();
  const std::string witnessed_path = a.data + "/" + kWitnessedCheckpointFile;
  ASSIGN_OR_RETURN(std::optional<std::string> witnessed, ReadWitnessedCheckpoint(a.data));  // before the ledger: see there
  ASSIGN_OR_RETURN(auto ledger, OpenForReading(a.data));
  std::optional<uint64_t> size;
  if (a.size_option->count() > 0) size = a.size;
  ASSIGN_OR_RETURN(EntryBundle bundle, MakeEntryBundle(*ledger, witnessed, witnessed_path, a.seq, size));
  const std::string text = FormatTlogProof(bundle.proof);
  std::ostream& say = a.bundle == "-" ? std::cerr : std::cout;
  if (a.bundle == "-") {
    std::cout << text;
  } else {
    RETURN_IF_ERROR(WriteFileDurably(a.bundle, text, 0644));
  }
  std::string names;
  for (const std::string& name : bundle.cosigners) names += (names.empty() ? "" : L("、", ", ")) + name;
  const std::string seq = std::to_string(a.seq);
  const std::string tree = std::to_string(bundle.checkpoint.size);
  say << L("已写入 " + a.bundle + "：seq " + seq + " 的条目及其在大小为 " + tree + " 的树中的包含证明（C2SP tlog-proof）\n",
           "wrote " + a.bundle + ": the entry seq " + seq + " and its inclusion proof in the tree of size " + tree +
               " (C2SP tlog-proof)\n");
  if (bundle.witnessed) {
    say << L("检查点：见证检查点（" + witnessed_path + "），联署见证人：" + (names.empty() ? std::string("无") : names),
             "checkpoint: the witnessed checkpoint (" + witnessed_path + "), cosigned by " +
                 (names.empty() ? std::string("no witness") : names))
        << "\n";
  } else {
    say << L("检查点：账本的签名检查点，" + (names.empty() ? std::string("无见证人联署") : "联署：" + names),
             "checkpoint: the ledger's signed checkpoint, " + (names.empty() ? std::string("no cosignature") : "cosigned by " + names))
        << "\n";
  }
  say << L("核验：", "check it with: ") << "creditlog check-proof bundle --bundle " << (a.bundle == "-" ? "FILE" : a.bundle)
      << " --verifier-key '" << ledger->VerifierKey() << "'" << (bundle.cosigners.empty() ? "" : " --witness-policy POLICY") << "\n";
  return Status::Ok();
}

Status ProveInclusion() {
  const AuditArgs& a = CommandArgs<AuditArgs>();
  if (!a.bundle.empty()) return ProveBundle();
  if (a.size_option->count() == 0) {
    return Status::InvalidArgument("--size SIZE is required (with --bundle FILE it defaults to the checkpoint's size)");
  }
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

void PrintReport(const ledger::AuditReport& report, bool json, const std::optional<WitnessPolicy>& policy,
                 const std::optional<WitnessedCheckpoint>& witnessed) {
  if (json) {
    nlohmann::json out = {{"ok", true},
                          {"origin", report.origin},
                          {"entries", report.entries},
                          {"checkpoints", report.checkpoints},
                          {"keys", report.keys},
                          {"root", Base64Encode(report.root)}};
    if (policy && witnessed) {
      out["witnessed_size"] = witnessed->checkpoint.size;
      AddWitnessJson(out, *witnessed, *policy);
    }
    std::cout << out.dump() << "\n";
    return;
  }
  std::cout << "OK: " << report.entries << " entries, " << report.checkpoints << " checkpoints, " << report.keys
            << " keys verified\n"
            << "origin: " << report.origin << "\nroot:   " << Base64Encode(report.root) << "\n";
  if (policy && witnessed) {
    std::cout << L("见证：", "witnessed: ") << WitnessLine(*witnessed, *policy) << L("，账本包含该树\n", "; the ledger holds that tree\n");
  }
}

// verify --witness-policy: DIR/witnessed-checkpoint (what a server with a witness policy
// published last) must open under the policy with its quorum, and the ledger must hold its
// tree. Corruption otherwise, a missing file included: no quorum has cosigned this ledger.
// `note`: the file as read before the ledger was opened (ReadWitnessedCheckpoint).
Result<WitnessedCheckpoint> CheckWitnessedCheckpoint(const ledger::Ledger& ledger, const std::string& data,
                                                     const std::optional<std::string>& note, const WitnessPolicy& policy) {
  ASSIGN_OR_RETURN(NoteVerifier verifier, ParseVerifierKey(ledger.VerifierKey()));
  RETURN_IF_ERROR(PolicyKnowsLog(policy, verifier));
  const std::string path = data + "/" + kWitnessedCheckpointFile;
  if (!note) {
    return Status::Corruption(path + " does not exist: no checkpoint of this ledger has been witnessed (a server with "
                              "serve --witness-policy keeps the latest one its quorum cosigned there)");
  }
  ASSIGN_OR_RETURN(WitnessedCheckpoint witnessed, RequireWitnessed(*note, verifier, policy, path));
  const creditlog::Checkpoint& checkpoint = witnessed.checkpoint;
  if (checkpoint.size > ledger.size()) {
    return Status::Corruption("the ledger holds " + std::to_string(ledger.size()) + " entries, but the witnessed checkpoint in " +
                              path + " covers " + std::to_string(checkpoint.size) + ": the ledger has been rolled back");
  }
  ASSIGN_OR_RETURN(Hash root, ledger.Root(checkpoint.size));
  if (root != checkpoint.root) {
    return Status::Corruption("the ledger's root at size " + std::to_string(checkpoint.size) +
                              " is not the one of the witnessed checkpoint in " + path + ": a different history");
  }
  return witnessed;
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
  ASSIGN_OR_RETURN(std::optional<WitnessPolicy> policy, OptionalWitnessPolicy(a.witness_policy));
  std::optional<WitnessedCheckpoint> witnessed;
  if (policy && a.data.empty()) return Status::InvalidArgument("--witness-policy goes with --data DIR");
  if (!a.export_path.empty()) {
    if (a.verifier_key.empty()) return Status::InvalidArgument("--export needs --verifier-key KEY (the key you trust)");
    report = ledger::AuditExport(a.export_path, a.verifier_key, update);
  } else if (!a.data.empty()) {
    std::optional<std::string> witnessed_note;
    if (policy) {  // read before the ledger is opened (ReadWitnessedCheckpoint)
      ASSIGN_OR_RETURN(witnessed_note, ReadWitnessedCheckpoint(a.data));
    }
    ASSIGN_OR_RETURN(auto ledger, OpenForReading(a.data));
    report = ledger::AuditLedger(*ledger, update);
    if (report.ok() && !a.checkpoint.empty()) {
      if (Status held = CheckHeldCheckpoint(*ledger, a.checkpoint); !held.ok()) report = held;
    }
    if (report.ok() && policy) {
      auto checked = CheckWitnessedCheckpoint(*ledger, a.data, witnessed_note, *policy);
      if (checked.ok()) {
        witnessed = std::move(*checked);
      } else {
        report = checked.status();
      }
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
  PrintReport(*report, a.json, policy, witnessed);
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
  a.size_option = inclusion->add_option("--size", a.size,
                                        "tree size (required without --bundle; with it, a size the ledger has a signed "
                                        "checkpoint of, by default that checkpoint's)");
  inclusion->add_option("--bundle", a.bundle,
                        "write a C2SP tlog-proof file instead (or - for standard output): the entry, the proof and the "
                        "checkpoint (DIR/witnessed-checkpoint with its cosignatures when it covers SEQ, else the latest); "
                        "check it with check-proof bundle");
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
  verify->add_option("--witness-policy", a.witness_policy,
                     "with --data: DIR/witnessed-checkpoint must carry the cosignatures of this C2SP tlog-policy's quorum "
                     "and be in the ledger");
  verify->add_flag("--json", a.json, "machine-readable result");
  verify->add_flag("--quiet", a.quiet, "no progress");
  SetAction(verify, Verify);

  auto* exporter = DataCommand(app, "export", "Write everything an auditor needs into one file", &a.data);
  exporter->add_option("--out", a.out, "output file")->required();
  exporter->add_flag("--quiet", a.quiet, "no progress");
  SetAction(exporter, Export);
}

}  // namespace creditlog::api
