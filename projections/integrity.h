// The government-integrity board (政务诚信): public bodies compared on keeping their own
// promises — government commitments fulfilled, commitments overdue, contract arrears, service
// ratings — and ranked.
#pragma once

#include <string>
#include <vector>

#include "projections/civil_servant.h"
#include "projections/state.h"
#include "projections/words.h"

namespace creditlog::projections {

struct IntegrityRow {
  std::string subject;
  std::string name;
  int fulfilled = 0;
  int breached = 0;
  int overdue = 0;               // deadline passed, neither fulfilled nor breached
  double fulfilment_rate = 1.0;  // fulfilled / (fulfilled + breached + overdue); 1 when none are due
  int64_t arrears_fen = 0;       // due and unpaid
  int64_t arrears_days_max = 0;  // age of the oldest unpaid amount
  double rating_average = 0;
  size_t ratings = 0;
  int rank = 0;                  // 1 = best
  std::vector<uint64_t> seqs;    // the commitments and contracts behind the figures
  // Duties the body owes and has let pass (projections/duties.h), each a named rule:
  // integrity.verification_overdue (a commitment it accepted, not verified in time: 谁审批谁监管)
  // integrity.objection_overdue (an objection it handles, not handled in time) and
  // integrity.rectification_overdue (a 差评 of its service not rectified in time).
  struct Failure {
    std::string rule;
    int count = 0;
    std::vector<uint64_t> seqs;
    const Words* name = nullptr;
  };
  std::vector<Failure> failures;
  int failure_count() const;
  // Its civil servants' files, counted (projections/civil_servant.h); none below the minimum.
  std::optional<StaffRollUp> staff;
};

// Public bodies are SubjectRegistered as PublicBody or hold a USCC of authority 1 (机关,
// 事业单位). Ranked by fulfilment rate, then fewer failures, then smaller arrears, then higher rating, then USCC.
std::vector<IntegrityRow> IntegrityBoard(const State& state, Day as_of);

}  // namespace creditlog::projections
