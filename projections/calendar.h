// The working-day calendar: weekends, the State Council's public holidays and its make-up
// working days (调休), year by year as its notices publish them (docs/calendar.md). It is part
// of the ruleset (the `calendar` key), so it is signed data, adopted and replaced like any rule.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace creditlog::projections {

using Day = int64_t;  // days since 1970-01-01 (calendar dates in China Standard Time)

inline constexpr int kCalendarYearsMax = 100;     // years one calendar may list
inline constexpr int kWorkingDaysWindowMax = 60;  // the longest window in working days

struct Calendar {
  std::string version;               // "" without a calendar: every Monday–Friday works
  std::vector<std::string> sources;  // the notices, e.g. "国办发明电〔2024〕12号"
  int first_year = 0;                // the years the notices cover (none when last < first)
  int last_year = -1;
  std::vector<Day> holidays;         // ascending: days off by notice, weekends inside blocks included
  std::vector<Day> workdays;         // ascending: weekend days worked (调休)
  std::vector<std::string> notices;  // each covered year's notice, first_year first

  static int Weekday(Day day);       // 0 = Sunday … 6 = Saturday
  static int Year(Day day);
  bool Covers(Day day) const { return Year(day) >= first_year && Year(day) <= last_year; }
  bool IsWorkingDay(Day day) const;
  // The n-th working day after `served` (n >= 1): the day of service itself is not counted.
  Day WorkingDaysAfter(Day served, int n) const;
};

}  // namespace creditlog::projections
