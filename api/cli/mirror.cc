// `mirror`: follows a server's log into a local mirror ledger. Nothing is kept before it is
// proven: the server's checkpoint must extend the mirrored tree (a consistency proof), each page
// of entries must be what that checkpoint commits to (RemoteLog::NextEntries), and the mirror
// stores the checkpoint only once its entries match it. With --tiles the same holds of what is
// read from the C2SP tlog-tiles endpoints (TileLog, api/client/tiles.h): the proofs are computed
// from tiles verified against the checkpoint rather than asked for.
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/cli/remote.h"
#include "api/cli/witnessed_check.h"
#include "api/client/remote_log.h"
#include "api/client/tiles.h"
#include "api/progress.h"
#include "api/protocol.h"
#include "ledger/ledger.h"

namespace creditlog::api {
namespace {

using nlohmann::json;

// Checks the server's checkpoint before anything is taken from it (--witness-policy).
using CheckpointCheck = std::function<Status(const SignedCheckpoint&)>;

// One round: catch up with the server's latest checkpoint. Corruption if the server's history
// is not the one this mirror holds, or `accept` refuses its checkpoint. `Log`: RemoteLog (the
// /v1 routes) or TileLog (tiles).
template <typename Log>
Status MirrorOnce(Log& log, ledger::Ledger& mirror, bool quiet, const CheckpointCheck& accept) {
  ASSIGN_OR_RETURN(SignedCheckpoint latest, log.Checkpoint());
  RETURN_IF_ERROR(accept(latest));
  const creditlog::Checkpoint& checkpoint = latest.checkpoint;
  const uint64_t local = mirror.size();
  ASSIGN_OR_RETURN(Hash local_root, mirror.Root(local));
  if (checkpoint.size <= local) {
    ASSIGN_OR_RETURN(Hash root, mirror.Root(checkpoint.size));
    if (root != checkpoint.root) {
      return Status::Corruption("refusing the server's history: its checkpoint of size " + std::to_string(checkpoint.size) +
                                " does not match the mirrored entries (a forked log)");
    }
    return Status::Ok();
  }
  // Prove the server's tree extends ours before taking anything from it.
  if (Status consistent = log.CheckConsistency(local, local_root, checkpoint); !consistent.ok()) {
    return Status::Corruption("refusing the server's history: its checkpoint of size " + std::to_string(checkpoint.size) +
                              " is not consistent with the " + std::to_string(local) + " mirrored entries (a forked log): " +
                              consistent.message());
  }
  ProgressLine progress("mirror", quiet || checkpoint.size - local < kEntriesPageMax);
  ASSIGN_OR_RETURN(CompactRange range, CompactRange::Load(local, mirror.Nodes()));
  while (mirror.size() < checkpoint.size) {
    auto page = log.NextEntries(checkpoint, &range);
    if (!page.ok() && page.status().code() != StatusCode::kCorruption) return page.status();  // unreachable, refused, too large
    if (!page.ok()) return Status::Corruption("refusing the server's history: " + page.status().message());
    RETURN_IF_ERROR(mirror.AppendMirrored(std::move(*page)));
    progress.Update(mirror.size() - local, checkpoint.size - local);
  }
  progress.Finish();
  // The entries must be the ones the checkpoint commits to.
  if (Status stored = mirror.StoreCheckpoint(latest.note); !stored.ok()) {
    return Status::Corruption("refusing the server's history: " + stored.message());
  }
  return Status::Ok();
}

// The mirror in `data`, or a new one started from the server's genesis entry (with tiles, the
// genesis entry of the checkpoint's tree, checked against it).
Result<std::unique_ptr<ledger::Ledger>> OpenMirror(RemoteLog& log, TileLog* tiles, const std::string& data) {
  std::unique_ptr<ledger::Ledger> mirror;
  if (std::filesystem::exists(data + "/db")) {
    ASSIGN_OR_RETURN(mirror, ledger::Ledger::Open(data));
    if (!mirror->is_mirror()) return Status::InvalidArgument(data + " holds a ledger that is not a mirror");
    if (mirror->VerifierKey() != log.verifier_key()) {
      return Status::Corruption("the server's verifier key '" + log.verifier_key() + "' is not the mirrored ledger's '" +
                                mirror->VerifierKey() + "'");
    }
    return mirror;
  }
  Bytes genesis;
  if (tiles != nullptr) {
    ASSIGN_OR_RETURN(SignedCheckpoint latest, tiles->Checkpoint());
    ASSIGN_OR_RETURN(genesis, tiles->Entry(0, latest.checkpoint));
  } else {
    ASSIGN_OR_RETURN(genesis, log.Entry(0));
  }
  ASSIGN_OR_RETURN(mirror, ledger::Ledger::CreateMirror(data, genesis));
  if (mirror->VerifierKey() != log.verifier_key()) {
    return Status::Corruption("the server's genesis names a different ledger key than its verifier key");
  }
  return mirror;
}

}  // namespace

Status Mirror() {
  const RemoteArgs& a = CommandArgs<RemoteArgs>();
  ASSIGN_OR_RETURN(std::optional<WitnessPolicy> policy, OptionalWitnessPolicy(a.witness_policy));
  ASSIGN_OR_RETURN(std::unique_ptr<RemoteLog> log, RemoteLog::Connect(a.server, RemoteToken(a), a.verifier_key));
  std::optional<TileLog> tiles;
  if (a.tiles) tiles.emplace(*log);
  // --witness-policy: every checkpoint of the server's must meet the quorum before an entry,
  // the genesis entry of a new mirror included, is taken.
  std::optional<WitnessedCheckpoint> witnessed;
  const CheckpointCheck accept = [&](const SignedCheckpoint& latest) -> Status {
    if (!policy) return Status::Ok();
    auto checked = RequireWitnessed(latest.note, log->verifier(), *policy, "refusing the server's checkpoint");
    if (!checked.ok()) return checked.status();
    witnessed = std::move(*checked);
    return Status::Ok();
  };
  if (policy) {
    RETURN_IF_ERROR(PolicyKnowsLog(*policy, log->verifier()));
    ASSIGN_OR_RETURN(SignedCheckpoint first, tiles ? tiles->Checkpoint() : log->Checkpoint());
    RETURN_IF_ERROR(accept(first));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<ledger::Ledger> mirror, OpenMirror(*log, tiles ? &*tiles : nullptr, a.data));
  for (;;) {
    const uint64_t before = mirror->size();
    RETURN_IF_ERROR(tiles ? MirrorOnce(*tiles, *mirror, a.quiet || a.json, accept)
                          : MirrorOnce(*log, *mirror, a.quiet || a.json, accept));
    if (mirror->size() > before || !a.follow) {
      if (a.json) {
        json out{{"origin", mirror->origin()}, {"size", mirror->size()}, {"added", mirror->size() - before}};
        if (witnessed) AddWitnessJson(out, *witnessed, *policy);
        std::cout << out.dump() << "\n";
      } else {
        std::cout << "mirrored " << mirror->size() << " entries of " << mirror->origin() << " (" << (mirror->size() - before)
                  << " new), every entry and checkpoint verified" << (tiles ? " (through tiles)" : "") << "\n";
        if (witnessed) std::cout << WitnessLine(*witnessed, *policy) << "\n";
      }
      std::cout.flush();
    }
    if (!a.follow) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(a.interval_ms));
  }
}

}  // namespace creditlog::api
