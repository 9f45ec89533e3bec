#include "projections/duties.h"

#include <algorithm>

#include "crypto/sha256.h"

namespace creditlog::projections {
namespace {

const Ruleset& RulesOn(const RulesetHistory& rulesets, Day day) {
  static const Ruleset kDefault;
  const RulesetHistory::Adopted* adopted = rulesets.At(day);
  return adopted ? adopted->rules : kDefault;
}

}  // namespace

bool SampledForVerification(std::string_view commitment_id, int percent) {
  if (percent >= 100) return true;
  if (percent <= 0) return false;
  Sha256Stream h;
  static constexpr std::string_view kDomain("creditlog-sample-v1\0", 20);
  h.Update(AsBytes(kDomain));
  h.Update(AsBytes(commitment_id));
  const Hash digest = h.Finish();
  const uint32_t draw = (uint32_t{digest[0]} << 24) | (uint32_t{digest[1]} << 16) | (uint32_t{digest[2]} << 8) | digest[3];
  return static_cast<int>(draw % 100) < percent;
}

std::optional<Day> VerificationDueBy(const RulesetHistory& rulesets, const Commitment& c) {
  const RulesetHistory::Adopted* adopted = rulesets.At(c.made);
  if (adopted == nullptr) return std::nullopt;
  const VerificationDuty& duty = adopted->rules.verification[static_cast<size_t>(c.type)];
  if (duty.sampling_percent <= 0 || !SampledForVerification(c.id, duty.sampling_percent)) return std::nullopt;
  return c.made + duty.within_days;
}

std::optional<Day> VerificationDone(const Commitment& c) {
  if (c.verified && c.breached) return std::min(*c.verified, *c.breached);
  return c.verified ? c.verified : c.breached;
}

std::optional<Day> LapsedOn(const Commitment& c) {
  if (c.type != fb::CommitmentType::IncompleteAcceptance || c.breached) return std::nullopt;
  if (c.verified && *c.verified <= c.deadline) return std::nullopt;
  if (c.withdrawn && *c.withdrawn <= c.deadline) return std::nullopt;
  return c.deadline + 1;
}

Day ObjectionDueBy(const RulesetHistory& rulesets, const Objection& o) {
  const Ruleset& r = RulesOn(rulesets, o.filed);
  return r.calendar.WorkingDaysAfter(o.filed, r.objection_handling_working_days);
}

std::optional<DueVerification> DueVerificationOf(const State& state, const SubjectState& s, const Commitment& c, Day as_of) {
  if (c.made > as_of) return std::nullopt;
  const std::optional<Day> due = VerificationDueBy(state.rulesets(), c);
  if (!due) return std::nullopt;
  const std::optional<Day> done = VerificationDone(c);
  if (done && *done <= as_of) return std::nullopt;
  if (c.withdrawn && *c.withdrawn <= as_of) return std::nullopt;
  return DueVerification{&s, &c, *due, as_of > *due};
}

std::vector<DueVerification> DueVerifications(const State& state, std::string_view agency, Day as_of) {
  std::vector<DueVerification> out;
  state.ForEachSubject([&](const SubjectState& s) {
    for (const Commitment& c : s.commitments) {
      if (!agency.empty() && c.accepting_agency != agency) continue;
      if (auto owed = DueVerificationOf(state, s, c, as_of)) out.push_back(*owed);
    }
  });
  // The subjects came in no order: ties go by subject id, then the commitments' order in it.
  std::sort(out.begin(), out.end(), [](const DueVerification& a, const DueVerification& b) {
    if (a.overdue != b.overdue) return a.overdue;
    if (a.due_by != b.due_by) return a.due_by < b.due_by;
    if (a.subject != b.subject) return a.subject->id < b.subject->id;
    return std::less<const Commitment*>()(a.commitment, b.commitment);  // within one subject's vector
  });
  return out;
}

}  // namespace creditlog::projections
