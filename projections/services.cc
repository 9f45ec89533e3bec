#include "projections/services.h"

#include <algorithm>
#include <map>

namespace creditlog::projections {

std::optional<Day> RectificationDueBy(const RulesetHistory& rulesets, const ServiceCase& c) {
  static const Ruleset kDefault;
  if (!c.rated) return std::nullopt;
  const RulesetHistory::Adopted* adopted = rulesets.At(*c.rated);
  const Ruleset& r = adopted ? adopted->rules : kDefault;
  if (c.rating > r.service_bad_rating_max) return std::nullopt;
  return r.calendar.WorkingDaysAfter(*c.rated, r.service_rectification_working_days);
}

namespace {

void Count(ServiceFigures& f, const ServiceCase& c, std::optional<Day> due, Day d, int64_t* stars) {
  ++f.cases;
  if (!c.rated || *c.rated > d) return;
  ++f.rated;
  *stars += c.rating;
  if (c.followed_up && *c.followed_up <= d) {
    ++f.followed_up;
    f.satisfied += c.satisfied ? 1 : 0;
  }
  if (!due) return;
  ++f.bad;
  if (c.rectified && *c.rectified <= d) {
    ++(*c.rectified <= *due ? f.rectified_on_time : f.rectified_late);
  } else {
    ++(d > *due ? f.rectification_overdue : f.rectification_due);
  }
}

void Finish(ServiceFigures& f, int64_t stars) {
  f.rating_rate = f.cases == 0 ? 0 : static_cast<double>(f.rated) / f.cases;
  f.average = f.rated == 0 ? 0 : static_cast<double>(stars) / f.rated;
}

}  // namespace

ServiceReport ServicesOf(const RulesetHistory& rulesets, const SubjectState& body, Day as_of) {
  ServiceReport out;
  out.subject = &body;
  out.as_of = as_of;
  int64_t stars = 0;
  std::map<std::string, std::pair<ServiceFigures, int64_t>> matters;
  for (const auto& [id, c] : body.rare->cases) {
    if (c.handled > as_of) continue;
    const std::optional<Day> due = RectificationDueBy(rulesets, c);
    auto& [figures, matter_stars] = matters[c.matter];
    Count(out.total, c, due, as_of, &stars);
    Count(figures, c, due, as_of, &matter_stars);
    if (due && c.rated && *c.rated <= as_of && !(c.rectified && *c.rectified <= as_of) && as_of > *due) {
      out.overdue.push_back({&c, *due});
    }
  }
  Finish(out.total, stars);
  for (auto& [matter, figures] : matters) {
    Finish(figures.first, figures.second);
    out.matters.emplace_back(matter, figures.first);
  }
  std::stable_sort(out.overdue.begin(), out.overdue.end(), [](const OverdueCase& a, const OverdueCase& b) { return a.due_by < b.due_by; });
  return out;
}

}  // namespace creditlog::projections
