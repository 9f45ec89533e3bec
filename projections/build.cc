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

Result<EntriesRead> EntriesRead::Read(const ledger::Ledger& ledger, uint64_t from, uint64_t to) {
  if (to > ledger.size() || from > to) {
    return Status::InvalidArgument("entries [" + std::to_string(from) + ", " + std::to_string(to) +
                                   ") are not in the ledger (size " + std::to_string(ledger.size()) + ")");
  }
  EntriesRead read;
  read.from_ = from;
  read.entries_.reserve(to - from);
  read.event_at_.reserve(to - from);
  RETURN_IF_ERROR(ledger.ForEachEntryView(from, to, [&](const ledger::EntryView& view, ByteView bytes) -> Status {
    // The checked entry is copied whole into a buffer of its own, aligned as the one it was
    // checked in; its nested Event is found again at the same place (FlatBuffers offsets are
    // relative), so folding it parses nothing twice.
    read.entries_.emplace_back(bytes.begin(), bytes.end());
    read.event_at_.push_back(static_cast<size_t>(view.envelope.event_bytes.data() - bytes.data()));
    return Status::Ok();
  }));
  return read;
}

Status EntriesRead::ApplyTo(State* state) const {
  if (state->applied() != from_) {
    return Status::InvalidArgument("entries read from seq " + std::to_string(from_) + " cannot be folded into a state of " +
                                   std::to_string(state->applied()) + " entries");
  }
  for (size_t i = 0; i < entries_.size(); ++i) {
    RETURN_IF_ERROR(state->Apply(*fb::GetEvent(entries_[i].data() + event_at_[i]), from_ + i));
  }
  return Status::Ok();
}

Result<State> BuildState(const ledger::Ledger& ledger, uint64_t size,
                         const std::function<void(uint64_t, uint64_t)>& progress) {
  State state;
  RETURN_IF_ERROR(CatchUp(ledger, size, &state, progress));
  return state;
}

}  // namespace creditlog::projections
