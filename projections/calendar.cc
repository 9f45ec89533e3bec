#include "projections/calendar.h"

#include <algorithm>

#include "events/event.h"

namespace creditlog::projections {

int Calendar::Weekday(Day day) { return static_cast<int>(((day + 4) % 7 + 7) % 7); }  // 1970-01-01: Thursday

int Calendar::Year(Day day) { return std::stoi(events::DateFromDays(day).substr(0, 4)); }

bool Calendar::IsWorkingDay(Day day) const {
  if (std::binary_search(workdays.begin(), workdays.end(), day)) return true;
  if (std::binary_search(holidays.begin(), holidays.end(), day)) return false;
  const int weekday = Weekday(day);
  return weekday != 0 && weekday != 6;
}

Day Calendar::WorkingDaysAfter(Day served, int n) const {
  Day day = served;
  for (int counted = 0; counted < std::max(n, 1);) {
    ++day;
    if (IsWorkingDay(day)) ++counted;
  }
  return day;
}

}  // namespace creditlog::projections
