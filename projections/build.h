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

}  // namespace creditlog::projections
