// A realistic synthetic history for Qingdao (3702xx), recorded through the normal signed path:
// agencies with their own keys, subjects with valid USCCs, commitments, verifications,
// breaches, contracts, payments, arrears, penalties, due process and repairs over several years.
#pragma once

#include <cstdint>
#include <string>

#include "ledger/ledger.h"

namespace creditlog::api {

inline constexpr uint64_t kDemoSubjectsDefault = 2000;
inline constexpr uint64_t kDemoSubjectsMax = 1'000'000;
inline constexpr size_t kDemoAppendChunk = 2000;  // events per AppendBatch

struct DemoOptions {
  std::string data;
  uint64_t subjects = kDemoSubjectsDefault;
  uint64_t seed = 1;
  bool quiet = false;
};

struct DemoReport {
  uint64_t run = 0;        // 0 for the first demo run on this ledger, then 1, 2, ...
  uint64_t agencies_registered = 0;
  uint64_t events = 0;
  uint64_t size = 0;
};

// REQUIRES: ledger has its checkpoint key; passphrase opens DIR/keys.
Result<DemoReport> RunDemo(ledger::Ledger& ledger, const DemoOptions& options, std::string_view passphrase);

}  // namespace creditlog::api
