#include "projections/due_process.h"

#include "projections/evaluate.h"

namespace creditlog::projections {
namespace {
std::string Date(Day d) { return events::DateFromDays(d); }
}  // namespace

Words ObjectionWindow::Describe() const {
  return {std::to_string(working_days) + " working days after service: the window's last day is " + Date(lawful_end) +
              (calendar.empty() ? " (Monday–Friday; no holiday calendar in the ruleset)" : " (calendar " + calendar + ")"),
          "送达后 " + std::to_string(working_days) + " 个工作日，异议期最后一日为 " + Date(lawful_end) +
              (calendar.empty() ? "（按周一至周五计算，规则集未载节假日安排）" : "（工作日历 " + calendar + "）")};
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

std::optional<Words> ListingDefect(const SubjectState& s, const RulesetHistory& rulesets, const Notice& notice,
                                   Day decided) {
  const ObjectionWindow w = WindowOf(rulesets, notice);
  if (decided <= w.end) {
    const Words window = w.Describe();
    return Words{"decided on " + Date(decided) + ", inside the objection window of notice " + notice.id + " served on " +
                     Date(notice.served) + " (" + window.en + "; the notice's own deadline " + Date(notice.objection_deadline) +
                     "): the earliest lawful decision date is " + Date(w.end + 1),
                 "决定日期 " + Date(decided) + " 在告知书 " + notice.id + "（" + Date(notice.served) + " 送达）的异议期内（" +
                     window.zh + "；告知书所定期限 " + Date(notice.objection_deadline) + "），最早可依法作出决定的日期为 " +
                     Date(w.end + 1)};
  }
  for (const Objection& o : s.rare->objections) {
    if (o.notice_id != notice.id || o.filed > decided) continue;
    if (!o.resolved || *o.resolved > decided) {
      return Words{"decided on " + Date(decided) + " while objection " + o.id + " (filed " + Date(o.filed) + ") to notice " +
                       notice.id + " was unresolved" + (o.resolved ? " (resolved on " + Date(*o.resolved) + ")" : ""),
                   "决定日期 " + Date(decided) + " 时，对告知书 " + notice.id + " 的异议 " + o.id + "（" + Date(o.filed) +
                       " 提出）尚未办结" + (o.resolved ? "（" + Date(*o.resolved) + " 办结）" : "")};
    }
  }
  if (notice.corrected && *notice.corrected <= decided) {
    return Words{"notice " + notice.id + " was corrected on " + Date(*notice.corrected) + " (an objection was upheld)",
                 "告知书 " + notice.id + " 已于 " + Date(*notice.corrected) + " 更正（异议成立）"};
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
    t.over_maximum = Words{"term end " + Date(*term_end) + " is beyond the maximum term of " +
                               std::to_string(rules.serious_max_term_months) + " months (ruleset " + rules.version +
                               "): the last lawful day on the list is " + Date(maximum),
                           "期限届满日 " + Date(*term_end) + " 超过最长期限 " + std::to_string(rules.serious_max_term_months) +
                               " 个月（规则集 " + rules.version + "），依法在名单上的最后一日为 " + Date(maximum)};
    t.last_day = maximum;
  }
  return t;
}

}  // namespace creditlog::projections
