// 政务服务好差评 (国办发〔2019〕51号; Tai'an's 一件一评): a public body's service cases, each linked
// to its matter and to one rating; a 差评 rectified within the ruleset's working days and
// followed up. Per body and per matter: how many cases were rated, the average, the 差评 and
// whether they were rectified on time. An overdue rectification is a failure of the body on the
// integrity board (integrity.rectification_overdue).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "projections/state.h"

namespace creditlog::projections {

struct ServiceFigures {
  int cases = 0;                 // handled by the date
  int rated = 0;
  double rating_rate = 0;        // rated / cases; 0 without cases
  double average = 0;            // of the rated cases' stars; 0 without
  int bad = 0;                   // 差评
  int rectified_on_time = 0, rectified_late = 0;
  int rectification_due = 0;     // a 差评 not rectified, its last day not passed
  int rectification_overdue = 0; // a 差评 not rectified past its last day
  int followed_up = 0, satisfied = 0;
};

struct OverdueCase {
  const ServiceCase* service_case = nullptr;
  Day due_by = 0;
};

struct ServiceReport {
  const SubjectState* subject = nullptr;
  Day as_of = 0;
  ServiceFigures total;
  std::vector<std::pair<std::string, ServiceFigures>> matters;  // by matter
  std::vector<OverdueCase> overdue;                             // 差评 not rectified in time, oldest first
};

// The last working day for rectifying a case's 差评, by the ruleset in force on the day it was
// rated; none for a case not rated, or rated above the ruleset's 差评.
std::optional<Day> RectificationDueBy(const RulesetHistory& rulesets, const ServiceCase& c);

ServiceReport ServicesOf(const RulesetHistory& rulesets, const SubjectState& body, Day as_of);

}  // namespace creditlog::projections
