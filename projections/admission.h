// The rules a new event must pass against everything recorded before it, checked when it is
// recorded (docs/events.md, "Refused against the log"): subjects registered and named as
// registered, dates not after the day of recording, references to records that exist and are
// not recorded twice, due process for the serious-dishonesty list, 告知承诺 only from an
// eligible subject, a penalty decided by the agency that signs it, rulesets that parse.
//
// Admission is the ledger's AppendGuard (ledger/ledger.h): it keeps its own fold of the log,
// so that each event is checked against every event before it, those of its own group commit
// included. Every refusal is InvalidArgument or Conflict and names the field at fault.
#pragma once

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

class Admission : public ledger::AppendGuard {
 public:
  // Folds `ledger` as it is now, then guards its appends: install it before anything else
  // appends. Every writer (record, import, serve, demo) goes through it. With a
  // `snapshot_path`, the fold starts from the projection snapshot there when it is usable
  // (projections/snapshot.h); `start` tells how it began.
  static Status Install(ledger::Ledger& ledger, const std::function<void(uint64_t, uint64_t)>& progress = {},
                        const std::string& snapshot_path = "", FoldStart* start = nullptr);

  explicit Admission(State state) : state_(std::move(state)) {}
  Status Admit(const fb::Event& event, uint64_t seq, int64_t recorded_at_ms, std::string_view agency) override;

 private:
  State state_;  // touched only by the ledger's writer thread
};

}  // namespace creditlog::projections
