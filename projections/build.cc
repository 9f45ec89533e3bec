#include "projections/build.h"

#include "ledger/entry.h"

namespace creditlog::projections {

// Progress is reported every this many entries.
constexpr uint64_t kProgressEveryEntries = 65536;

Status CatchUp(const ledger::Ledger& ledger, uint64_t size, State* state,
               const std::function<void(uint64_t, uint64_t)>& progress) {
  if (size > ledger.size()) {
    return Status::InvalidArgument("seq " + std::to_string(size - 1) + " is beyond the ledger (size " +
                                   std::to_string(ledger.size()) + ")");
  }
  if (size < state->applied()) return Status::InvalidArgument("the projection is already past size " + std::to_string(size));
  // Each entry comes parsed by the read that verified it: one parse per entry, also when a query
  // catches the live projection up.
  RETURN_IF_ERROR(ledger.ForEachEntryView(state->applied(), size, [&](const ledger::EntryView& view, ByteView) -> Status {
    const uint64_t seq = view.seq;
    RETURN_IF_ERROR(state->Apply(*view.envelope.event, seq));
    if (progress && (seq + 1) % kProgressEveryEntries == 0) progress(seq + 1, size);
    return Status::Ok();
  }));
  if (progress) progress(size, size);
  return Status::Ok();
}

Result<State> BuildState(const ledger::Ledger& ledger, uint64_t size,
                         const std::function<void(uint64_t, uint64_t)>& progress) {
  State state;
  RETURN_IF_ERROR(CatchUp(ledger, size, &state, progress));
  return state;
}

}  // namespace creditlog::projections
