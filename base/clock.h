// The one clock of creditlog, and "today" as a credit office means it.
//
// Every recorded time (an entry's recorded_at_ms, a genesis, a checkpoint) is NowMs(); every
// "today" (the default --as-of, a new ledger's adoption date, the demo's calendar) is
// TodayInChina(): the calendar date in China Standard Time, UTC+8 all year (China observes no
// daylight saving time), so that a query at 07:00 in Qingdao judges on that morning's date and
// not on yesterday's UTC date.
#pragma once

#include <cstdint>

namespace creditlog {

inline constexpr int64_t kMsPerDay = 86'400'000;
inline constexpr int64_t kChinaUtcOffsetMs = 8 * 3'600'000;

// Unix time in milliseconds, from the system clock.
int64_t NowMs();

// The date in China Standard Time at `unix_ms`, as days since 1970-01-01.
constexpr int64_t DayInChina(int64_t unix_ms) {
  const int64_t local = unix_ms + kChinaUtcOffsetMs;
  return local / kMsPerDay - (local % kMsPerDay < 0 ? 1 : 0);  // floor, also before 1970
}

inline int64_t TodayInChina() { return DayInChina(NowMs()); }

}  // namespace creditlog
