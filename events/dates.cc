// Calendar dates "YYYY-MM-DD" (proleptic Gregorian), as days since 1970-01-01.
#include <algorithm>
#include <charconv>

#include "base/check.h"
#include "events/event.h"

namespace creditlog::events {
namespace {

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

bool Number(std::string_view s, int* out) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return std::from_chars(s.data(), s.data() + s.size(), *out).ec == std::errc();
}

// Howard Hinnant's days_from_civil.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Howard Hinnant's civil_from_days: the inverse of DaysFromCivil.
struct Civil {
  int64_t year;
  unsigned month, day;
};
Civil CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

// "YYYY-MM-DD" that exists in the proleptic Gregorian calendar, whatever its four-digit year.
bool ParseDate(std::string_view date, int* year, int* month, int* day) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return false;
  if (!Number(date.substr(0, 4), year) || !Number(date.substr(5, 2), month) || !Number(date.substr(8, 2), day)) {
    return false;
  }
  if (*month < 1 || *month > 12) return false;
  return *day >= 1 && *day <= DaysInMonth(*year, *month);
}

}  // namespace

bool IsCalendarDate(std::string_view date) {
  int year = 0, month = 0, day = 0;
  return ParseDate(date, &year, &month, &day) && year >= kDateYearMin && year <= kDateYearMax;
}

int64_t DaysFromDate(std::string_view date) {
  int year = 0, month = 0, day = 0;
  const bool parsed = ParseDate(date, &year, &month, &day);
  CREDITLOG_CHECK(parsed);  // REQUIRES (events/event.h): callers check untrusted dates first
  return DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

std::string DateFromDays(int64_t days) {
  const Civil c = CivilFromDays(days);
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02u", static_cast<long long>(c.year), c.month, c.day);
  return buffer;
}

int64_t AddMonthsToDays(int64_t days, int months) {
  const Civil c = CivilFromDays(days);
  const int64_t total = c.year * 12 + (c.month - 1) + months;
  // Floor division: a month before January of year 0 belongs to year -1.
  const int64_t year = total >= 0 ? total / 12 : (total - 11) / 12;
  const unsigned month = static_cast<unsigned>(total - year * 12) + 1;
  const unsigned last = static_cast<unsigned>(DaysInMonth(static_cast<int>(year), static_cast<int>(month)));
  return DaysFromCivil(year, month, std::min(c.day, last));
}

}  // namespace creditlog::events
