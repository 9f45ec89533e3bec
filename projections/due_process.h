// Due process for the serious-dishonesty list (国办发〔2020〕49号 and the ruleset): the objection
// window a notice must leave, and what makes a listing decision unlawful on its facts. The same
// functions refuse an event when it is recorded (projections/admission.h) and make the
// projection disregard one already in a log (projections/evaluate.h), so the two never differ.
#pragma once

#include <optional>
#include <string>

#include "projections/state.h"
#include "projections/words.h"

namespace creditlog::projections {

struct ObjectionWindow {
  Day lawful_end = 0;      // the last day of the ruleset's window: N working days after service
  Day end = 0;             // the later of lawful_end and the notice's own deadline
  int working_days = 0;
  std::string calendar;    // the calendar's version, "" for Monday–Friday
  Words Describe() const;  // "5 working days after service: the window's last day is 2025-10-10 (calendar cn-…)"
};

// The window of `notice` under the ruleset in force on its day of service (the default
// window, Monday–Friday, when none is).
ObjectionWindow WindowOf(const RulesetHistory& rulesets, const Notice& notice);

// Why a decision to list on `decided` after `notice` is unlawful: decided inside the objection
// window, while an objection to the notice was unresolved, or after the notice was corrected.
// nullopt when it is lawful.
std::optional<Words> ListingDefect(const SubjectState& s, const RulesetHistory& rulesets, const Notice& notice,
                                         Day decided);

// The last day on the list of a listing decided on `decided` with `term_end` (none: the
// default term), and, when the term is over the ruleset's maximum, the reason it is cut.
struct Term {
  Day last_day = 0;
  bool defaulted = false;
  std::optional<Words> over_maximum;
};
Term TermOf(const Ruleset& rules, Day decided, std::optional<Day> term_end);

}  // namespace creditlog::projections
