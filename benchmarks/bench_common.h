// Shared by the benchmark programs: the synthetic signed events every ingest figure uses, so
// that creditlog and the PostgreSQL baseline ingest the same bytes, and small timing helpers.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "crypto/ed25519.h"
#include "events/event.h"
#include "events/uscc.h"

namespace creditlog::bench {

using Clock = std::chrono::steady_clock;
inline constexpr const char* kOrigin = "bench.creditlog.example/log";

inline double Seconds(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// A process's resident set (VmRSS), MiB: `pid` ("self" for this one); 0 when it cannot be read.
inline double RssMiB(const std::string& pid = "self") {
  std::ifstream status("/proc/" + pid + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) return std::stod(line.substr(6)) / 1024;  // kB
  }
  return 0;
}

inline constexpr uint64_t kSubjects = 1000;  // the rated bodies the synthetic events spread over

// The USCC of synthetic subject n.
inline std::string SubjectUscc(uint64_t n) {
  std::string body = "MA";
  for (uint64_t k = 0; k < 6; ++k, n /= 31) body.push_back(events::kUsccAlphabet[n % 31]);
  return events::MakeUscc("91", "370202", body);
}

// The registration of synthetic subject n: a ledger whose appends pass the rules of the log
// (projections/admission.h, as `serve` installs) takes events only for registered subjects.
inline Bytes Registration(uint64_t n) {
  flatbuffers::FlatBufferBuilder b;
  const std::string id = "bench-register-" + std::to_string(n), subject = SubjectUscc(n);
  auto registered = fb::CreateSubjectRegisteredDirect(b, fb::SubjectKind::PublicBody, ("青岛市服务中心" + std::to_string(n)).c_str(), "370202");
  b.Finish(fb::CreateEventDirect(b, id.c_str(), subject.c_str(), -1, 0, 0, fb::EventBody::SubjectRegistered, registered.Union()));
  return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

// One ServiceRated event (~300 bytes signed), subjects spread over `subjects` USCCs.
inline Bytes RatingEvent(uint64_t i, uint64_t subjects = kSubjects) {
  flatbuffers::FlatBufferBuilder b;
  const std::string id = "bench-" + std::to_string(i);
  const std::string subject = SubjectUscc(i % subjects);
  auto rated = fb::CreateServiceRatedDirect(b, id.c_str(), 5, "食品经营许可", "2026-03-01");
  b.Finish(fb::CreateEventDirect(b, id.c_str(), subject.c_str(), -1, 0, 0, fb::EventBody::ServiceRated, rated.Union()));
  return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

inline std::vector<Bytes> SignedEvents(uint64_t from, uint64_t count, const KeyPair& key) {
  std::vector<Bytes> out;
  out.reserve(count);
  for (uint64_t i = from; i < from + count; ++i) out.push_back(events::SignEnvelope(RatingEvent(i), key.secret_key, kOrigin));
  return out;
}

// The q-quantile (0..1) of `values` (sorted in place).
inline double Quantile(std::vector<double>& values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t i = std::min(values.size() - 1, static_cast<size_t>(q * static_cast<double>(values.size())));
  return values[i];
}

// Counts print whole (2109437, not 2.10944e+06); other figures to six significant digits.
inline void Result(const char* name, double value, const char* unit) {
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    std::printf("RESULT %s %.0f %s\n", name, value, unit);
  } else {
    std::printf("RESULT %s %.6g %s\n", name, value, unit);
  }
}

}  // namespace creditlog::bench
