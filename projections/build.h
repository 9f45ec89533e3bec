// Folding the log into the projection state: from scratch (rebuild) or up to a seq (as-of).
#pragma once

#include <functional>

#include "ledger/ledger.h"
#include "projections/state.h"

namespace creditlog::projections {

// Folds entries [0, size) of `ledger`. Each entry is parsed (and checked canonical) on read;
// signatures are the audit's business, not the projection's.
Result<State> BuildState(const ledger::Ledger& ledger, uint64_t size,
                         const std::function<void(uint64_t, uint64_t)>& progress = {});

// Brings `state` from its tracked position (state.applied()) up to `size`: the live
// projection, caught up before a query is answered. Folding in steps gives the same state
// as one rebuild (tests/projections_story_test.cc checks the digests).
Status CatchUp(const ledger::Ledger& ledger, uint64_t size, State* state,
               const std::function<void(uint64_t, uint64_t)>& progress = {});

}  // namespace creditlog::projections
