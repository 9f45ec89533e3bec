// The HTTP server measured against the HTTP stack's own ceiling, in one run.
//
//   bench_http --demo DIR [--seconds S] [--events N] [--access-log on|off]
//   (N: signed events per ingest phase; --access-log off: reads of files are not recorded, to
//   measure what recording them costs)
//
// hello: a one-route hello-world on the server's own transport (api/http/http_server.h, 2 I/O
//   threads), loaded by wrk -t2 -c64: the ceiling of the HTTP stack.
// ingest: durable signed events over HTTP into a fresh ledger — single-event requests from 1, 8
//   and 64 concurrent connections (wrk with a Lua script posting pre-signed envelopes), and
//   batches of 1,000 from 4 libcurl clients — with acknowledgement latency p50/p99/max.
// receipts: time from POST ?wait=checkpoint to the answer carrying a checkpoint and inclusion
//   proof, from 8 clients for S seconds: with the publisher alone (receipt_*), then with a
//   witness policy of 2 of 3 witnesses on loopback (witnessed_receipt_*: the checkpoint is
//   published only once two witnesses cosigned it; docs/witnesses.md).
// queries: the demo ledger served read-only; wrk on profile, public profile, measures, a list
//   page and an inclusion proof over every subject in random order.
// Prints "RESULT <name> <value> <unit>". Needs `wrk` (Debian package) on the PATH.
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <mutex>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/malloc_conf.h"  // the server's allocator options, as `creditlog` has them
#include "api/http/access.h"
#include "api/client/http_client.h"
#include "api/http/http_server.h"
#include "api/http/witness_server.h"
#include "api/client/witnessing.h"
#include "ledger/publisher.h"
#include "ledger/witness.h"
#include "api/access_log.h"
#include "api/http/server.h"
#include "bench_common.h"
#include "wrk.h"
#include "ledger/ledger.h"
#include "projections/build.h"

using namespace creditlog;
using bench::Clock;
using bench::Seconds;
using bench::Wrk;
using bench::WrkResult;

