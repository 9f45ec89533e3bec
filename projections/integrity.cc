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

// `s`'s value in `map` set to `value`, or taken out when there is none.
template <typename Map, typename Value>
void SetOrErase(Map& map, const SubjectState* s, std::optional<Value> value) {
  if (value) {
    map.insert_or_assign(s, std::move(*value));
  } else {
    map.erase(s);
  }
}

}  // namespace

int IntegrityRow::failure_count() const {
  int n = 0;
  for (const Failure& f : failures) n += f.count;
  return n;
}

std::vector<IntegrityRow> IntegrityBoard(const State& state, Day as_of) { return IntegrityTally(state, as_of).Board(state); }

IntegrityTally::IntegrityTally(const State& state, Day as_of) : day_(as_of) {
  state.ForEachSubject([&](const SubjectState& s) {
    Share share = Count(state, s);
    if (share.row) rows_.emplace(&s, std::move(*share.row));
    if (!share.owed.empty()) owed_.emplace(&s, std::move(share.owed));
    if (share.file) files_.emplace(&s, *share.file);
  });
}

void IntegrityTally::Update(const State& state, std::span<const std::string_view> changed) {
  for (std::string_view id : changed) {
    // A subject not in the state was never counted: subjects are not taken out of one.
    const SubjectState* s = state.Subject(id);
    if (s == nullptr) continue;
    Share share = Count(state, *s);
    SetOrErase(rows_, s, std::move(share.row));
    SetOrErase(owed_, s, share.owed.empty() ? std::nullopt : std::optional(std::move(share.owed)));
    SetOrErase(files_, s, share.file);
  }
}

IntegrityTally::Share IntegrityTally::Count(const State& state, const SubjectState& s) const {
  const Day d = day_;
  Share share;
  if (IsPublicBody(s) && s.events > 0) share.row = Row(state, s, d);
  auto owe = [&](const std::string& agency, const char* rule, const std::vector<uint64_t>& seqs) {
    if (!agency.empty()) share.owed.push_back({agency, rule, seqs});
  };
  for (const Commitment& c : s.commitments) {
    auto due = DueVerificationOf(state, s, c, d);
    if (due && due->overdue) owe(c.accepting_agency, "integrity.verification_overdue", c.seqs);
  }
  for (const auto& [case_id, c] : s.rare->cases) {
    const std::optional<Day> due = RectificationDueBy(state.rulesets(), c);
    if (due && *c.rated <= d && d > *due && !(c.rectified && *c.rectified <= d)) owe(s.id, "integrity.rectification_overdue", c.seqs);
  }
  for (const Objection& o : s.rare->objections) {
    if (o.filed > d || (o.resolved && *o.resolved <= d)) continue;
    if (d > ObjectionDueBy(state.rulesets(), o)) owe(o.handling_agency, "integrity.objection_overdue", o.seqs);
  }
  share.file = StaffFileOf(s, d);
  return share;
}

std::vector<IntegrityRow> IntegrityTally::Board(const State& state) const {
  Failures failures;  // in no order: a failure's count and sorted seqs do not depend on it
  for (const auto& [subject, owed] : owed_) {
    for (const Owed& o : owed) {
      IntegrityRow::Failure& f = failures[o.agency][o.rule];
      f.rule = o.rule;
      f.count += 1;
      f.seqs.insert(f.seqs.end(), o.seqs.begin(), o.seqs.end());
    }
  }
  std::unordered_map<std::string_view, StaffRollUp> staff;
  for (const auto& [subject, file] : files_) AddTo(staff[file.first], file.second);
  const RulesetHistory::Adopted* rules = state.rulesets().At(day_);
  std::vector<IntegrityRow> rows;
  rows.reserve(rows_.size());
  for (const auto& [subject, kept] : rows_) {
    IntegrityRow row = kept;
    if (auto it = staff.find(row.subject); it != staff.end() && it->second.files >= kStaffRollUpFilesMin) row.staff = it->second;
    if (auto it = failures.find(row.subject); it != failures.end()) {
      for (auto& [rule, failure] : it->second) {
        std::sort(failure.seqs.begin(), failure.seqs.end());
        failure.name = rules ? rules->rules.NameOf(rule) : FindRuleName(rule);
        row.failures.push_back(std::move(failure));
      }
    }
    rows.push_back(std::move(row));
  }
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
