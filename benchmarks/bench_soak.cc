// Soak: a running `creditlog serve` under a steady signed-event load with queries, for minutes,
// reporting every interval the achieved rate, acknowledgement latency and the server's memory.
//
//   bench_soak --server URL --pid PID --key KEYFILE --origin ORIGIN --token TOKEN
//              [--rate EVENTS_PER_S] [--minutes M] [--clients N] [--interval-s S]
//
// Events are ServiceRated ratings (bench_common.h) signed on the fly with the agency key
// (CREDITLOG_PASSPHRASE opens it), paced to --rate over --clients connections; one more thread
// queries profiles, a list and inclusion proofs. Prints a row per interval and RESULT lines:
// the rate, p99 per interval (first and last), and RSS at the start and end.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/data_dir.h"
#include "api/client/http_client.h"
#include "bench_common.h"
#include "crypto/key_file.h"

using namespace creditlog;
using bench::Clock;

namespace {

struct Window {
  std::mutex mutex;
  std::vector<double> latencies_ms;
  uint64_t failures = 0;
  uint64_t queries = 0;
};

}  // namespace

int main(int argc, char** argv) {
  InitCrypto();
  std::string url, key_path, origin = bench::kOrigin, token;
  int pid = 0, clients = 16, interval_s = 30;
  double rate = 5000, minutes = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--server") url = value;
    else if (flag == "--pid") pid = std::stoi(value);
    else if (flag == "--key") key_path = value;
    else if (flag == "--origin") origin = value;
    else if (flag == "--token") token = value;
    else if (flag == "--rate") rate = std::stod(value);
    else if (flag == "--minutes") minutes = std::stod(value);
    else if (flag == "--clients") clients = std::stoi(value);
    else if (flag == "--interval-s") interval_s = std::stoi(value);
    else {
      std::fprintf(stderr, "unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  auto passphrase = ReadPassphrase("passphrase for " + key_path + ": ");
  if (!passphrase.ok()) return 2;
  auto key = api::LoadKey(key_path, *passphrase);
  if (!key.ok()) {
    std::fprintf(stderr, "%s\n", key.status().ToString().c_str());
    return 2;
  }
  const KeyPair signer = key->key_pair;
  // The rated bodies are registered first (idempotent: a re-run's registrations are duplicates).
  constexpr uint64_t kSoakSubjects = 5000;
  {
    api::HttpClient client(url, "");
    for (uint64_t n = 0; n < kSoakSubjects; ++n) {
      const Bytes envelope = events::SignEnvelope(bench::Registration(n), signer.secret_key, origin);
      auto r = client.Post("/v1/events", "application/octet-stream", std::string(envelope.begin(), envelope.end()));
      if (!r.ok() || r->status != 200) {
        std::fprintf(stderr, "registering subject %llu: %s\n", static_cast<unsigned long long>(n),
                     r.ok() ? r->body.c_str() : r.status().ToString().c_str());
        return 1;
      }
    }
  }
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(minutes * 60));
  std::atomic<uint64_t> next_event{static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count() % 1'000'000'000) * 1000};
  std::atomic<uint64_t> sent{0};
  Window window;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const double per_client = rate / clients;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      api::HttpClient client(url, "");
      auto due = Clock::now();
      const auto gap = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / per_client));
      while (!stop) {
        due += gap;
        std::this_thread::sleep_until(due);
        const uint64_t i = next_event++;
        const Bytes envelope = events::SignEnvelope(bench::RatingEvent(i, kSoakSubjects), signer.secret_key, origin);
        const auto sent_at = Clock::now();
        auto r = client.Post("/v1/events", "application/octet-stream", std::string(envelope.begin(), envelope.end()));
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent_at).count();
        std::lock_guard lock(window.mutex);
        if (r.ok() && r->status == 200) {
          window.latencies_ms.push_back(ms);
          ++sent;
        } else {
          ++window.failures;
        }
      }
    });
  }
  threads.emplace_back([&] {
    api::HttpClient client(url, token);
    uint64_t n = 0;
    while (!stop) {
      const std::string subject = [&] {
        std::string body = "MA";
        for (uint64_t k = n % 5000, d = 0; d < 6; ++d, k /= 31) body.push_back(events::kUsccAlphabet[k % 31]);
        return events::MakeUscc("91", "370202", body);
      }();
      (void)client.Get("/v1/subjects/" + subject + "/public-profile");
      (void)client.Get("/v1/lists/SeriousDishonesty");
      (void)client.Get("/v1/checkpoint");
      ++n;
      std::lock_guard lock(window.mutex);
      window.queries += 3;
    }
  });
  std::printf("%8s %10s %9s %9s %9s %9s %8s\n", "time_s", "events/s", "p50_ms", "p99_ms", "queries/s", "rss_mib", "failed");
  double first_p99 = 0, last_p99 = 0, first_rss = 0, last_rss = 0, total_rate = 0;
  int windows = 0;
  uint64_t last_sent = 0;
  auto last = Clock::now();
  while (Clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::seconds(interval_s));
    std::vector<double> latencies;
    uint64_t failures, queries;
    {
      std::lock_guard lock(window.mutex);
      latencies.swap(window.latencies_ms);
      failures = window.failures;
      queries = window.queries;
      window.failures = window.queries = 0;
    }
    const double seconds = bench::Seconds(last);
    last = Clock::now();
    const uint64_t now_sent = sent;
    const double events_per_s = static_cast<double>(now_sent - last_sent) / seconds;
    last_sent = now_sent;
    const double p50 = bench::Quantile(latencies, 0.5), p99 = bench::Quantile(latencies, 0.99);
    const double rss = bench::RssMiB(std::to_string(pid));
    std::printf("%8.0f %10.0f %9.2f %9.2f %9.0f %9.1f %8llu\n", bench::Seconds(start), events_per_s, p50, p99,
                static_cast<double>(queries) / seconds, rss, static_cast<unsigned long long>(failures));
    std::fflush(stdout);
    if (windows == 0) {
      first_p99 = p99;
      first_rss = rss;
    }
    last_p99 = p99;
    last_rss = rss;
    total_rate += events_per_s;
    ++windows;
  }
  stop = true;
  for (auto& t : threads) t.join();
  bench::Result("soak_minutes", minutes, "minutes");
  bench::Result("soak_events_per_s", windows ? total_rate / windows : 0, "events/s");
  bench::Result("soak_p99_first_ms", first_p99, "ms");
  bench::Result("soak_p99_last_ms", last_p99, "ms");
  bench::Result("soak_rss_first_mib", first_rss, "MiB");
  bench::Result("soak_rss_last_mib", last_rss, "MiB");
  return 0;
}
