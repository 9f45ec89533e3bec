// Judging the facts on a date: commitment states, penalty publicity, list memberships,
// measures and grade. Every derived fact names its rule, the ruleset version and the seqs
// of the events behind it, so an inspector can say why — and an auditor can prove it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "projections/state.h"
#include "projections/words.h"

namespace creditlog::projections {

Day AddMonths(Day day, int months);  // calendar months, clamped to the month's last day

struct Derived {
  std::string rule;            // e.g. "watch_list.breached_commitments"
  std::string ruleset_version;
  uint64_t ruleset_seq = 0;
  std::vector<uint64_t> seqs;  // the events behind it
  const Words* name = nullptr; // the rule's display name in the ruleset in force (in the state)
};

struct Membership {
  fb::ListKind list = fb::ListKind::Watch;
  Day since = 0;
  std::optional<Day> until;    // the last day on the list; none: until something changes
  std::string reason;          // English; the notice's own words for the serious list
  Derived why;
  std::string reason_zh;       // the same in Chinese
};

struct CommitmentView {
  const Commitment* commitment = nullptr;
  std::string state;           // open, fulfilled, breached, withdrawn, overdue
  std::optional<Day> lapsed;   // a 容缺受理 breached by its deadline passing (projections/duties.h)
  std::optional<Day> verify_by;  // the accepting agency's verification duty, when it owes one
  std::string verification;    // "" (no duty), due, overdue, done, done_late
};

// An objection and where its handling stands on the date.
struct ObjectionView {
  const Objection* objection = nullptr;
  Day due_by = 0;              // the last working day for handling it
  std::string state;           // pending, overdue, upheld, rejected
  bool late = false;           // handled, or still pending, after due_by
};

struct PenaltyView {
  const Penalty* penalty = nullptr;
  std::string state;           // in_publicity, expired, repaired, revoked, not_published (不予处罚)
  Day publicity_until = 0;
  Day repairable_from = 0;     // the minimum period ends
};

struct ContractView {
  const Contract* contract = nullptr;
  bool as_payer = true;
  int64_t outstanding_fen = 0; // due and unpaid on the date
  int64_t days_overdue = 0;
  bool paid_on_time = false;
};

// An event in the log that a rule does not let count, and why (due process, a term over the
// maximum, a repair whose conditions are not met).
struct Disregarded {
  uint64_t seq = 0;
  std::string rule;
  Words reason;
  const Words* name = nullptr; // the rule's display name
};

struct Profile {
  const SubjectState* subject = nullptr;
  Day as_of = 0;
  std::string ruleset_version;
  uint64_t ruleset_seq = 0;
  std::vector<CommitmentView> commitments;
  std::vector<PenaltyView> penalties;
  std::vector<ContractView> contracts;
  std::vector<Membership> lists;
  std::vector<std::pair<std::string, fb::ListKind>> measures;  // measure, the list that imposes it
  std::vector<const MeasureDetail*> measure_details;  // by measures' index: what each is (null: undescribed)
  std::vector<const MeasureApplication*> measures_applied;  // 联合奖惩反馈 on or before the date
  std::vector<ObjectionView> objections;                   // filed on or before the date
  char grade = 'B';
  std::string grade_rule;      // e.g. "grade.C.serious_penalty"
  std::string grade_reason;    // "rule: reason", English
  std::vector<uint64_t> grade_seqs;
  std::string grade_reason_zh; // the reason in Chinese, without the rule id
  const Words* grade_rule_name = nullptr;
  // The grade from published information only: the same rules without the lists kept for
  // officials (重点关注名单, 告知承诺 ineligibility), which the public may not learn of through
  // a grade either (docs/privacy.md).
  struct Grading {
    char grade = 'B';
    std::string rule, reason;
    std::vector<uint64_t> seqs;
    std::string reason_zh;
    const Words* name = nullptr;
  } published_grade;
  double rating_average = 0;
  size_t ratings = 0;
  std::vector<Disregarded> disregarded;
};

// A department's question before it grants something (联合奖惩 in its approval system): may
// `action` (a measure's scope, e.g. 政府采购, or a measure's name) be granted to the subject on
// the profile's date? Restricted when a restrictive measure in force concerns it; rewards that
// concern it are listed too. `may_list` says which lists the asker may learn of: a measure
// imposed by another list is left out.
struct CheckedMeasure {
  std::string measure;
  const MeasureDetail* detail = nullptr;  // null for a measure the ruleset does not describe
  const Membership* membership = nullptr; // the list membership that imposes it (in the profile)
};
struct ActionCheck {
  std::string action;
  bool restricted = false;
  std::vector<CheckedMeasure> restrictions, incentives;
};
ActionCheck CheckAction(const Profile& p, std::string_view action, const std::function<bool(fb::ListKind)>& may_list);

// NotFound for an unknown subject; InvalidArgument if no ruleset is in force on `as_of`.
Result<Profile> Evaluate(const State& state, std::string_view subject, Day as_of);
// Evaluate's refusal of a day: InvalidArgument if no ruleset is in force on `day`, else OK.
Status RulesetInForce(const State& state, Day day);
// The same for a subject already found in `state` (a search's hit): no second lookup by id.
// REQUIRES: `subject` is one of state's subjects.
Result<Profile> Evaluate(const State& state, const SubjectState& subject, Day as_of);

// False only when no evaluation, on any day and under any ruleset, can place `subject` on
// `kind`: it holds none of the records that list's rule starts from (a listing decision for the
// serious list; a general penalty or a breached commitment for the watch list; a serious
// penalty, a breached false commitment or a listing for 告知承诺 ineligibility; a contract it
// pays or a breached government commitment for 政务失信; a verified commitment for the red
// list). A whole list passes over such subjects without evaluating them; most of a city's
// subjects are on no list.
bool MayBeListed(const SubjectState& subject, fb::ListKind kind);

}  // namespace creditlog::projections
