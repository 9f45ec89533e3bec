// A realistic synthetic history for Qingdao (3702xx), recorded through the normal signed path:
// agencies with their own keys, subjects with valid USCCs whose registration codes fit their
// kind and name, commitments of the types their matters take, verifications, breaches,
// contracts, payments, arrears, penalties whose fines fit the law cited and the discretion,
// due process, listings and repairs under the measures that govern them, over several years.
// A seed and a fixed --today give the same ledger on any day and machine (but for keys,
// signatures and recording times).
#pragma once

#include <cstdint>
#include <string>

#include "ledger/ledger.h"

namespace creditlog::api {

inline constexpr uint64_t kDemoSubjectsDefault = 2000;
inline constexpr uint64_t kDemoSubjectsMax = 1'000'000;
inline constexpr size_t kDemoAppendChunk = 2000;  // events per AppendBatch
inline constexpr const char* kDemoHistoryStart = "2022-01-01";  // the first day of a demo's history
inline constexpr const char* kDemoTodayEarliest = "2023-01-01";  // a year of history at least
inline constexpr uint64_t kDemoUsccCodes = 887'503'681;  // 31^6: the organisation codes after the issuer's letters
inline constexpr int kDemoUsccDraws = 64;  // draws of a code no subject has before giving up

// The seed `creditlog demo` draws from unless told. Record ids (notices, contracts...) name the
// run; a run with another seed names its seed too, so that runs of different seeds on one ledger
// never share an id.
inline constexpr uint64_t kDemoSeedDefault = 1;

struct DemoOptions {
  std::string data;
  uint64_t subjects = kDemoSubjectsDefault;
  uint64_t seed = kDemoSeedDefault;
  std::string today;  // YYYY-MM-DD, the history's last day; "" = today in China
  bool quiet = false;
  // How many organisation codes a USCC is drawn from, per registration type and division. Fewer
  // than kDemoUsccCodes only in tests that make codes collide. REQUIRES: 1..kDemoUsccCodes.
  uint64_t uscc_codes = kDemoUsccCodes;
};

struct DemoReport {
  uint64_t run = 0;        // 0 for the first demo run on this ledger, then 1, 2, ...
  uint64_t agencies_registered = 0;
  uint64_t events = 0;
  uint64_t size = 0;
  uint64_t uscc_redraws = 0;  // codes drawn again because a subject already had the USCC
};

// REQUIRES: ledger has its checkpoint key; passphrase opens DIR/keys.
Result<DemoReport> RunDemo(ledger::Ledger& ledger, const DemoOptions& options, std::string_view passphrase);

}  // namespace creditlog::api
