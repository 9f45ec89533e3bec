#include "projections/evaluate.h"

#include <algorithm>

#include "projections/due_process.h"
#include "projections/duties.h"

namespace creditlog::projections {
namespace {

std::string Date(Day d) { return events::DateFromDays(d); }

void Append(std::vector<uint64_t>* out, const std::vector<uint64_t>& seqs) { out->insert(out->end(), seqs.begin(), seqs.end()); }

class Judge {
 public:
  Judge(const State& state, const SubjectState& s, Day as_of, const RulesetHistory::Adopted& rules)
      : state_(state), s_(s), d_(as_of), adopted_(rules), r_(rules.rules) {}

  Profile Run();

 private:
  Derived Why(std::string rule, std::vector<uint64_t> seqs) const {
    std::sort(seqs.begin(), seqs.end());
    seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
    const Words* name = r_.NameOf(rule);
    return {std::move(rule), r_.version, adopted_.seq, std::move(seqs), name};
  }
  Disregarded Disregard(uint64_t seq, std::string rule, Words reason) const {
    const Words* name = r_.NameOf(rule);
    return {seq, std::move(rule), std::move(reason), name};
  }
  bool InWindow(Day day, int months) const { return day <= d_ && day > AddMonths(d_, -months); }
  std::string CommitmentState(const Commitment& c) const;
  bool RepairCommitted(const Repair& repair) const;
  std::optional<Day> BreachRepaired(const Commitment& c) const;
  std::optional<Day> PenaltyRepaired(const Penalty& p) const;
  PenaltyView ViewPenalty(const Penalty& p) const;
  std::optional<Words> ListingRepairDefect(const SeriousListing& l, const Notice& notice, const Repair& repair) const;
  void Commitments(Profile& out);
  void Objections(Profile& out);
  void Penalties(Profile& out);
  void Contracts(Profile& out);
  void SeriousList(Profile& out);
  void WatchList(Profile& out);
  void Ineligibility(Profile& out);
  void GovernmentDishonesty(Profile& out);
  void RedList(Profile& out);
  Profile::Grading Grade(const Profile& out, bool published_only) const;