namespace {


// Posts pre-signed envelopes, one per request, spread over wrk's threads; each envelope is sent
// once until the file runs out (then requests repeat: answered as duplicates, not recorded).
constexpr const char* kPostScript = R"(local envelopes = {}
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  local f = io.open(args[1], "rb")
  local data = f:read("*a")
  f:close()
  local total_threads = tonumber(args[2])
  local pos, n = 1, 0
  while pos <= #data do
    local a, b, c, d = data:byte(pos, pos + 3)
    local len = ((a * 256 + b) * 256 + c) * 256 + d
    if n % total_threads == id then envelopes[#envelopes + 1] = data:sub(pos + 4, pos + 3 + len) end
    n = n + 1
    pos = pos + 4 + len
  end
  i = 0
end
function request()
  i = i % #envelopes + 1
  return wrk.format("POST", "/v1/events", {["Content-Type"] = "application/octet-stream"}, envelopes[i])
end
)";

// The transport's own hello-world, configured like our server (every response still carries
// the security headers and a request id).
WrkResult Hello(int seconds) {
  api::HttpServerOptions options;
  options.threads = api::kServerThreadsDefault;
  options.connections_per_address_max = api::kConnectionsMax;  // wrk's 64 connections all come from 127.0.0.1
  api::HttpServer server(options);
  Status added = server.AddRoute("GET", "/", {}, [](const api::Request& req, const api::PathParams&) {
    req.Respond({200, "text/plain", "hello\n", {}});
  });
  if (!added.ok() || !server.Start().ok()) {
    std::fprintf(stderr, "bench_http: the hello-world server did not start\n");
    return {};
  }
  WrkResult r = Wrk("http://127.0.0.1:" + std::to_string(server.port()) + "/", seconds);
  server.Stop();
  return r;
}

struct IngestFigures {
  double events_per_second = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  uint64_t failures = 0;
};

// One request of a load: how many events it carried and whether it was answered 200 as wanted;
// nullopt when there is nothing left to send.
struct Sent {
  size_t events = 0;
  bool ok = false;
};
using Request = std::function<std::optional<Sent>(api::HttpClient&)>;

// `clients` threads each send `request` until it says stop or `until` passes: the events sent
// per second and the latency of each request.
IngestFigures Load(const std::string& url, int clients, Clock::time_point until, const Request& request) {
  std::mutex mutex;
  std::vector<double> latencies;
  std::atomic<uint64_t> failures{0}, sent_events{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      api::HttpClient client(url, "");
      std::vector<double> mine;
      while (Clock::now() < until) {
        const auto sent = Clock::now();
        const std::optional<Sent> r = request(client);
        if (!r) break;
        mine.push_back(Seconds(sent) * 1000);
        sent_events += r->events;
        if (!r->ok) failures += r->events;
      }
      std::lock_guard lock(mutex);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  IngestFigures f;
  f.events_per_second = static_cast<double>(sent_events.load()) / Seconds(start);
  f.p50_ms = bench::Quantile(latencies, 0.5);
  f.p99_ms = bench::Quantile(latencies, 0.99);
  f.max_ms = latencies.empty() ? 0 : latencies.back();
  f.failures = failures;
  return f;
}

// `clients` threads post `envelopes` [first, first + count) in batches of `batch`.
IngestFigures IngestBatches(const std::string& url, const std::vector<Bytes>& envelopes, size_t first, size_t count, int clients,
                            size_t batch) {
  std::atomic<size_t> next{first};
  const size_t end = first + count;
  return Load(url, clients, Clock::time_point::max(), [&](api::HttpClient& client) -> std::optional<Sent> {
    const size_t i = next.fetch_add(batch);
    if (i >= end) return std::nullopt;
    const size_t n = std::min(batch, end - i);
    nlohmann::json body = {{"envelopes", nlohmann::json::array()}};
    for (size_t k = i; k < i + n; ++k) body["envelopes"].push_back(Base64Encode(envelopes[k]));
    auto r = client.Post("/v1/events/batch", "application/json", body.dump());
    return Sent{n, r.ok() && r->status == 200};
  });
}

// `clients` threads each post one envelope at a time with ?wait=checkpoint, for `seconds`: the
// latency of each receipt (an answer with a checkpoint and an inclusion proof).
IngestFigures Receipts(const std::string& url, const std::vector<Bytes>& envelopes, int clients, int seconds) {
  std::atomic<size_t> next{0};
  return Load(url, clients, Clock::now() + std::chrono::seconds(seconds), [&](api::HttpClient& client) -> std::optional<Sent> {
    const size_t i = next.fetch_add(1);
    if (i >= envelopes.size()) return std::nullopt;
    auto r = client.Post("/v1/events?wait=checkpoint", "application/octet-stream",
                         std::string(envelopes[i].begin(), envelopes[i].end()));
    return Sent{1, r.ok() && r->status == 200 && r->body.find("\"checkpoint\"") != std::string::npos};
  });
}

// Receipts from a fresh ledger's server, with a witness policy of 2 of 3 loopback witnesses when
// `witnessed`; prints the figures under `name`.
int ReceiptPhase(const std::string& name, bool witnessed, int seconds) {
  const std::string dir = std::filesystem::temp_directory_path() / ("creditlog-bench-receipts-" + std::to_string(getpid()));
  KeyPair root = GenerateKeyPair(), ledger_key = GenerateKeyPair();
  ledger::GenesisParams params{bench::kOrigin, "bench", events::MakeUscc("11", "370200", "MB1A2B3C"), "信用办", "2026-01-01"};
  auto created = ledger::Ledger::Create(dir + "/log", params, root, ledger_key.public_key);
  if (!created.ok() || !(*created)->SetCheckpointKey(ledger_key.secret_key).ok()) return 1;
  ledger::Ledger& log = **created;
  std::vector<Bytes> registrations;
  for (uint64_t n = 0; n < bench::kSubjects; ++n) registrations.push_back(events::SignEnvelope(bench::Registration(n), root.secret_key, bench::kOrigin));
  for (const auto& r : log.AppendBatch(std::move(registrations))) {
    if (!r.ok()) return 1;
  }
  auto log_key = ParseVerifierKey(log.VerifierKey());
  std::vector<std::unique_ptr<ledger::Witness>> witnesses;
  std::vector<std::unique_ptr<api::WitnessServer>> witness_servers;
  std::string policy_text = "group all-witnesses 2";
  std::string lines;
  if (witnessed) {
    for (int w = 0; w < 3; ++w) {
      const std::string wdir = dir + "/witness-" + std::to_string(w);
      auto vkey = ledger::Witness::Init(wdir, "w" + std::to_string(w) + ".witness.example", "bench");
      auto opened = vkey.ok() ? ledger::Witness::Open(wdir, "bench", {*log_key}) : Result<std::unique_ptr<ledger::Witness>>(vkey.status());
      if (!opened.ok()) return 1;
      witnesses.push_back(std::move(*opened));
      auto served = api::WitnessServer::Start(*witnesses.back(), api::WitnessServerOptions{});
      if (!served.ok()) return 1;
      lines += "witness w" + std::to_string(w) + " " + *vkey + " http://127.0.0.1:" + std::to_string((*served)->port()) + "\n";
      policy_text += " w" + std::to_string(w);
      witness_servers.push_back(std::move(*served));
    }
  }
  ledger::CheckpointPublisher publisher(log, ledger::kCheckpointIntervalDefault);
  std::unique_ptr<api::Witnessing> witnessing;
  api::ServerOptions options;
  options.port = 0;
  options.publisher = &publisher;
  if (witnessed) {
    auto policy = WitnessPolicy::Parse(lines + policy_text + "\nquorum all-witnesses\n");
    if (!policy.ok()) return 1;
    auto started = api::Witnessing::Start(log, publisher, *policy, dir + "/log");
    if (!started.ok()) return 1;
    witnessing = std::move(*started);
    options.witnessed = witnessing.get();
  }
  auto server = api::Server::Start(log, options);
  if (!server.ok()) return 1;
  const std::vector<Bytes> envelopes = bench::SignedEvents(0, 50'000, root);
  const IngestFigures f = Receipts("http://127.0.0.1:" + std::to_string((*server)->port()), envelopes, 8, seconds);
  (*server)->Stop();
  if (witnessing) witnessing->Stop();
  publisher.Stop();
  bench::Result((name + "s_per_s").c_str(), f.events_per_second, "receipts/s");
  bench::Result((name + "_p50_ms").c_str(), f.p50_ms, "ms");
  bench::Result((name + "_p99_ms").c_str(), f.p99_ms, "ms");
  bench::Result((name + "_max_ms").c_str(), f.max_ms, "ms");
  if (f.failures) bench::Result((name + "_failures").c_str(), static_cast<double>(f.failures), "requests");
  for (auto& s : witness_servers) s->Stop();
  witnessing.reset();
  server->reset();
  created->reset();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  InitCrypto();
  std::string demo;
  int seconds = 5;
  uint64_t events = 40'000;
  bool record_reads = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--demo") demo = argv[i + 1];
    else if (flag == "--seconds") seconds = std::stoi(argv[i + 1]);
    else if (flag == "--events") events = std::stoull(argv[i + 1]);
    else if (flag == "--access-log" && (std::string(argv[i + 1]) == "on" || std::string(argv[i + 1]) == "off")) {
      record_reads = std::string(argv[i + 1]) == "on";
    } else {
      std::fprintf(stderr, "usage: bench_http --demo DIR [--seconds S] [--events N] [--access-log on|off]\n");
      return 2;
    }
  }
  if (demo.empty()) {
    std::fprintf(stderr, "bench_http: --demo DIR is required (a ledger made by creditlog demo)\n");
    return 2;
  }

  // The HTTP stack's ceiling.
  const WrkResult hello = Hello(seconds);
  bench::Result("hello_rps", hello.rps, "requests/s");
  bench::Result("hello_p99_ms", hello.p99_ms, "ms");

  // Ingest over HTTP into a fresh ledger.
  const std::string dir = std::filesystem::temp_directory_path() / ("creditlog-bench-http-" + std::to_string(getpid()));
  KeyPair root = GenerateKeyPair(), ledger_key = GenerateKeyPair();
  ledger::GenesisParams params{bench::kOrigin, "bench", events::MakeUscc("11", "370200", "MB1A2B3C"), "信用办", "2026-01-01"};
  auto created = ledger::Ledger::Create(dir, params, root, ledger_key.public_key);
  if (!created.ok()) {
    std::fprintf(stderr, "%s\n", created.status().ToString().c_str());
    return 1;
  }
  {
    // The rated bodies are registered first: the server refuses events for unregistered subjects.
    std::vector<Bytes> registrations;
    for (uint64_t n = 0; n < bench::kSubjects; ++n) registrations.push_back(events::SignEnvelope(bench::Registration(n), root.secret_key, bench::kOrigin));
    for (const auto& r : (*created)->AppendBatch(std::move(registrations))) {
      if (!r.ok()) {
        std::fprintf(stderr, "registering the subjects: %s\n", r.status().ToString().c_str());
        return 1;
      }
    }
    api::ServerOptions options;
    options.port = 0;
    options.connections_per_address_max = api::kConnectionsMax;  // wrk's connections all come from 127.0.0.1
    auto server = api::Server::Start(**created, options);
    if (!server.ok()) {
      std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
      return 1;
    }
    const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port());
    // A pool of `events` per phase: three single-event phases and the batch phase.
    const std::vector<Bytes> envelopes = bench::SignedEvents(0, 4 * events, root);
    // Single-event requests from wrk (1, 8 and 64 connections), each on its own share of the
    // pool; the rate counted is of events that became durable (the ledger's growth).
    const size_t share = events;
    size_t at = 0;
    const std::string script = dir + "-post.lua";
    std::ofstream(script) << kPostScript;
    for (int clients : {1, 8, 64}) {
      const std::string file = dir + "-envelopes.bin";
      {
        std::ofstream out(file, std::ios::binary);
        for (size_t i = at; i < at + share; ++i) {
          const uint32_t n = static_cast<uint32_t>(envelopes[i].size());
          const char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)};
          out.write(len, 4);
          out.write(reinterpret_cast<const char*>(envelopes[i].data()), static_cast<std::streamsize>(n));
        }
      }
      const uint64_t before = (*created)->size();
      const auto started = Clock::now();
      const WrkResult r = Wrk(url, seconds, script, "", clients, file + " " + std::to_string(std::min(2, clients)));
      const double elapsed = Seconds(started);
      const uint64_t recorded = (*created)->size() - before;
      at += share;
      std::filesystem::remove(file);
      const std::string name = "ingest_http_single_c" + std::to_string(clients);
      bench::Result(name.c_str(), static_cast<double>(recorded) / elapsed, "events/s");
      bench::Result((name + "_p50_ms").c_str(), r.p50_ms, "ms");
      bench::Result((name + "_p99_ms").c_str(), r.p99_ms, "ms");
      bench::Result((name + "_max_ms").c_str(), r.max_ms, "ms");
      if (recorded >= share) bench::Result((name + "_pool_exhausted").c_str(), 1, "flag");
      if (r.non_2xx) bench::Result((name + "_non_2xx").c_str(), static_cast<double>(r.non_2xx), "responses");
      if (clients == 64) bench::Result("ingest_http_single", static_cast<double>(recorded) / elapsed, "events/s");
    }
    std::filesystem::remove(script);
    const size_t batched = events;
    const IngestFigures b = IngestBatches(url, envelopes, at, batched, 4, api::kBatchEventsMax);
    bench::Result("ingest_http_batch", b.events_per_second, "events/s");
    bench::Result("ingest_http_batch_p50_ms", b.p50_ms, "ms");
    bench::Result("ingest_http_batch_p99_ms", b.p99_ms, "ms");
    bench::Result("ingest_http_batch_max_ms", b.max_ms, "ms");
    if (b.failures) bench::Result("ingest_http_batch_failures", static_cast<double>(b.failures), "events");
    (*server)->Stop();
  }
  created->reset();
  std::filesystem::remove_all(dir);

  // Receipts: the publisher's checkpoint, then a witnessed one.
  if (ReceiptPhase("receipt", false, seconds) != 0 || ReceiptPhase("witnessed_receipt", true, seconds) != 0) {
    std::fprintf(stderr, "bench_http: the receipt phases failed\n");
    return 1;
  }

  // Queries over the demo ledger, read-only.
  auto opened = ledger::Ledger::Open(demo, {.read_only = true});
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  auto state = projections::BuildState(**opened, (*opened)->size());
  if (!state.ok()) return 1;
  std::vector<std::string> subjects;
  for (const auto& [id, subject] : state->subjects()) {
    if (id.find('/') == std::string::npos) subjects.emplace_back(id);  // civil servants' files are for personnel
  }
  std::shuffle(subjects.begin(), subjects.end(), std::mt19937_64(7));
  const std::string token = api::NewToken();
  api::ServerOptions options;
  options.port = 0;
  options.read_only = true;
  options.connections_per_address_max = api::kConnectionsMax;
  options.tokens = {{"bench", api::Role::kInspector, api::TokenHash(token)}};
  // Reads of files are recorded, as `serve` records them (api/access_log.h): the profile and
  // measures figures include signing each record and its durable append; no per-token quota.
  const std::string access_dir = dir + "-access";
  auto access_log = api::AccessLog::Open(access_dir, **opened, GenerateKeyPair());
  if (!access_log.ok()) {
    std::fprintf(stderr, "%s\n", access_log.status().ToString().c_str());
    return 1;
  }
  if (record_reads) options.access_log = access_log->get();
  options.recorded_reads_per_minute = 0;
  auto server = api::Server::Start(**opened, options);
  if (!server.ok()) return 1;
  const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port());
  const std::string script = dir + "-paths.lua";
  const uint64_t size = (*opened)->size();
  auto run = [&](const std::string& name, const std::function<std::string(size_t)>& path) {
    std::ofstream lua(script);
    lua << "local paths = {\n";
    for (size_t i = 0; i < std::min<size_t>(subjects.size(), 20000); ++i) lua << "  \"" << path(i) << "\",\n";
    lua << "}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n";
    lua.close();
    const WrkResult r = Wrk(url, seconds, script, "Authorization: Bearer " + token);
    bench::Result((name + "_rps").c_str(), r.rps, "requests/s");
    bench::Result((name + "_p50_ms").c_str(), r.p50_ms, "ms");
    bench::Result((name + "_p99_ms").c_str(), r.p99_ms, "ms");
    if (r.non_2xx) bench::Result((name + "_non_2xx").c_str(), static_cast<double>(r.non_2xx), "responses");
    return r;
  };
  const WrkResult profile = run("profile", [&](size_t i) { return "/v1/subjects/" + subjects[i] + "/profile?purpose=supervision"; });
  run("public_profile", [&](size_t i) { return "/v1/subjects/" + subjects[i] + "/public-profile"; });
  run("measures", [&](size_t i) { return "/v1/subjects/" + subjects[i] + "/measures?purpose=supervision"; });
  run("list_page", [&](size_t) { return std::string("/v1/lists/SeriousDishonesty"); });
  std::mt19937_64 rng(11);
  run("inclusion_proof", [&](size_t) { return "/v1/proofs/inclusion?seq=" + std::to_string(rng() % size) + "&size=" + std::to_string(size); });
  bench::Result("profile_ratio", profile.rps / hello.rps, "of_hello_rps");
  (*server)->Stop();
  access_log->reset();
  std::filesystem::remove_all(access_dir);
  std::filesystem::remove(script);
  return 0;
}
