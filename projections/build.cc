#include "projections/build.h"

#include <algorithm>

#include "ledger/entry.h"

namespace creditlog::projections {

// Progress is reported every this many entries.
constexpr uint64_t kProgressEveryEntries = 65536;

Status CheckFoldRange(uint64_t from, uint64_t to, uint64_t logged) {
  if (to > logged) {
    return Status::InvalidArgument("seq " + std::to_string(to - 1) + " is beyond the ledger (size " + std::to_string(logged) + ")");
  }
  if (to < from) return Status::InvalidArgument("the projection is already past size " + std::to_string(to));
  return Status::Ok();
}

Status CatchUp(const ledger::Ledger& ledger, uint64_t size, State* state,
               const std::function<void(uint64_t, uint64_t)>& progress, FoldObserver* observer) {
  RETURN_IF_ERROR(CheckFoldRange(state->applied(), size, ledger.size()));
  // Each entry comes parsed by the read that verified it: one parse per entry, also when a query
  // catches the live projection up.
  RETURN_IF_ERROR(ledger.ForEachEntryView(state->applied(), size, [&](const ledger::EntryView& view, ByteView) -> Status {
    const uint64_t seq = view.seq;
    if (observer != nullptr) observer->Before(*state, *view.envelope.event, seq, view.recorded_at_ms);
    RETURN_IF_ERROR(state->Apply(*view.envelope.event, seq));
    if (observer != nullptr) observer->After(*state, *view.envelope.event, seq, view.recorded_at_ms);
    if (progress && (seq + 1) % kProgressEveryEntries == 0) progress(seq + 1, size);
    return Status::Ok();
  }));
  if (progress) progress(size, size);
  return Status::Ok();
}

namespace {

// Each entry starts at a multiple of this in an EntriesRead's buffer, whose storage comes from
// operator new: aligned as the buffer each entry was checked in.
constexpr size_t kEntryAlign = __STDCPP_DEFAULT_NEW_ALIGNMENT__;

size_t Aligned(size_t n) { return (n + kEntryAlign - 1) / kEntryAlign * kEntryAlign; }

}  // namespace

Result<EntriesRead> EntriesRead::Read(const ledger::Ledger& ledger, uint64_t from, uint64_t to) {
  RETURN_IF_ERROR(CheckFoldRange(from, to, ledger.size()));
  EntriesRead read;
  read.from_ = from;
  read.event_at_.reserve(to - from);
  read.recorded_at_ms_.reserve(to - from);
  RETURN_IF_ERROR(ledger.ForEachEntryView(from, to, [&](const ledger::EntryView& view, ByteView bytes) -> Status {
    // Each checked entry is appended at an aligned offset; its nested Event is found again at the
    // same place within it (FlatBuffers offsets are relative), so folding parses nothing twice.
    // The vector may move as it grows: offsets, not pointers, are kept.
    const size_t at = Aligned(read.bytes_.size());
    read.bytes_.resize(at + bytes.size());
    std::copy(bytes.begin(), bytes.end(), read.bytes_.begin() + static_cast<ptrdiff_t>(at));
    read.event_at_.push_back(at + static_cast<size_t>(view.envelope.event_bytes.data() - bytes.data()));
    read.recorded_at_ms_.push_back(view.recorded_at_ms);
    return Status::Ok();
  }));
  return read;
}

Status EntriesRead::ApplyTo(State* state, FoldObserver* observer) const {
  if (state->applied() != from_) {
    return Status::InvalidArgument("entries read from seq " + std::to_string(from_) + " cannot be folded into a state of " +
                                   std::to_string(state->applied()) + " entries");
  }
  for (size_t i = 0; i < event_at_.size(); ++i) {
    const fb::Event& event = *fb::GetEvent(bytes_.data() + event_at_[i]);
    if (observer != nullptr) observer->Before(*state, event, from_ + i, recorded_at_ms_[i]);
    RETURN_IF_ERROR(state->Apply(event, from_ + i));
    if (observer != nullptr) observer->After(*state, event, from_ + i, recorded_at_ms_[i]);
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
