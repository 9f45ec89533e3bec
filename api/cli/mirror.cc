// `mirror`: follows a server's log into a local mirror ledger. Nothing is kept before it is
// proven: the server's checkpoint must extend the mirrored tree (a consistency proof), each page
// of entries must be what that checkpoint commits to (RemoteLog::NextEntries), and the mirror
// stores the checkpoint only once its entries match it.
#include <filesystem>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/cli/remote.h"
#include "api/client/remote_log.h"
#include "api/progress.h"
#include "api/protocol.h"
#include "ledger/ledger.h"

namespace creditlog::api {
namespace {

using nlohmann::json;

// One round: catch up with the server's latest checkpoint. Corruption if the server's history
// is not the one this mirror holds.
Status MirrorOnce(RemoteLog& log, ledger::Ledger& mirror, bool quiet) {
  ASSIGN_OR_RETURN(SignedCheckpoint latest, log.Checkpoint());
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

// The mirror in `data`, or a new one started from the server's genesis entry.
Result<std::unique_ptr<ledger::Ledger>> OpenMirror(RemoteLog& log, const std::string& data) {
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
  ASSIGN_OR_RETURN(Bytes genesis, log.Entry(0));
  ASSIGN_OR_RETURN(mirror, ledger::Ledger::CreateMirror(data, genesis));
  if (mirror->VerifierKey() != log.verifier_key()) {
    return Status::Corruption("the server's genesis names a different ledger key than its verifier key");
  }
  return mirror;
}

}  // namespace

Status Mirror() {
  const RemoteArgs& a = CommandArgs<RemoteArgs>();
  ASSIGN_OR_RETURN(std::unique_ptr<RemoteLog> log, RemoteLog::Connect(a.server, RemoteToken(a), a.verifier_key));
  ASSIGN_OR_RETURN(std::unique_ptr<ledger::Ledger> mirror, OpenMirror(*log, a.data));
  for (;;) {
    const uint64_t before = mirror->size();
    RETURN_IF_ERROR(MirrorOnce(*log, *mirror, a.quiet || a.json));
    if (mirror->size() > before || !a.follow) {
      if (a.json) {
        std::cout << json{{"origin", mirror->origin()}, {"size", mirror->size()}, {"added", mirror->size() - before}}.dump() << "\n";
      } else {
        std::cout << "mirrored " << mirror->size() << " entries of " << mirror->origin() << " (" << (mirror->size() - before)
                  << " new), every entry and checkpoint verified\n";
      }
      std::cout.flush();
    }
    if (!a.follow) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(a.interval_ms));
  }
}

}  // namespace creditlog::api
