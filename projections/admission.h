// The rules a new event must pass against everything recorded before it, checked when it is
// recorded (docs/events.md, "Refused against the log"): subjects registered and named as
// registered, dates not after the day of recording, references to records that exist and are
// not recorded twice, due process for the serious-dishonesty list, 告知承诺 only from an
// eligible subject, a penalty decided by the agency that signs it, rulesets that parse.
//
// Admission is the ledger's AppendGuard (ledger/ledger.h): it folds the log as it admits, so
// that each event is checked against every event before it, those of its own group commit
// included. Either its fold is its own whole State (record, import, demo), or it is an overlay
// (State::Overlay) of a State another thread folds from the committed entries and shares (the
// server's projection): only the subjects and contracts of the entries that projection has not
// yet folded are copied. Every refusal is InvalidArgument or Conflict and names the field at
// fault.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ledger/ledger.h"
#include "projections/snapshot.h"
#include "projections/state.h"

namespace creditlog::projections {

// Whether `event`, recorded on `today` (China Standard Time) and signed by a key of `agency`,
// may follow the events folded into `state`.
Status CheckAdmissible(const State& state, const fb::Event& event, Day today, std::string_view agency);

// A State folded from the ledger's committed entries by another thread and shared under a lock.
class SharedState {
 public:
  virtual ~SharedState() = default;
  // Calls fn on the state as it is, under the lock that keeps its folding out, without
  // catching it up; Unavailable, without calling fn, when the state is gone.
  virtual Status Peek(const std::function<void(const State&)>& fn) = 0;
  virtual bool attached() const = 0;  // false: gone, Peek is Unavailable from now on
};

class Admission : public ledger::AppendGuard {
 public:
  // Folds `ledger` as it is now, then guards its appends: install it before anything else
  // appends. Every writer (record, import, serve, demo) goes through it. With a
  // `snapshot_path`, the fold starts from the projection snapshot there when it is usable
  // (projections/snapshot.h); `start` tells how it began.
  static Status Install(ledger::Ledger& ledger, const std::function<void(uint64_t, uint64_t)>& progress = {},
                        const std::string& snapshot_path = "", FoldStart* start = nullptr);

  explicit Admission(State state) : state_(std::move(state)) {}
  // Admission over `shared`, which is `now` (the ledger's whole log folded: nothing appends
  // meanwhile) and is folded on from the ledger's committed entries. The overlay drops what
  // `shared` has folded once it holds more than `overlay_keys_max` subjects and contracts.
  Admission(std::shared_ptr<SharedState> shared, const State& now, size_t overlay_keys_max = kOverlayKeysMax)
      : state_(State::Overlay(now)), shared_(std::move(shared)), overlay_keys_max_(overlay_keys_max) {}
  Status Admit(const fb::Event& event, uint64_t seq, int64_t recorded_at_ms, std::string_view agency) override;
  bool active() const override { return shared_ == nullptr || shared_->attached(); }

 private:
  Status AdmitTo(const fb::Event& event, uint64_t seq, int64_t recorded_at_ms, std::string_view agency);

  State state_;  // touched only by the ledger's writer thread; an overlay of shared_'s with one
  const std::shared_ptr<SharedState> shared_;
  const size_t overlay_keys_max_ = kOverlayKeysMax;
};

}  // namespace creditlog::projections
