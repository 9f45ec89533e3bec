// Folding the log into the projection state: from scratch (rebuild) or up to a seq (as-of).
#pragma once

#include <functional>
#include <vector>

#include "ledger/ledger.h"
#include "projections/state.h"

namespace creditlog::projections {

// Told of each entry a fold applies, just before and just after it (with the state as it is
// then, and the entry's recorded time): the list changes of a cluster (projections/list_changes.h).
// Called on the folding thread with the state held; must not block.
class FoldObserver {
 public:
  virtual ~FoldObserver() = default;
  virtual void Before(const State& state, const fb::Event& event, uint64_t seq, int64_t recorded_at_ms) = 0;
  virtual void After(const State& state, const fb::Event& event, uint64_t seq, int64_t recorded_at_ms) = 0;
};

// Folds entries [0, size) of `ledger`. Each entry is parsed (and checked canonical) on read;
// signatures are the audit's business, not the projection's.
Result<State> BuildState(const ledger::Ledger& ledger, uint64_t size,
                         const std::function<void(uint64_t, uint64_t)>& progress = {});

// InvalidArgument unless a fold from `from` entries to `to` is possible in a log of `logged`
// entries: `to` within the log, and not behind `from` (a state already past it).
Status CheckFoldRange(uint64_t from, uint64_t to, uint64_t logged);

// Brings `state` from its tracked position (state.applied()) up to `size`: the live
// projection, caught up before a query is answered. Folding in steps gives the same state
// as one rebuild (tests/projections_story_test.cc checks the digests).
Status CatchUp(const ledger::Ledger& ledger, uint64_t size, State* state,
               const std::function<void(uint64_t, uint64_t)>& progress = {}, FoldObserver* observer = nullptr);

// The most entries a live projection reads ahead of folding them (EntriesRead): ~0.5 KiB each.
inline constexpr uint64_t kFoldReadAheadEntriesMax = 4096;

// Entries read from the log and checked as CatchUp checks them, to be folded later. Reading
// and checking (FlatBuffers verification, two canonical re-encodings per entry) needs no hold
// on the state, so the server reads while queries go on reading the state and takes it only
// to fold (api/http/live_projection.h).
class EntriesRead {
 public:
  // Entries [from, to) of `ledger`: InvalidArgument for a range beyond it, Corruption for an
  // entry that does not parse.
  static Result<EntriesRead> Read(const ledger::Ledger& ledger, uint64_t from, uint64_t to);

  uint64_t from() const { return from_; }
  uint64_t end() const { return from_ + event_at_.size(); }

  // Folds them into `state`, which must hold exactly the entries before from() (InvalidArgument
  // otherwise, the state unchanged); an entry the state refuses stops there, as CatchUp does.
  // `observer`, when given, is told of each entry.
  Status ApplyTo(State* state, FoldObserver* observer = nullptr) const;

 private:
  uint64_t from_ = 0;
  // The entries' bytes, one after another at offsets aligned as a heap buffer is (FlatBuffers
  // reads scalars in place), and where each one's nested Event buffer begins in them.
  Bytes bytes_;
  std::vector<size_t> event_at_;
  std::vector<int64_t> recorded_at_ms_;  // each entry's
};

}  // namespace creditlog::projections
