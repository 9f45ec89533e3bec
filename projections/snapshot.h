// A snapshot of the projection: the folded state written to a file beside the log, so that a
// process that needs the state (the server, the admission rules of every writer, the
// inspectors' commands) reads it and folds only the entries recorded since, instead of the
// whole history. At two million subjects the fold takes minutes; the snapshot seconds.
//
// A snapshot is a cache, never a source of truth: it is used only when it is whole (its
// SHA-256 checks), was written by a build that folds exactly as this one does (FoldVersion),
// belongs to this log at its size (origin, size and the tree's root there) and is signed by
// the ledger's checkpoint key (someone with the disk but not the key cannot put a State of
// their making in front of the server). Otherwise it is refused with the reason and the log
// is folded from the start. Format: docs/format.md, "Projection snapshot".
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "crypto/ed25519.h"
#include "ledger/ledger.h"
#include "projections/build.h"
#include "projections/state.h"

namespace creditlog::projections {

// A snapshot file is at most this large (about 600 bytes a subject: 2 million subjects take
// some 1.2 GiB).
inline constexpr size_t kSnapshotBytesMax = size_t{16} << 30;
// The server writes a new snapshot when it starts this many entries or more past the one it
// read (or read none), and when it stops past it.
inline constexpr uint64_t kSnapshotRefreshEntries = 100'000;

// The fold's version: SHA-256 over the sources that decide how the log folds into a State
// (base/, events/, ledger/, projections/), computed by cmake/fold_version.cmake when they
// change. A snapshot written by a build of another version is refused.
std::string_view FoldVersion();

// The purpose of a snapshot's signature (crypto/ed25519.h, SignDomain).
inline constexpr std::string_view kPurposeProjectionSnapshot = "creditlog/projection-snapshot/v1";

// Writes `state` (folded from `ledger`: state.applied() ≤ ledger.size()) to `path`, durably
// (base/file.h), signed with `ledger_key`, the ledger's checkpoint key (PermissionDenied for
// another). An empty state is not written (there is nothing to save).
Status WriteSnapshot(const std::string& path, const ledger::Ledger& ledger, const State& state, const KeyPair& ledger_key);

// The state in the snapshot at `path`: NotFound without one, Corruption if it is damaged or
// malformed or its signature is not the ledger key's, Conflict if it is of another build or
// another log, or holds entries the log does not (a log restored from an older backup).
// `searchable`: whether the state keeps a search index (State::FromSnapshot).
Result<State> ReadSnapshot(const std::string& path, const ledger::Ledger& ledger, Searchable searchable = Searchable::kYes);

// How BuildStateFromSnapshot began: from the snapshot's entries, or from the start and why.
struct FoldStart {
  uint64_t from = 0;    // entries read from the snapshot; 0 when folded from the start
  std::string refused;  // why a snapshot present was not used; "" if none was present or it was used
};

// The state of entries [0, size) of `ledger`: the snapshot at `path` (when "" or unusable, see
// ReadSnapshot, or past `size`: from the start) caught up with the entries after it. `observer`
// is told of each entry folded after the snapshot; a snapshot of more than `snapshot_max`
// entries is not used (the observer wants the entries after that).
Result<State> BuildStateFromSnapshot(const ledger::Ledger& ledger, uint64_t size, const std::string& path,
                                     const std::function<void(uint64_t, uint64_t)>& progress = {},
                                     FoldStart* start = nullptr, Searchable searchable = Searchable::kYes,
                                     FoldObserver* observer = nullptr, uint64_t snapshot_max = UINT64_MAX);

}  // namespace creditlog::projections
