// The duties agencies owe on what they record, each with its deadline: verifying the commitments
// they accepted (先证后核, 谁审批谁监管), handling objections (异议处理) within working days, and
// the 容缺受理 whose materials never came. Overdue duties are named failures of the agency on the
// integrity board (projections/integrity.h) and work lists for inspectors.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "projections/state.h"

namespace creditlog::projections {

// Whether the commitment `id` is drawn for verification at `percent` in a hundred: the first
// four bytes of SHA-256("creditlog-sample-v1" 0 id), big-endian, modulo 100, below `percent`.
// Anyone can recompute the draw from the id; nobody can choose which commitments escape it.
bool SampledForVerification(std::string_view commitment_id, int percent);

// The last day on which the accepting agency must verify `c`, under the ruleset in force on the
// day it was made (its verification key); none when it owes no verification: its kind has no
// duty, it was not drawn, or no ruleset was in force.
std::optional<Day> VerificationDueBy(const RulesetHistory& rulesets, const Commitment& c);

// The day a verification was done: the commitment verified, or found breached (a finding of
// verification); none before.
std::optional<Day> VerificationDone(const Commitment& c);

// A 容缺受理 (IncompleteAcceptance) whose deadline for the missing materials passed without them
// (CommitmentVerified by the deadline) and without a withdrawal by then is breached from the day
// after its deadline; none for any other commitment.
std::optional<Day> LapsedOn(const Commitment& c);

// The last working day for handling `o` (ruleset objection_handling_working_days after filing,
// by the calendar of the ruleset in force on the day of filing).
Day ObjectionDueBy(const RulesetHistory& rulesets, const Objection& o);

struct DueVerification {
  const SubjectState* subject = nullptr;
  const Commitment* commitment = nullptr;
  Day due_by = 0;
  bool overdue = false;  // due_by has passed
};

// 待核查: the verifications `agency` owes on `as_of` (made by then, not yet done, not withdrawn),
// overdue first, then by due date; every agency's when `agency` is "".
std::vector<DueVerification> DueVerifications(const State& state, std::string_view agency, Day as_of);
// The verification commitment `c` of subject `s` is owed on `as_of`, if it is.
std::optional<DueVerification> DueVerificationOf(const State& state, const SubjectState& s, const Commitment& c, Day as_of);

}  // namespace creditlog::projections
