#include "projections/evaluate.h"

#include <algorithm>

namespace creditlog::projections {
namespace {

std::string Date(Day d) { return events::DateFromDays(d); }

std::string Yuan(int64_t fen) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%lld.%02lld", static_cast<long long>(fen / 100), static_cast<long long>(fen % 100));
  return buffer;
}

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
    return {std::move(rule), r_.version, adopted_.seq, std::move(seqs)};
  }
  bool InWindow(Day day, int months) const { return day <= d_ && day > AddMonths(d_, -months); }
  std::string CommitmentState(const Commitment& c) const;
  bool RepairCommitted(const Repair& repair) const;
  std::optional<Day> BreachRepaired(const Commitment& c) const;
  std::optional<Day> PenaltyRepaired(const Penalty& p) const;
  PenaltyView ViewPenalty(const Penalty& p) const;
  void Commitments(Profile& out);
  void Penalties(Profile& out);
  void Contracts(Profile& out);
  void SeriousList(Profile& out);
  void WatchList(Profile& out);
  void Ineligibility(Profile& out);
  void GovernmentDishonesty(Profile& out);
  void RedList(Profile& out);
  void Grade(Profile& out);

  const State& state_;
  const SubjectState& s_;
  Day d_;
  const RulesetHistory::Adopted& adopted_;
  const Ruleset& r_;
};

