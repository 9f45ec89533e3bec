// The full audit: everything an auditor checks, over the local ledger or an export file.
//
// For each entry in order: canonical form, seq = position, recorded time non-decreasing,
// stream versions counting up, the leaf hash (where one is stored), the author's signature
// for this ledger's origin, and the key registry as of that seq (replayed from the log).
// Then every checkpoint: its signature by the ledger key, its origin, and its root against
// the tree recomputed from the entries — so all checkpoints are consistent with one history.
// The first failure is reported as Corruption naming the seq (or checkpoint) and what failed.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/note.h"
#include "ledger/ledger.h"

namespace creditlog::ledger {

// Signatures are verified in chunks of this many entries spread over all cores.
inline constexpr size_t kAuditChunkEntries = 4096;

struct AuditReport {
  uint64_t entries = 0;
  uint64_t checkpoints = 0;
  uint64_t keys = 0;
  Hash root{};
  std::string origin;
};

using Progress = std::function<void(uint64_t done, uint64_t total)>;

// Audits a ledger directory's contents. Also checks RocksDB's checksums over every table file
// (Ledger::VerifyStorage), the stored tree nodes and event id index against the recomputed
// ones, and each checkpoint's consistency proof from the stored tree. (Opening the ledger has
// already checked it against the latest published checkpoint, DIR/checkpoint.)
Result<AuditReport> AuditLedger(const Ledger& ledger, const Progress& progress = {});

// Audits entries [0, size) read in order from `source` (e.g. a server's), trusting only
// `verifier_key`; `checkpoints` (size → signed note) must each match the recomputed tree.
using EntrySource = std::function<Status(uint64_t seq, Bytes* entry)>;
Result<AuditReport> AuditEntries(uint64_t size, std::string_view verifier_key,
                                 std::map<uint64_t, std::string> checkpoints, const EntrySource& source,
                                 const Progress& progress = {});

// Audits an export file trusting only `verifier_key` (name+hash+base64).
Result<AuditReport> AuditExport(const std::string& path, std::string_view verifier_key,
                                const Progress& progress = {});

}  // namespace creditlog::ledger