  const State& state_;
  const SubjectState& s_;
  Day d_;
  const RulesetHistory::Adopted& adopted_;
  const Ruleset& r_;
};

// The day a commitment counts as breached: recorded, or a 容缺受理 whose deadline lapsed.
std::optional<Day> BreachedOn(const Commitment& c) { return c.breached ? std::optional<Day>(c.breached) : LapsedOn(c); }

std::string Judge::CommitmentState(const Commitment& c) const {
  if (const auto lapsed = LapsedOn(c); lapsed && *lapsed <= d_) return "breached";
  if (c.verified && *c.verified <= d_) return "fulfilled";
  if (c.breached && *c.breached <= d_) return "breached";
  if (c.withdrawn && *c.withdrawn <= d_) return "withdrawn";
  if (c.deadline < d_) return "overdue";
  return "open";
}

// The repair application names a credit commitment the subject made by the decision.
bool Judge::RepairCommitted(const Repair& repair) const {
  for (const Commitment& c : s_.commitments) {
    if (c.id == repair.commitment_id && c.made <= *repair.decided) return true;
  }
  return false;
}

// A breached commitment stops counting against the subject once an approved repair of it,
// resting on a new credit commitment, is decided.
std::optional<Day> Judge::BreachRepaired(const Commitment& c) const {
  for (const Repair& repair : s_.rare->repairs) {
    if (repair.target == c.id && repair.approved && repair.decided && *repair.decided <= d_ && RepairCommitted(repair)) {
      return repair.decided;
    }
  }
  return std::nullopt;
}

// An approved repair counts from its decision, and only once the minimum publicity period
// has passed, the penalty's obligations were fulfilled and a credit commitment was made
// (信用修复管理办法).
std::optional<Day> Judge::PenaltyRepaired(const Penalty& p) const {
  if (!p.published()) return std::nullopt;
  const Day minimum_end = AddMonths(p.decided, r_.penalty_publicity[static_cast<int>(p.severity)].min_months);
  for (const Repair& repair : s_.rare->repairs) {
    if (repair.target != p.decision_number || !repair.approved || !repair.decided || *repair.decided > d_) continue;
    if (*repair.decided < minimum_end || !p.fulfilled || *p.fulfilled > *repair.decided) continue;
    if (!RepairCommitted(repair)) continue;
    return repair.decided;
  }
  return std::nullopt;
}

PenaltyView Judge::ViewPenalty(const Penalty& p) const {
  const Period& period = r_.penalty_publicity[static_cast<int>(p.severity)];
  PenaltyView v{&p, "", AddMonths(p.decided, period.max_months), AddMonths(p.decided, period.min_months)};
  if (!p.published()) {
    v.state = "not_published";  // 不予处罚: recorded and shown to inspectors, never published
  } else if (p.revoked && *p.revoked <= d_) {
    v.state = "revoked";
  } else if (PenaltyRepaired(p)) {
    v.state = "repaired";
  } else {
    v.state = d_ < v.publicity_until ? "in_publicity" : "expired";
  }
  return v;
}

void Judge::Commitments(Profile& out) {
  for (const Commitment& c : s_.commitments) {
    if (c.made > d_) continue;
    CommitmentView v{&c, CommitmentState(c), {}, VerificationDueBy(state_.rulesets(), c), ""};
    if (const auto lapsed = LapsedOn(c); lapsed && *lapsed <= d_) v.lapsed = lapsed;
    if (v.verify_by) {
      const std::optional<Day> done = VerificationDone(c);
      if (done && *done <= d_) {
        v.verification = *done > *v.verify_by ? "done_late" : "done";
      } else if (c.withdrawn && *c.withdrawn <= d_) {
        v.verification = "";
      } else {
        v.verification = d_ > *v.verify_by ? "overdue" : "due";
      }
    }
    out.commitments.push_back(std::move(v));
  }
}

void Judge::Objections(Profile& out) {
  for (const Objection& o : s_.rare->objections) {
    if (o.filed > d_) continue;
    ObjectionView v{&o, ObjectionDueBy(state_.rulesets(), o), "", false};
    if (o.resolved && *o.resolved <= d_) {
      v.state = o.upheld ? "upheld" : "rejected";
      v.late = *o.resolved > v.due_by;
    } else {
      v.state = d_ > v.due_by ? "overdue" : "pending";
      v.late = d_ > v.due_by;
    }
    out.objections.push_back(v);
  }
}

void Judge::Penalties(Profile& out) {
  for (const Penalty& p : s_.penalties) {
    if (p.decided <= d_) out.penalties.push_back(ViewPenalty(p));
  }
}

void Judge::Contracts(Profile& out) {
  auto view = [&](const std::string& id, bool as_payer) {
    const Contract* c = state_.FindContract(id);
    if (c == nullptr || c->signed_on > d_) return;
    const Contract::Arrears a = c->ArrearsOn(d_);
    ContractView v{c, as_payer, 0, 0, a.paid_on_time};
    if (a.outstanding_fen > 0 && a.oldest_due) {
      v.outstanding_fen = a.outstanding_fen;
      v.days_overdue = d_ - *a.oldest_due;
    }
    out.contracts.push_back(v);
  };
  for (const auto& id : s_.rare->contracts_as_payer) view(id, true);
  for (const auto& id : s_.rare->contracts_as_payee) view(id, false);
}

// A listing's repair ends it only after the early-exit period, with a credit commitment and
// every obligation of the penalties behind the notice fulfilled by the repair decision.
std::optional<Words> Judge::ListingRepairDefect(const SeriousListing& l, const Notice& notice, const Repair& repair) const {
  const Day earliest = AddMonths(l.decided, r_.serious_early_exit_after_months);
  const std::string months = std::to_string(r_.serious_early_exit_after_months);
  if (*repair.decided < earliest) {
    return Words{"repair " + repair.id + " decided on " + Date(*repair.decided) + ", before the early-exit period of " + months +
                     " months ends (" + Date(earliest) + ")",
                 "信用修复 " + repair.id + " 于 " + Date(*repair.decided) + " 决定，早于 " + months + " 个月的最短公示期届满（" +
                     Date(earliest) + "）"};
  }
  if (!RepairCommitted(repair)) {
    return Words{"repair " + repair.id + " rests on no credit commitment made by its decision",
                 "信用修复 " + repair.id + " 决定前主体未作出信用承诺"};
  }
  for (const std::string& related : notice.related) {
    const Penalty* p = s_.FindPenalty(related);
    if (p != nullptr && p->published() && !(p->fulfilled && *p->fulfilled <= *repair.decided)) {
      return Words{"repair " + repair.id + " decided on " + Date(*repair.decided) + " while the obligations of penalty " +
                       p->decision_number + " were not fulfilled",
                   "信用修复 " + repair.id + " 于 " + Date(*repair.decided) + " 决定时，行政处罚 " + p->decision_number +
                       " 规定的义务尚未履行完毕"};
    }
  }
  return std::nullopt;
}

// 严重失信: only by a lawful decision (projections/due_process.h); on the list from the decision
// to the last day of its term, unless it exits, is repaired, its penalty is revoked or an
// upheld objection corrects its notice (the first day of any of these is the first day off).
void Judge::SeriousList(Profile& out) {
  for (const SeriousListing& l : s_.rare->listings) {
    if (l.decided > d_) continue;
    const Notice* notice = nullptr;
    for (const Notice& n : s_.rare->notices) {
      if (n.id == l.notice_id) notice = &n;
    }
    if (notice == nullptr) {
      out.disregarded.push_back(Disregard(l.seqs.front(), "serious_list.notice",
                                          {"listing " + l.id + ": no notice " + l.notice_id + " to this subject",
                                           "列入决定 " + l.id + "：本主体无告知书 " + l.notice_id}));
      continue;
    }
    if (auto defect = ListingDefect(s_, state_.rulesets(), *notice, l.decided)) {
      out.disregarded.push_back(Disregard(l.seqs.front(), "serious_list.due_process",
                                          {"listing " + l.id + ": " + defect->en, "列入决定 " + l.id + "：" + defect->zh}));
      continue;
    }
    const Term term = TermOf(r_, l.decided, l.term_end);
    if (term.over_maximum) {
      out.disregarded.push_back(Disregard(l.seqs.front(), "serious_list.max_term_months",
                                          {"listing " + l.id + ": " + term.over_maximum->en,
                                           "列入决定 " + l.id + "：" + term.over_maximum->zh}));
    }
    Day first_off = term.last_day + 1;
    std::vector<uint64_t> seqs = l.seqs;
    Append(&seqs, notice->seqs);
    if (l.exited) first_off = std::min(first_off, *l.exited);
    if (notice->corrected) first_off = std::min(first_off, *notice->corrected);
    for (const Repair& repair : s_.rare->repairs) {
      if (repair.target != l.id || !repair.approved || !repair.decided || *repair.decided > d_) continue;
      if (auto defect = ListingRepairDefect(l, *notice, repair)) {
        out.disregarded.push_back(Disregard(repair.seqs.back(), "serious_list.repair", *defect));
        continue;
      }
      first_off = std::min(first_off, *repair.decided);
      Append(&seqs, repair.seqs);
    }
    for (const std::string& related : notice->related) {
      const Penalty* p = s_.FindPenalty(related);
      if (p != nullptr && p->revoked) {
        first_off = std::min(first_off, *p->revoked);
        Append(&seqs, p->seqs);
      }
    }
    if (d_ >= first_off) continue;
    out.lists.push_back({fb::ListKind::SeriousDishonesty, l.decided, first_off - 1, notice->reason,
                         Why(term.defaulted ? "serious_list.decision+default_term_months" : "serious_list.decision", seqs),
                         notice->reason});
  }
}

// 重点关注: from the day the triggers within the window first reach a threshold, until the
// window's length after the most recent trigger; a revoked or repaired penalty, a repaired
// breach and a 不予处罚 decision are not triggers.
void Judge::WatchList(Profile& out) {
  struct Trigger {
    Day day;
    bool penalty;
    const std::vector<uint64_t>* seqs;
  };
  std::vector<Trigger> triggers;
  for (const Penalty& p : s_.penalties) {
    if (p.severity == fb::Severity::General && p.published() && p.decided <= d_ && !(p.revoked && *p.revoked <= d_) &&
        !PenaltyRepaired(p)) {
      triggers.push_back({p.decided, true, &p.seqs});
    }
  }
  for (const Commitment& c : s_.commitments) {
    const std::optional<Day> breached = BreachedOn(c);
    if (breached && *breached <= d_ && !BreachRepaired(c)) triggers.push_back({*breached, false, &c.seqs});
  }
  std::stable_sort(triggers.begin(), triggers.end(), [](const Trigger& a, const Trigger& b) { return a.day < b.day; });
  const int months = r_.watch_window_months;
  auto qualifies = [&](size_t i) {  // do the triggers within the window ending on trigger i reach a threshold?
    int penalties = 0, breaches = 0;
    for (size_t j = 0; j <= i; ++j) {
      if (triggers[j].day <= AddMonths(triggers[i].day, -months)) continue;
      (triggers[j].penalty ? penalties : breaches) += 1;
    }
    return (r_.watch_general_penalties > 0 && penalties >= r_.watch_general_penalties) ||
           (r_.watch_breached_commitments > 0 && breaches >= r_.watch_breached_commitments);
  };
  std::optional<size_t> start;  // the trigger that began the current membership
  size_t last = 0;
  for (size_t i = 0; i < triggers.size(); ++i) {
    if (start && triggers[i].day >= AddMonths(triggers[last].day, months)) start.reset();  // it had ended
    if (start) {
      last = i;
    } else if (qualifies(i)) {
      start = i, last = i;
    }
  }
  if (!start || d_ >= AddMonths(triggers[last].day, months)) return;
  std::vector<uint64_t> seqs;
  int penalties = 0, breaches = 0;
  for (size_t j = 0; j <= last; ++j) {
    if (triggers[j].day <= AddMonths(triggers[*start].day, -months)) continue;
    Append(&seqs, *triggers[j].seqs);
    (triggers[j].penalty ? penalties : breaches) += 1;
  }
  std::string reason, reason_zh, rule;
  if (penalties > 0) {
    reason = std::to_string(penalties) + " general penalties";
    reason_zh = std::to_string(penalties) + " 次一般行政处罚";
    rule = "watch_list.general_penalties";
  }
  if (breaches > 0) {
    reason += (reason.empty() ? "" : ", ") + std::to_string(breaches) + " breached commitment(s)";
    reason_zh += (reason_zh.empty() ? "" : "、") + std::to_string(breaches) + " 次承诺违约";
    rule = rule.empty() ? "watch_list.breached_commitments" : rule + "+breached_commitments";
  }
  reason += " from " + Date(triggers[*start].day) + "; the most recent on " + Date(triggers[last].day) + ", window " +
            std::to_string(months) + " months";
  reason_zh = std::to_string(months) + " 个月内 " + reason_zh + "，自 " + Date(triggers[*start].day) + " 起，最近一次在 " +
              Date(triggers[last].day);
  out.lists.push_back({fb::ListKind::Watch, triggers[*start].day, AddMonths(triggers[last].day, months) - 1, reason,
                       Why(rule, seqs), reason_zh});
}

void Judge::Ineligibility(Profile& out) {
  for (const PenaltyView& v : out.penalties) {
    if (v.penalty->severity == fb::Severity::Serious && v.state == "in_publicity") {
      out.lists.push_back({fb::ListKind::NotificationIneligible, v.penalty->decided, v.publicity_until - 1,
                           "unrepaired serious penalty " + v.penalty->decision_number,
                           Why("notification_ineligibility.serious_penalty", v.penalty->seqs),
                           "严重行政处罚 " + v.penalty->decision_number + " 未修复"});
    }
  }
  for (const Commitment& c : s_.commitments) {
    if (c.false_commitment && c.breached && InWindow(*c.breached, r_.false_commitment_ineligible_months) && !BreachRepaired(c)) {
      out.lists.push_back({fb::ListKind::NotificationIneligible, *c.breached,
                           AddMonths(*c.breached, r_.false_commitment_ineligible_months) - 1,
                           "false commitment " + c.id, Why("notification_ineligibility.false_commitment", c.seqs),
                           "虚假承诺 " + c.id});
    }
  }
  for (const Membership& m : std::vector<Membership>(out.lists)) {
    if (m.list == fb::ListKind::SeriousDishonesty) {
      out.lists.push_back({fb::ListKind::NotificationIneligible, m.since, m.until, "on the serious-dishonesty list",
                           Why("notification_ineligibility.serious_list", m.why.seqs), "列入严重失信主体名单"});
    }
  }
}

void Judge::GovernmentDishonesty(Profile& out) {
  for (const ContractView& v : out.contracts) {
    const Contract& c = *v.contract;
    if (!v.as_payer) continue;
    const bool overdue = v.outstanding_fen > 0 && v.days_overdue > r_.payment_overdue_days;
    const bool arrears = c.arrears_recorded && *c.arrears_recorded <= d_ && !(c.arrears_cleared && *c.arrears_cleared <= d_);
    if (!overdue && !arrears) continue;
    const Day since = overdue ? d_ - v.days_overdue + r_.payment_overdue_days + 1 : *c.arrears_recorded;
    out.lists.push_back({fb::ListKind::GovernmentDishonesty, arrears ? std::min(since, *c.arrears_recorded) : since, std::nullopt,
                         "contract " + c.id + ": " + YuanText(v.outstanding_fen) + " 元 unpaid, " +
                             std::to_string(v.days_overdue) + " days overdue",
                         Why(overdue ? "government_dishonesty.payment_overdue" : "government_dishonesty.arrears_recorded", c.seqs),
                         "合同 " + c.id + "：" + YuanText(v.outstanding_fen) + " 元未支付，逾期 " + std::to_string(v.days_overdue) +
                             " 天"});
  }
  for (const Commitment& c : s_.commitments) {
    if (c.type == fb::CommitmentType::GovernmentService && c.breached && *c.breached <= d_ && !(c.verified && *c.verified <= d_)) {
      out.lists.push_back({fb::ListKind::GovernmentDishonesty, *c.breached, std::nullopt,
                           "breached government commitment " + c.id, Why("government_dishonesty.breached_commitment", c.seqs),
                           "政务服务承诺 " + c.id + " 违约"});
    }
  }
}

void Judge::RedList(Profile& out) {
  const int months = r_.red_window_months;
  std::vector<Day> fulfilled;
  std::vector<uint64_t> seqs;
  for (const Commitment& c : s_.commitments) {
    if (const auto breached = BreachedOn(c); breached && InWindow(*breached, months)) return;
    if (c.verified && InWindow(*c.verified, months)) {
      fulfilled.push_back(*c.verified);
      Append(&seqs, c.seqs);
    }
  }
  for (const Penalty& p : s_.penalties) {
    if (p.published() && p.severity != fb::Severity::Minor && InWindow(p.decided, months) && !(p.revoked && *p.revoked <= d_)) return;
  }
  for (const ContractView& v : out.contracts) {
    const Contract& c = *v.contract;
    if (v.as_payer && ((c.arrears_recorded && InWindow(*c.arrears_recorded, months)) || v.outstanding_fen > 0)) return;
  }
  if (r_.red_fulfilled_commitments <= 0 || static_cast<int>(fulfilled.size()) < r_.red_fulfilled_commitments) return;
  std::sort(fulfilled.begin(), fulfilled.end());
  const Day since = fulfilled[static_cast<size_t>(r_.red_fulfilled_commitments) - 1];
  const Day oldest_needed = fulfilled[fulfilled.size() - static_cast<size_t>(r_.red_fulfilled_commitments)];
  out.lists.push_back({fb::ListKind::Red, since, AddMonths(oldest_needed, months) - 1,
                       std::to_string(fulfilled.size()) + " commitments fulfilled within " + std::to_string(months) +
                           " months, no breach, no penalty above minor, no arrears",
                       Why("red_list", seqs),
                       std::to_string(months) + " 个月内履行承诺 " + std::to_string(fulfilled.size()) +
                           " 项，无违约、无轻微以上行政处罚、无拖欠"});
}

// D: on the serious list, or a public body on 政务失信; C: on the watch list, or an unrepaired
// general or serious penalty in publicity; A: on the red list; B otherwise. With `published_only`,
// the lists that are not published are passed over.
Profile::Grading Judge::Grade(const Profile& out, bool published_only) const {
  auto on = [&](fb::ListKind list) -> const Membership* {
    if (published_only && !ListIsPublished(list)) return nullptr;
    for (const Membership& m : out.lists) {
      if (m.list == list) return &m;
    }
    return nullptr;
  };
  auto unrepaired = [&](fb::Severity severity) -> const PenaltyView* {
    for (const PenaltyView& v : out.penalties) {
      if (v.penalty->severity == severity && v.state == "in_publicity") return &v;
    }
    return nullptr;
  };
  auto set = [&](char grade, std::string rule, const std::string& reason, const std::string& reason_zh,
                 const std::vector<uint64_t>& seqs) {
    return Profile::Grading{grade, rule, rule + ": " + reason, seqs, reason_zh, r_.NameOf(rule)};
  };
  const bool public_body = s_.registered && s_.kind == fb::SubjectKind::PublicBody;
  if (const Membership* m = on(fb::ListKind::SeriousDishonesty)) {
    return set('D', "grade.D", "on the serious-dishonesty list", "列入严重失信主体名单", m->why.seqs);
  } else if (const Membership* g = public_body ? on(fb::ListKind::GovernmentDishonesty) : nullptr) {
    return set('D', "grade.D.government_dishonesty", "a public body on the 政务失信 list (" + g->reason + ")",
               "公共机构列入政务失信名单（" + g->reason_zh + "）", g->why.seqs);
  } else if (const Membership* w = on(fb::ListKind::Watch)) {
    return set('C', "grade.C", "on the watch list", "列入重点关注名单（" + w->reason_zh + "）", w->why.seqs);
  } else if (const PenaltyView* serious = unrepaired(fb::Severity::Serious)) {
    return set('C', "grade.C.serious_penalty", "unrepaired serious penalty " + serious->penalty->decision_number,
               "严重行政处罚 " + serious->penalty->decision_number + " 未修复", serious->penalty->seqs);
  } else if (const PenaltyView* general = unrepaired(fb::Severity::General)) {
    return set('C', "grade.C.general_penalty", "unrepaired general penalty " + general->penalty->decision_number,
               "一般行政处罚 " + general->penalty->decision_number + " 未修复", general->penalty->seqs);
  } else if (const Membership* red = on(fb::ListKind::Red)) {
    return set('A', "grade.A", "on the red list", "列入守信激励名单", red->why.seqs);
  }
  return set('B', "grade.B", "no list applies", "未列入任何名单", {});
}

Profile Judge::Run() {
  Profile out;
  out.subject = &s_;
  out.as_of = d_;
  out.ruleset_version = r_.version;
  out.ruleset_seq = adopted_.seq;
  Commitments(out);
  Objections(out);
  Penalties(out);
  Contracts(out);
  SeriousList(out);
  WatchList(out);
  Ineligibility(out);
  GovernmentDishonesty(out);
  RedList(out);
  Profile::Grading grading = Grade(out, false);
  out.grade = grading.grade;
  out.grade_rule = std::move(grading.rule);
  out.grade_reason = std::move(grading.reason);
  out.grade_seqs = std::move(grading.seqs);
  out.grade_reason_zh = std::move(grading.reason_zh);
  out.grade_rule_name = grading.name;
  out.published_grade = Grade(out, true);
  // Earliest first, so that each measure is attributed to the membership that imposed it first.
  std::stable_sort(out.lists.begin(), out.lists.end(), [](const Membership& x, const Membership& y) { return x.since < y.since; });
  for (const Membership& m : out.lists) {
    for (const std::string& measure : r_.measures[static_cast<size_t>(m.list)]) {
      const bool seen = std::any_of(out.measures.begin(), out.measures.end(), [&](const auto& x) { return x.first == measure; });
      if (!seen) {
        out.measures.emplace_back(measure, m.list);
        out.measure_details.push_back(r_.DetailOf(measure));
      }
    }
  }
  for (const MeasureApplication& a : s_.rare->measures_applied) {
    if (a.applied <= d_) out.measures_applied.push_back(&a);
  }
  const RatingSummary rated = s_.RatingsBy(d_);
  out.ratings = rated.count;
  out.rating_average = rated.average;
  return out;
}

}  // namespace

Day AddMonths(Day day, int months) { return events::AddMonthsToDays(day, months); }

ActionCheck CheckAction(const Profile& p, std::string_view action, const std::function<bool(fb::ListKind)>& may_list) {
  ActionCheck out;
  out.action = std::string(action);
  for (size_t i = 0; i < p.measures.size(); ++i) {
    const auto& [measure, list] = p.measures[i];
    const MeasureDetail* detail = i < p.measure_details.size() ? p.measure_details[i] : nullptr;
    if (!may_list(list) || !(measure == action || (detail != nullptr && detail->scope == action))) continue;
    const Membership* membership = nullptr;
    for (const Membership& m : p.lists) {
      if (m.list == list) {
        membership = &m;
        break;
      }
    }
    const CheckedMeasure checked{measure, detail, membership};
    if (detail != nullptr && detail->incentive) {
      out.incentives.push_back(checked);
    } else {
      out.restrictions.push_back(checked);
      out.restricted = true;
    }
  }
  return out;
}

Result<Profile> Evaluate(const State& state, std::string_view subject, Day as_of) {
  const SubjectState* s = state.Subject(subject);
  if (s == nullptr) return Status::NotFound("no events recorded for subject '" + std::string(subject) + "'");
  return Evaluate(state, *s, as_of);
}

Status RulesetInForce(const State& state, Day day) {
  if (state.rulesets().At(day) != nullptr) return Status::Ok();
  return Status::InvalidArgument("no ruleset is in force on " + Date(day) + " (record a RulesetAdopted event)");
}

Result<Profile> Evaluate(const State& state, const SubjectState& subject, Day as_of) {
  const RulesetHistory::Adopted* rules = state.rulesets().At(as_of);
  if (rules == nullptr) return RulesetInForce(state, as_of);
  return Judge(state, subject, as_of, *rules).Run();
}

// Each case names what the Judge's rule for that list reads before it can add a membership
// (SeriousList, WatchList, Ineligibility, GovernmentDishonesty, RedList above); a rule that
// comes to read something else must be named here too (tests/api_demo_test.cc checks the two
// agree on a demo city over years of days).
bool MayBeListed(const SubjectState& s, fb::ListKind kind) {
  const auto any_commitment = [&](auto&& pred) { return std::any_of(s.commitments.begin(), s.commitments.end(), pred); };
  const auto any_penalty = [&](fb::Severity severity) {
    return std::any_of(s.penalties.begin(), s.penalties.end(), [&](const Penalty& p) { return p.severity == severity; });
  };
  switch (kind) {
    case fb::ListKind::SeriousDishonesty:
      return !s.rare->listings.empty();
    case fb::ListKind::Watch:
      return any_penalty(fb::Severity::General) || any_commitment([](const Commitment& c) { return BreachedOn(c).has_value(); });
    case fb::ListKind::NotificationIneligible:
      return !s.rare->listings.empty() || any_penalty(fb::Severity::Serious) ||
             any_commitment([](const Commitment& c) { return c.false_commitment && c.breached; });
    case fb::ListKind::GovernmentDishonesty:
      return !s.rare->contracts_as_payer.empty() || any_commitment([](const Commitment& c) {
               return c.type == fb::CommitmentType::GovernmentService && c.breached;
             });
    case fb::ListKind::Red:
      return any_commitment([](const Commitment& c) { return c.verified.has_value(); });
  }
  return true;  // a kind this build does not know: evaluate
}

}  // namespace creditlog::projections