std::string Judge::CommitmentState(const Commitment& c) const {
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
  for (const Repair& repair : s_.repairs) {
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
  const Day minimum_end = AddMonths(p.decided, r_.penalty_publicity[static_cast<int>(p.severity)].min_months);
  for (const Repair& repair : s_.repairs) {
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
  if (p.revoked && *p.revoked <= d_) {
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
    if (c.made <= d_) out.commitments.push_back({&c, CommitmentState(c)});
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
    ContractView v{c, as_payer, 0, 0, false};
    const Day due = c->due();
    const int64_t unpaid = std::max<int64_t>(0, c->amount_fen - c->PaidBy(d_));
    if (due < d_ && unpaid > 0) {
      v.outstanding_fen = unpaid;
      v.days_overdue = d_ - due;
    }
    v.paid_on_time = c->PaidBy(due) >= c->amount_fen;
    out.contracts.push_back(v);
  };
  for (const auto& id : s_.contracts_as_payer) view(id, true);
  for (const auto& id : s_.contracts_as_payee) view(id, false);
}

// 严重失信: only by decision, after a notice whose objection window has closed; ends at its
// term, on exit, on an approved repair after the early-exit period, or when the penalty
// behind it is revoked. An upheld objection voids the notice.
void Judge::SeriousList(Profile& out) {
  for (const SeriousListing& l : s_.listings) {
    if (l.decided > d_) continue;
    const Notice* notice = nullptr;
    for (const Notice& n : s_.notices) {
      if (n.id == l.notice_id) notice = &n;
    }
    if (notice == nullptr || l.decided <= notice->objection_deadline) continue;  // no due process: no listing
    if (notice->corrected && *notice->corrected <= d_) continue;
    Day until = l.term_end;
    std::vector<uint64_t> seqs = l.seqs;
    Append(&seqs, notice->seqs);
    if (l.exited) until = std::min(until, *l.exited);
    for (const Repair& repair : s_.repairs) {
      if (repair.target == l.id && repair.approved && repair.decided && *repair.decided <= d_ &&
          *repair.decided >= AddMonths(l.decided, r_.serious_early_exit_after_months) && RepairCommitted(repair)) {
        until = std::min(until, *repair.decided);
        Append(&seqs, repair.seqs);
      }
    }
    for (const Penalty& p : s_.penalties) {
      if (p.revoked && std::find(notice->related.begin(), notice->related.end(), p.decision_number) != notice->related.end()) {
        until = std::min(until, *p.revoked);
        Append(&seqs, p.seqs);
      }
    }
    if (d_ >= until) continue;
    out.lists.push_back({fb::ListKind::SeriousDishonesty, l.decided, until, notice->reason, Why("serious_list.decision", seqs)});
  }
}

void Judge::WatchList(Profile& out) {
  std::vector<const Penalty*> general;
  for (const Penalty& p : s_.penalties) {
    if (p.severity == fb::Severity::General && InWindow(p.decided, r_.watch_window_months) && !(p.revoked && *p.revoked <= d_)) {
      general.push_back(&p);
    }
  }
  std::vector<const Commitment*> breached;
  for (const Commitment& c : s_.commitments) {
    if (c.breached && InWindow(*c.breached, r_.watch_window_months) && !BreachRepaired(c)) breached.push_back(&c);
  }
  std::sort(general.begin(), general.end(), [](auto* a, auto* b) { return a->decided < b->decided; });
  std::sort(breached.begin(), breached.end(), [](auto* a, auto* b) { return *a->breached < *b->breached; });
  const bool by_penalties = r_.watch_general_penalties > 0 && static_cast<int>(general.size()) >= r_.watch_general_penalties;
  const bool by_breaches = r_.watch_breached_commitments > 0 && static_cast<int>(breached.size()) >= r_.watch_breached_commitments;
  if (!by_penalties && !by_breaches) return;
  std::vector<uint64_t> seqs;
  Day since = d_, last = 0;
  std::string reason, rule;
  if (by_penalties) {
    for (auto* p : general) Append(&seqs, p->seqs);
    since = general[static_cast<size_t>(r_.watch_general_penalties) - 1]->decided;
    last = general.back()->decided;
    reason = std::to_string(general.size()) + " general penalties within " + std::to_string(r_.watch_window_months) + " months";
    rule = "watch_list.general_penalties";
  }
  if (by_breaches) {
    for (auto* c : breached) Append(&seqs, c->seqs);
    since = std::min(since, *breached[static_cast<size_t>(r_.watch_breached_commitments) - 1]->breached);
    last = std::max(last, *breached.back()->breached);
    if (!reason.empty()) reason += "; ";
    reason += std::to_string(breached.size()) + " breached commitment(s) within " + std::to_string(r_.watch_window_months) + " months";
    rule = rule.empty() ? "watch_list.breached_commitments" : rule + "+breached_commitments";
  }
  out.lists.push_back({fb::ListKind::Watch, since, AddMonths(last, r_.watch_window_months), reason, Why(rule, seqs)});
}

void Judge::Ineligibility(Profile& out) {
  for (const PenaltyView& v : out.penalties) {
    if (v.penalty->severity == fb::Severity::Serious && v.state == "in_publicity") {
      out.lists.push_back({fb::ListKind::NotificationIneligible, v.penalty->decided, v.publicity_until,
                           "unrepaired serious penalty " + v.penalty->decision_number,
                           Why("notification_ineligibility.serious_penalty", v.penalty->seqs)});
    }
  }
  for (const Commitment& c : s_.commitments) {
    if (c.false_commitment && c.breached && InWindow(*c.breached, r_.false_commitment_ineligible_months) && !BreachRepaired(c)) {
      out.lists.push_back({fb::ListKind::NotificationIneligible, *c.breached,
                           AddMonths(*c.breached, r_.false_commitment_ineligible_months),
                           "false commitment " + c.id, Why("notification_ineligibility.false_commitment", c.seqs)});
    }
  }
  for (const Membership& m : std::vector<Membership>(out.lists)) {
    if (m.list == fb::ListKind::SeriousDishonesty) {
      out.lists.push_back({fb::ListKind::NotificationIneligible, m.since, m.until, "on the serious-dishonesty list",
                           Why("notification_ineligibility.serious_list", m.why.seqs)});
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
    const Day since = overdue ? c.due() + r_.payment_overdue_days + 1 : *c.arrears_recorded;
    out.lists.push_back({fb::ListKind::GovernmentDishonesty, arrears ? std::min(since, *c.arrears_recorded) : since, std::nullopt,
                         "contract " + c.id + ": " + Yuan(v.outstanding_fen) + " 元 unpaid, " +
                             std::to_string(v.days_overdue) + " days overdue",
                         Why("government_dishonesty.payment_overdue", c.seqs)});
  }
  for (const Commitment& c : s_.commitments) {
    if (c.type == fb::CommitmentType::GovernmentService && c.breached && *c.breached <= d_ && !(c.verified && *c.verified <= d_)) {
      out.lists.push_back({fb::ListKind::GovernmentDishonesty, *c.breached, std::nullopt,
                           "breached government commitment " + c.id, Why("government_dishonesty.breached_commitment", c.seqs)});
    }
  }
}

void Judge::RedList(Profile& out) {
  const int months = r_.red_window_months;
  std::vector<Day> fulfilled;
  std::vector<uint64_t> seqs;
  for (const Commitment& c : s_.commitments) {
    if (c.breached && InWindow(*c.breached, months)) return;
    if (c.verified && InWindow(*c.verified, months)) {
      fulfilled.push_back(*c.verified);
      Append(&seqs, c.seqs);
    }
  }
  for (const Penalty& p : s_.penalties) {
    if (p.severity != fb::Severity::Minor && InWindow(p.decided, months) && !(p.revoked && *p.revoked <= d_)) return;
  }
  for (const ContractView& v : out.contracts) {
    const Contract& c = *v.contract;
    if (v.as_payer && ((c.arrears_recorded && InWindow(*c.arrears_recorded, months)) || v.outstanding_fen > 0)) return;
  }
  if (r_.red_fulfilled_commitments <= 0 || static_cast<int>(fulfilled.size()) < r_.red_fulfilled_commitments) return;
  std::sort(fulfilled.begin(), fulfilled.end());
  const Day since = fulfilled[static_cast<size_t>(r_.red_fulfilled_commitments) - 1];
  const Day oldest_needed = fulfilled[fulfilled.size() - static_cast<size_t>(r_.red_fulfilled_commitments)];
  out.lists.push_back({fb::ListKind::Red, since, AddMonths(oldest_needed, months),
                       std::to_string(fulfilled.size()) + " commitments fulfilled within " + std::to_string(months) +
                           " months, no breach, no penalty above minor, no arrears",
                       Why("red_list", seqs)});
}

void Judge::Grade(Profile& out) {
  auto on = [&](fb::ListKind list) -> const Membership* {
    for (const Membership& m : out.lists) {
      if (m.list == list) return &m;
    }
    return nullptr;
  };
  if (const Membership* m = on(fb::ListKind::SeriousDishonesty)) {
    out.grade = 'D', out.grade_reason = "grade.D: on the serious-dishonesty list", out.grade_seqs = m->why.seqs;
  } else if (const Membership* w = on(fb::ListKind::Watch)) {
    out.grade = 'C', out.grade_reason = "grade.C: on the watch list", out.grade_seqs = w->why.seqs;
  } else if (auto it = std::find_if(out.penalties.begin(), out.penalties.end(), [](const PenaltyView& v) {
               return v.penalty->severity == fb::Severity::General && v.state == "in_publicity";
             }); it != out.penalties.end()) {
    out.grade = 'C', out.grade_reason = "grade.C: unrepaired general penalty " + it->penalty->decision_number,
    out.grade_seqs = it->penalty->seqs;
  } else if (const Membership* red = on(fb::ListKind::Red)) {
    out.grade = 'A', out.grade_reason = "grade.A: on the red list", out.grade_seqs = red->why.seqs;
  } else {
    out.grade = 'B', out.grade_reason = "grade.B: no list applies";
  }
}

Profile Judge::Run() {
  Profile out;
  out.subject = &s_;
  out.as_of = d_;
  out.ruleset_version = r_.version;
  out.ruleset_seq = adopted_.seq;
  Commitments(out);
  Penalties(out);
  Contracts(out);
  SeriousList(out);
  WatchList(out);
  Ineligibility(out);
  GovernmentDishonesty(out);
  RedList(out);
  Grade(out);
  // Earliest first, so that each measure is attributed to the membership that imposed it first.
  std::stable_sort(out.lists.begin(), out.lists.end(), [](const Membership& x, const Membership& y) { return x.since < y.since; });
  for (const Membership& m : out.lists) {
    for (const std::string& measure : r_.measures[static_cast<size_t>(m.list)]) {
      const bool seen = std::any_of(out.measures.begin(), out.measures.end(), [&](const auto& x) { return x.first == measure; });
      if (!seen) out.measures.emplace_back(measure, m.list);
    }
  }
  const RatingSummary rated = s_.RatingsBy(d_);
  out.ratings = rated.count;
  out.rating_average = rated.average;
  return out;
}

}  // namespace

Day AddMonths(Day day, int months) { return events::AddMonthsToDays(day, months); }

Result<Profile> Evaluate(const State& state, std::string_view subject, Day as_of) {
  const SubjectState* s = state.Subject(subject);
  if (s == nullptr) return Status::NotFound("no events recorded for subject '" + std::string(subject) + "'");
  const RulesetHistory::Adopted* rules = state.rulesets().At(as_of);
  if (rules == nullptr) {
    return Status::InvalidArgument("no ruleset is in force on " + Date(as_of) + " (record a RulesetAdopted event)");
  }
  return Judge(state, *s, as_of, *rules).Run();
}

}  // namespace creditlog::projections
