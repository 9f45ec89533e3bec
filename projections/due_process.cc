#include "projections/due_process.h"

#include "projections/evaluate.h"

namespace creditlog::projections {
namespace {
std::string Date(Day d) { return events::DateFromDays(d); }
}  // namespace

std::string ObjectionWindow::Describe() const {
  return std::to_string(working_days) + " working days after service: the window's last day is " + Date(lawful_end) +
         (calendar.empty() ? " (Monday–Friday; no holiday calendar in the ruleset)" : " (calendar " + calendar + ")");
}

ObjectionWindow WindowOf(const RulesetHistory& rulesets, const Notice& notice) {
  static const Ruleset kDefault;
  const RulesetHistory::Adopted* adopted = rulesets.At(notice.served);
  const Ruleset& r = adopted ? adopted->rules : kDefault;
  ObjectionWindow w;
  w.working_days = r.objection_window_working_days;
  w.calendar = r.calendar.version;
  w.lawful_end = w.working_days > 0 ? r.calendar.WorkingDaysAfter(notice.served, w.working_days) : notice.served;
  w.end = std::max(w.lawful_end, notice.objection_deadline);
  return w;
}

std::optional<std::string> ListingDefect(const SubjectState& s, const RulesetHistory& rulesets, const Notice& notice,
                                         Day decided) {
  const ObjectionWindow w = WindowOf(rulesets, notice);
  if (decided <= w.end) {
    return "decided on " + Date(decided) + ", inside the objection window of notice " + notice.id + " served on " +
           Date(notice.served) + " (" + w.Describe() + "; the notice's own deadline " + Date(notice.objection_deadline) +
           "): the earliest lawful decision date is " + Date(w.end + 1);
  }
  for (const Objection& o : s.objections) {
    if (o.notice_id != notice.id || o.filed > decided) continue;
    if (!o.resolved || *o.resolved > decided) {
      return "decided on " + Date(decided) + " while objection " + o.id + " (filed " + Date(o.filed) +
             ") to notice " + notice.id + " was unresolved" +
             (o.resolved ? " (resolved on " + Date(*o.resolved) + ")" : "");
    }
  }
  if (notice.corrected && *notice.corrected <= decided) {
    return "notice " + notice.id + " was corrected on " + Date(*notice.corrected) + " (an objection was upheld)";
  }
  return std::nullopt;
}

Term TermOf(const Ruleset& rules, Day decided, std::optional<Day> term_end) {
  Term t;
  const Day maximum = AddMonths(decided, rules.serious_max_term_months) - 1;
  if (!term_end) {
    t.last_day = AddMonths(decided, rules.serious_default_term_months) - 1;
    t.defaulted = true;
    return t;
  }
  t.last_day = *term_end;
  if (*term_end > maximum) {
    t.over_maximum = "term end " + Date(*term_end) + " is beyond the maximum term of " +
                     std::to_string(rules.serious_max_term_months) + " months (ruleset " + rules.version +
                     "): the last lawful day on the list is " + Date(maximum);
    t.last_day = maximum;
  }
  return t;
}

}  // namespace creditlog::projections
