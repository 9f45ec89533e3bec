#include "projections/integrity.h"

#include <algorithm>

#include "projections/duties.h"
#include "projections/services.h"

namespace creditlog::projections {
namespace {

// By its registration (SubjectRegistered.kind), never by its code: a civil servant's file
// "USCC/staff-number" and an unregistered code are not public bodies.
bool IsPublicBody(const SubjectState& s) { return s.registered && s.kind == fb::SubjectKind::PublicBody; }

using Failures = std::map<std::string, std::map<std::string, IntegrityRow::Failure>, std::less<>>;  // agency → rule → failure

void Count(Failures& failures, const std::string& agency, const char* rule, const std::vector<uint64_t>& seqs) {
  if (agency.empty()) return;
  IntegrityRow::Failure& f = failures[agency][rule];
  f.rule = rule;
  f.count += 1;
  f.seqs.insert(f.seqs.end(), seqs.begin(), seqs.end());
}

// In one pass over the log's subjects: each agency's overdue verifications and objections.
Failures OverdueDuties(const State& state, Day d) {
  Failures out;
  for (const DueVerification& v : DueVerifications(state, "", d)) {
    if (v.overdue) Count(out, v.commitment->accepting_agency, "integrity.verification_overdue", v.commitment->seqs);
  }
  state.ForEachSubject([&](const SubjectState& s) {  // in no order: Count's totals and seqs do not depend on it
    for (const auto& [case_id, c] : s.rare->cases) {
      const std::optional<Day> due = RectificationDueBy(state.rulesets(), c);
      if (due && *c.rated <= d && d > *due && !(c.rectified && *c.rectified <= d)) {
        Count(out, s.id, "integrity.rectification_overdue", c.seqs);
      }
    }
    for (const Objection& o : s.rare->objections) {
      if (o.filed > d || (o.resolved && *o.resolved <= d)) continue;
      if (d > ObjectionDueBy(state.rulesets(), o)) Count(out, o.handling_agency, "integrity.objection_overdue", o.seqs);
    }
  });
  return out;
}

IntegrityRow Row(const State& state, const SubjectState& s, Day d) {
  IntegrityRow row;
  row.subject = s.id;
  row.name = s.name;
  for (const Commitment& c : s.commitments) {
    if (c.type != fb::CommitmentType::GovernmentService || c.made > d) continue;
    if (c.verified && *c.verified <= d) {
      ++row.fulfilled;
    } else if (c.breached && *c.breached <= d) {
      ++row.breached;
    } else if (c.deadline < d && !(c.withdrawn && *c.withdrawn <= d)) {
      ++row.overdue;
    } else {
      continue;
    }
    row.seqs.insert(row.seqs.end(), c.seqs.begin(), c.seqs.end());
  }
  const int due = row.fulfilled + row.breached + row.overdue;
  row.fulfilment_rate = due == 0 ? 1.0 : static_cast<double>(row.fulfilled) / due;
  for (const std::string& id : s.rare->contracts_as_payer) {
    const Contract* c = state.FindContract(id);
    if (c == nullptr || c->signed_on > d) continue;
    const Contract::Arrears a = c->ArrearsOn(d);
    if (a.outstanding_fen <= 0 || !a.oldest_due) continue;
    row.arrears_fen += a.outstanding_fen;
    row.arrears_days_max = std::max<int64_t>(row.arrears_days_max, d - *a.oldest_due);
    row.seqs.insert(row.seqs.end(), c->seqs.begin(), c->seqs.end());
  }
  const RatingSummary rated = s.RatingsBy(d);
  row.ratings = rated.count;
  row.rating_average = rated.average;
  std::sort(row.seqs.begin(), row.seqs.end());
  return row;
}

}  // namespace

int IntegrityRow::failure_count() const {
  int n = 0;
  for (const Failure& f : failures) n += f.count;
  return n;
}

std::vector<IntegrityRow> IntegrityBoard(const State& state, Day as_of) {
  std::vector<IntegrityRow> rows;
  Failures failures = OverdueDuties(state, as_of);
  const RulesetHistory::Adopted* rules = state.rulesets().At(as_of);
  const auto staff = StaffByEmployer(state, as_of);
  state.ForEachSubject([&](const SubjectState& s) {  // in no order: the rows are sorted below, to the USCC
    if (!IsPublicBody(s) || s.events == 0) return;
    IntegrityRow row = Row(state, s, as_of);
    if (auto it = staff.find(s.id); it != staff.end()) row.staff = it->second;
    if (auto it = failures.find(s.id); it != failures.end()) {
      for (auto& [rule, failure] : it->second) {
        std::sort(failure.seqs.begin(), failure.seqs.end());
        failure.name = rules ? rules->rules.NameOf(rule) : FindRuleName(rule);
        row.failures.push_back(std::move(failure));
      }
    }
    rows.push_back(std::move(row));
  });
  std::sort(rows.begin(), rows.end(), [](const IntegrityRow& a, const IntegrityRow& b) {
    if (a.fulfilment_rate != b.fulfilment_rate) return a.fulfilment_rate > b.fulfilment_rate;
    if (a.failure_count() != b.failure_count()) return a.failure_count() < b.failure_count();
    if (a.arrears_fen != b.arrears_fen) return a.arrears_fen < b.arrears_fen;
    if (a.rating_average != b.rating_average) return a.rating_average > b.rating_average;
    return a.subject < b.subject;
  });
  for (size_t i = 0; i < rows.size(); ++i) rows[i].rank = static_cast<int>(i + 1);
  return rows;
}

}  // namespace creditlog::projections
