// Proof files of entries: a C2SP tlog-proof (crypto/tlog_proof.h) whose extra data is the
// entry's bytes (the leaf: MerkleLeafHash(extra) is in the tree), its index the entry's seq, and
// its checkpoint the ledger's, with the witnesses' cosignatures when it has them
// (docs/format.md, "Proof files"). `prove inclusion --bundle` makes one, `check-proof bundle`
// checks one with no ledger; report bundles can carry them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/note.h"
#include "crypto/policy.h"
#include "crypto/tlog_proof.h"
#include "ledger/ledger.h"

namespace creditlog::api {

struct EntryBundle {
  TlogProof proof;
  Checkpoint checkpoint;               // the proof's checkpoint, parsed
  bool witnessed = false;              // it is DIR/witnessed-checkpoint's
  std::vector<std::string> cosigners;  // the key names of its signature lines but the log's (unverified)
};

// The key names on a checkpoint note's signature lines other than the log's `origin`: its
// cosigners, not checked here (a policy checks them).
std::vector<std::string> CosignerNames(const std::string& note, const std::string& origin);

// DATA/witnessed-checkpoint (api/client/witnessing.h): a server with a witness policy keeps
// there the latest checkpoint its quorum cosigned, with the cosignatures. nullopt when there is
// none. Read it before opening the ledger beside a running server: a checkpoint witnessed since
// would be larger than the tree the ledger was opened at.
Result<std::optional<std::string>> ReadWitnessedCheckpoint(const std::string& data);

// Entry `seq` with its inclusion proof in the tree of a checkpoint note the ledger has: the
// witnessed checkpoint (ReadWitnessedCheckpoint; `witnessed_path` names it in errors) when it
// covers `seq`, else the latest checkpoint; with `size`, the witnessed or a stored checkpoint of
// that size. InvalidArgument when there is none such (a proof file carries a signed checkpoint);
// Corruption when the witnessed checkpoint is not this ledger's tree, or the proof made does not
// verify.
Result<EntryBundle> MakeEntryBundle(const ledger::Ledger& ledger, const std::optional<std::string>& witnessed,
                                    const std::string& witnessed_path, uint64_t seq, std::optional<uint64_t> size);

struct CheckedBundle {
  WitnessedCheckpoint checkpoint;  // cosigners: the policy's witnesses whose cosignatures verified
  Hash leaf_hash{};
  int64_t recorded_at_ms = 0;      // the entry's
};

// check-proof bundle's checks, in this order: the extra data is a ledger entry (ParseEntry)
// whose seq is the index; the checkpoint is signed by `log` with its origin; each cosignature by
// a witness of `policy` verifies; the entry's leaf hash is at the index in the checkpoint's
// tree; with a policy, its quorum cosigned. Corruption naming the first that does not hold.
Result<CheckedBundle> CheckEntryBundle(const TlogProof& proof, const NoteVerifier& log,
                                       const std::optional<WitnessPolicy>& policy);

}  // namespace creditlog::api
