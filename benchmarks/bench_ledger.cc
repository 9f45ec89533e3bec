// Local ingest against the machine's ceilings, in one run so that ratios hold on a noisy
// machine: Ed25519 verifications/s on 1 and 2 threads, then durable signed appends/s through
// Ledger::AppendBatch (group commit, parallel signature checks).
// Usage: bench_ledger [events]   Prints "RESULT <name> <value> <unit>" lines.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "crypto/ed25519.h"
#include "events/event.h"
#include "events/uscc.h"
#include "ledger/ledger.h"

using namespace creditlog;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint64_t kEventsDefault = 50'000;
constexpr size_t kBatch = 10'000;  // events per AppendBatch call, pipelined inside
constexpr const char* kOrigin = "bench.creditlog.example/log";

double Seconds(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

Bytes RatingEvent(uint64_t i, const std::string& subject) {
  flatbuffers::FlatBufferBuilder b;
  const std::string id = "bench-" + std::to_string(i);
  auto body = fb::CreateServiceRatedDirect(b, id.c_str(), 5, "食品经营许可", "2026-03-01");
  b.Finish(fb::CreateEventDirect(b, id.c_str(), subject.c_str(), -1, 0, 0, fb::EventBody::ServiceRated, body.Union()));
  return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

double VerifyCeiling(unsigned threads, const Bytes& envelope) {
  auto view = *events::ParseEnvelope(envelope);
  constexpr int kPerThread = 20'000;
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!events::VerifyEnvelopeSignature(view, kOrigin).ok()) std::abort();
      }
    });
  }
  for (auto& w : workers) w.join();
  return threads * kPerThread / Seconds(start);
}

}  // namespace

int main(int argc, char** argv) {
  InitCrypto();
  const uint64_t total = argc > 1 ? std::stoull(argv[1]) : kEventsDefault;
  const std::string dir = std::filesystem::temp_directory_path() / ("creditlog-bench-" + std::to_string(getpid()));
  KeyPair root = GenerateKeyPair(), ledger_key = GenerateKeyPair();
  ledger::GenesisParams params{kOrigin, "bench", events::MakeUscc("11", "370200", "MB1A2B3C"), "信用办", "2026-01-01"};
  auto created = ledger::Ledger::Create(dir, params, root, ledger_key.public_key);
  if (!created.ok()) {
    std::fprintf(stderr, "%s\n", created.status().ToString().c_str());
    return 1;
  }
  auto& ledger = **created;
  const std::string subject = events::MakeUscc("91", "370202", "MA000001");
  std::vector<Bytes> envelopes;
  for (uint64_t i = 0; i < total; ++i) envelopes.push_back(events::SignEnvelope(RatingEvent(i, subject), root.secret_key, kOrigin));
  const double verify_1t = VerifyCeiling(1, envelopes[0]);
  const double verify_2t = VerifyCeiling(2, envelopes[0]);
  const auto start = Clock::now();
  for (size_t begin = 0; begin < envelopes.size(); begin += kBatch) {
    std::vector<Bytes> chunk(envelopes.begin() + static_cast<std::ptrdiff_t>(begin),
                             envelopes.begin() + static_cast<std::ptrdiff_t>(std::min(envelopes.size(), begin + kBatch)));
    for (const auto& r : ledger.AppendBatch(std::move(chunk))) {
      if (!r.ok()) {
        std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
        return 1;
      }
    }
  }
  const double ingest = static_cast<double>(total) / Seconds(start);
  std::printf("RESULT verify_ceiling_1t %.0f verifications/s\n", verify_1t);
  std::printf("RESULT verify_ceiling_2t %.0f verifications/s\n", verify_2t);
  std::printf("RESULT ingest_local %.0f events/s\n", ingest);
  std::printf("RESULT ingest_local_ratio %.2f of verify_ceiling_2t\n", ingest / verify_2t);
  created->reset();
  std::filesystem::remove_all(dir);
  return 0;
}
