// The server at scale: a demo ledger of many subjects (creditlog demo --subjects N), served as
// bench_http's "queries" phase serves it.
//
//   bench_scale --demo DIR [--seconds S]
//   ($CREDITLOG_PASSPHRASE must open DIR/keys: the ledger key signs the projection snapshot, the
//   demo's agency keys the writes, as for `creditlog demo`)
//
// sample: a child process folds the log (projections::BuildState) and draws random subjects
//   (ids, names, kinds); it runs apart so that its copy of the state does not count in this
//   process's RSS. subjects_at_scale is the number of subjects in that folded state.
// state: the heap a copy of the folded state takes (jemalloc's stats.allocated before and after
//   the copy, in the child): the projection a server holds, its search index included, without
//   what folding leaves behind.
// start: from opening DIR read-only to the first 200 from GET /healthz: opening the ledger and
//   the access log, folding the whole log (api::Server::Start catches its LiveProjection up
//   before it listens), listening.
// search: wrk on GET /v1/search?q=… over a mix of queries (percent-encoded), in equal shares:
//   2–4 Chinese characters from a random subject's name, the first 10 characters of a random
//   USCC in lower case, a random subject's 6-digit division code, and a name nothing matches.
// profile: wrk on GET /v1/subjects/{id}/profile over random subjects; each read recorded in an
//   access log, as bench_http's profile phase does.
// rss: VmRSS of this process (server, folded state, access log; not wrk) after start, search
//   and profile.
// list page under writes: a writable server over a copy of DIR (DIR is not changed); after one
//   GET of the whole serious-dishonesty list (list_first_ms: computed whole), wrk on its pages of
//   50 subjects (?limit=50, the first and after sampled subjects: list_page_*), then on the whole
//   list (list_whole_*), while 128 clients post pre-signed 好差评 ratings (ServiceRated,
//   signed with the demo's approval-bureau key) on a fixed schedule of 1,000 events/s in all
//   (enough clients that the schedule holds while each write waits behind wrk's requests);
//   every write must be accepted (200); the rate accepted while wrk ran is reported.
// Prints "RESULT <name> <value> <unit>". Needs `wrk` (Debian package) on the PATH.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <flatbuffers/flatbuffers.h>
#include <jemalloc/jemalloc.h>

#include "api/malloc_conf.h"  // the server's allocator options, as `creditlog` has them
#include "api/access_log.h"
#include "api/client/http_client.h"
#include "api/data_dir.h"
#include "api/http/access.h"
#include "api/http/server.h"
#include "base/clock.h"
#include "bench_common.h"
#include "wrk.h"
#include "crypto/key_file.h"
#include "events/event.h"
#include "ledger/ledger.h"
#include "projections/build.h"
#include "projections/snapshot.h"

using namespace creditlog;
using bench::Clock;
using bench::Seconds;
using bench::Wrk;
using bench::WrkResult;

namespace {

inline constexpr size_t kPathsMax = 20'000;          // paths in one wrk script (as bench_http)
inline constexpr size_t kPublicBodiesMax = 2'000;    // rated bodies drawn for the writes phase
inline constexpr uint64_t kSampleSeed = 7;
inline constexpr size_t kNameFragmentMin = 2, kNameFragmentMax = 4;  // Chinese characters
inline constexpr size_t kUsccPrefixLength = 10;
inline constexpr const char* kMissQuery = "无此企业名称";  // plus random digits: matches nothing
inline constexpr const char* kListPath = "/v1/lists/SeriousDishonesty";  // the whole list (bench_http's list page)
inline constexpr uint64_t kListPageSubjects = 50;    // the console's page: ?limit=50, from the first and from sampled subjects
inline constexpr size_t kListPageCursors = 200;
inline constexpr std::chrono::seconds kHealthzTimeout{60};
inline constexpr uint64_t kWritesPerSecond = 1'000;  // the write load beside the list pages
inline constexpr int kWriterClients = 128;           // each posts its share on its own schedule
                                                     // (64 fell behind: ~800/s at ~80 ms a write)
inline constexpr int kWriteSpareSeconds = 5;         // envelopes signed beyond S seconds' worth
inline constexpr const char* kRatingAgency = "approval";  // the demo's agency that records ServiceRated
inline constexpr const char* kRatedMatter = "食品经营许可";

// ------------------------------------------------------------------ wrk (as bench_http)

// wrk GETs `paths` in turn (each wrk thread from the first) for `seconds`; prints the figures
// as NAME_rps_WHERE, NAME_p50_ms_WHERE, NAME_p99_ms_WHERE (and NAME_non_2xx_WHERE, NAME_timeouts_WHERE
// when some failed), e.g. search_p99_ms_at_scale.
WrkResult WrkPaths(const std::string& name, const std::string& where, const std::string& url, const std::vector<std::string>& paths,
                   int seconds, const std::string& token, const std::string& script) {
  {
    std::ofstream lua(script);
    lua << "local paths = {\n";
    for (size_t i = 0; i < std::min(paths.size(), kPathsMax); ++i) lua << "  \"" << paths[i] << "\",\n";
    lua << "}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n";
  }
  const WrkResult r = Wrk(url, seconds, script, "Authorization: Bearer " + token);
  std::filesystem::remove(script);
  bench::Result((name + "_rps" + where).c_str(), r.rps, "requests/s");
  bench::Result((name + "_p50_ms" + where).c_str(), r.p50_ms, "ms");
  bench::Result((name + "_p99_ms" + where).c_str(), r.p99_ms, "ms");
  if (r.non_2xx) bench::Result((name + "_non_2xx" + where).c_str(), static_cast<double>(r.non_2xx), "responses");
  if (r.timeouts) bench::Result((name + "_timeouts" + where).c_str(), static_cast<double>(r.timeouts), "requests");
  return r;
}

// ------------------------------------------------------------------ the sample

struct Sampled {
  std::string id, name;
};

struct Sample {
  uint64_t subjects = 0;                 // in the folded state
  std::vector<Sampled> subjects_drawn;   // legal persons (no civil servants), random order
  std::vector<std::string> public_bodies;  // random order
};

// The bytes jemalloc has allocated and not freed (its statistics refreshed first).
size_t AllocatedBytes() {
  uint64_t epoch = 1;
  size_t size = sizeof(epoch);
  mallctl("epoch", &epoch, &size, &epoch, size);
  size_t allocated = 0;
  size = sizeof(allocated);
  if (mallctl("stats.allocated", &allocated, &size, nullptr, 0) != 0) return 0;
  return allocated;
}

// In a child process: folds `demo`, writes its projection snapshot to `snapshot` (signed with
// the ledger key `passphrase` opens) and the sample
// to `path` — the subject count, then "S\tid\tname" and "P\tid" lines. Returns the child's
// exit code.
int WriteSample(const std::string& demo, const std::string& passphrase, const std::string& path, const std::string& snapshot) {
  auto opened = ledger::Ledger::Open(demo, {.read_only = true});
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  const auto folding = Clock::now();
  auto state = projections::BuildState(**opened, (*opened)->size());
  if (!state.ok()) {
    std::fprintf(stderr, "folding %s: %s\n", demo.c_str(), state.status().ToString().c_str());
    return 1;
  }
  bench::Result("fold_s_at_scale", Seconds(folding), "s");
  {
    const size_t before = AllocatedBytes();
    const projections::State copy(*state);
    bench::Result("state_mib_at_scale", static_cast<double>(AllocatedBytes() - before) / (1 << 20), "MiB");
  }
  // The projection snapshot the server then starts from, as `serve` writes it.
  auto key = api::LoadKey(api::LedgerKeyPath(demo), passphrase);
  if (!key.ok()) {
    std::fprintf(stderr, "%s\n", key.status().ToString().c_str());
    return 1;
  }
  const auto writing = Clock::now();
  if (Status written = projections::WriteSnapshot(snapshot, **opened, *state, key->key_pair); !written.ok()) {
    std::fprintf(stderr, "%s\n", written.ToString().c_str());
    return 1;
  }
  bench::Result("snapshot_write_s_at_scale", Seconds(writing), "s");
  bench::Result("snapshot_mib_at_scale", static_cast<double>(std::filesystem::file_size(snapshot)) / (1 << 20), "MiB");
  std::fflush(stdout);  // the child leaves by _exit
  std::vector<const projections::SubjectState*> legal, bodies;
  for (const auto& [id, subject] : state->subjects()) {
    if (!subject.registered || id.find('/') != std::string::npos) continue;  // civil servants' files are for personnel
    legal.push_back(&subject);
    if (subject.kind == fb::SubjectKind::PublicBody) bodies.push_back(&subject);
  }
  std::mt19937_64 rng(kSampleSeed);
  std::shuffle(legal.begin(), legal.end(), rng);
  std::shuffle(bodies.begin(), bodies.end(), rng);
  std::ofstream out(path);
  out << state->subjects().size() << "\n";
  for (size_t i = 0; i < std::min(legal.size(), kPathsMax); ++i) out << "S\t" << legal[i]->id << "\t" << legal[i]->name << "\n";
  for (size_t i = 0; i < std::min(bodies.size(), kPublicBodiesMax); ++i) out << "P\t" << bodies[i]->id << "\n";
  out.close();
  return out ? 0 : 1;
}

std::optional<Sample> DrawSample(const std::string& demo, const std::string& passphrase, const std::string& path,
                                const std::string& snapshot) {
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child == 0) ::_exit(WriteSample(demo, passphrase, path, snapshot));
  int status = 0;
  if (child < 0 || ::waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  std::ifstream in(path);
  Sample sample;
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  sample.subjects = std::stoull(line);
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string tag, id, name;
    std::getline(fields, tag, '\t');
    std::getline(fields, id, '\t');
    std::getline(fields, name);
    if (tag == "S") sample.subjects_drawn.push_back({id, name});
    if (tag == "P") sample.public_bodies.push_back(id);
  }
  std::filesystem::remove(path);
  if (sample.subjects_drawn.empty()) return std::nullopt;
  return sample;
}

// ------------------------------------------------------------------ search queries

// `length` consecutive CJK ideographs (U+4E00–U+9FFF) at a random place in `name`; "" when it
// has no run that long.
std::string NameFragment(const std::string& name, size_t length, std::mt19937_64& rng) {
  struct Char {
    size_t at, bytes;
    bool cjk;
  };
  std::vector<Char> chars;
  for (size_t i = 0; i < name.size();) {
    const auto lead = static_cast<unsigned char>(name[i]);
    const size_t bytes = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    bool cjk = false;
    if (bytes == 3 && i + 2 < name.size()) {
      const uint32_t cp = ((lead & 0x0Fu) << 12) | ((static_cast<unsigned char>(name[i + 1]) & 0x3Fu) << 6) |
                          (static_cast<unsigned char>(name[i + 2]) & 0x3Fu);
      cjk = cp >= 0x4E00 && cp <= 0x9FFF;
    }
    chars.push_back({i, bytes, cjk});
    i += bytes;
  }
  std::vector<size_t> starts;  // where `length` ideographs begin
  for (size_t s = 0; s + length <= chars.size(); ++s) {
    if (std::all_of(chars.begin() + static_cast<std::ptrdiff_t>(s), chars.begin() + static_cast<std::ptrdiff_t>(s + length),
                    [](const Char& c) { return c.cjk; })) {
      starts.push_back(s);
    }
  }
  if (starts.empty()) return "";
  const size_t s = starts[rng() % starts.size()];
  const Char& last = chars[s + length - 1];
  return name.substr(chars[s].at, last.at + last.bytes - chars[s].at);
}

// kPathsMax search paths, the four kinds of query in turn (then shuffled).
std::vector<std::string> SearchPaths(const std::vector<Sampled>& subjects, std::mt19937_64& rng) {
  std::vector<std::string> paths;
  auto any = [&]() -> const Sampled& { return subjects[rng() % subjects.size()]; };
  for (size_t i = 0; paths.size() < kPathsMax; ++i) {
    std::string q;
    switch (i % 4) {
      case 0: {  // a name fragment; a shorter one, or another subject, when a name has none that long
        const size_t wanted = kNameFragmentMin + rng() % (kNameFragmentMax - kNameFragmentMin + 1);
        for (int tries = 0; q.empty() && tries < 100; ++tries) {
          const Sampled& s = any();
          for (size_t length = wanted; q.empty() && length >= kNameFragmentMin; --length) q = NameFragment(s.name, length, rng);
        }
        break;
      }
      case 1: {  // a USCC prefix, typed in lower case
        q = any().id.substr(0, kUsccPrefixLength);
        for (char& c : q) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        break;
      }
      case 2: q = std::string(events::SubjectDivision(any().id)); break;
      case 3: q = kMissQuery + std::to_string(rng() % 1'000'000); break;
    }
    if (!q.empty()) paths.push_back("/v1/search?q=" + boost::urls::encode(q, boost::urls::unreserved_chars));
  }
  std::shuffle(paths.begin(), paths.end(), rng);
  return paths;
}

// ------------------------------------------------------------------ helpers

// Polls GET /healthz until it answers 200; false after kHealthzTimeout.
bool WaitHealthy(const std::string& url) {
  api::HttpClient client(url, "");
  const auto until = Clock::now() + kHealthzTimeout;
  while (Clock::now() < until) {
    auto r = client.Get("/healthz");
    if (r.ok() && r->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

// Copies a data directory as RocksDB's checkpoints do: table files (*.sst), which RocksDB never
// changes once written, as hard links (a copy when linking fails); everything else as a copy.
// The copy's writes never reach `from`.
Status CopyDataDir(const std::string& from, const std::string& to) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return Status::IOError("creating " + to + ": " + ec.message());
  for (const auto& entry : fs::recursive_directory_iterator(from)) {
    const fs::path target = fs::path(to) / fs::relative(entry.path(), from);
    if (entry.is_directory()) {
      fs::create_directories(target, ec);
    } else if (entry.is_regular_file()) {
      ec.clear();
      if (entry.path().extension() == ".sst") fs::create_hard_link(entry.path(), target, ec);
      if (entry.path().extension() != ".sst" || ec) fs::copy_file(entry.path(), target, fs::copy_options::overwrite_existing, ec);
    }
    if (ec) return Status::IOError("copying " + entry.path().string() + ": " + ec.message());
  }
  return Status::Ok();
}

// A 好差评 rating of `subject` (no case named), dated `date`.
Bytes Rating(uint64_t i, const std::string& subject, const std::string& date) {
  flatbuffers::FlatBufferBuilder b;
  const std::string id = "bench-scale-" + std::to_string(i);
  auto rated = fb::CreateServiceRatedDirect(b, id.c_str(), static_cast<uint8_t>(1 + i % 5), kRatedMatter, date.c_str());
  b.Finish(fb::CreateEventDirect(b, id.c_str(), subject.c_str(), -1, 0, 0, fb::EventBody::ServiceRated, rated.Union()));
  return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

struct Writes {
  uint64_t accepted = 0, refused = 0;
  uint64_t accepted_before_stop = 0;  // answered 200 before `stop` was set
};

// kWriterClients threads post `envelopes` one per request, the whole at kWritesPerSecond on a
// fixed schedule from `start` (a client that falls behind sends at once until it is on time),
// until `stop`.
Writes PostSteadily(const std::string& url, const std::vector<Bytes>& envelopes, Clock::time_point start,
                    const std::atomic<bool>& stop) {
  std::atomic<uint64_t> accepted{0}, refused{0}, accepted_before_stop{0};
  std::once_flag said;
  const auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / kWritesPerSecond));
  std::vector<std::thread> threads;
  for (int c = 0; c < kWriterClients; ++c) {
    threads.emplace_back([&, c] {
      api::HttpClient client(url, "");
      for (size_t i = static_cast<size_t>(c); i < envelopes.size() && !stop; i += kWriterClients) {
        std::this_thread::sleep_until(start + interval * static_cast<int64_t>(i));
        if (stop) break;
        auto r = client.Post("/v1/events", "application/octet-stream", std::string(envelopes[i].begin(), envelopes[i].end()));
        if (r.ok() && r->status == 200) {
          ++accepted;
          if (!stop) ++accepted_before_stop;
          continue;
        }
        ++refused;
        std::call_once(said, [&] {
          std::fprintf(stderr, "bench_scale: a write was refused: %s\n",
                       r.ok() ? (std::to_string(r->status) + " " + r->body).c_str() : r.status().ToString().c_str());
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  return {accepted, refused, accepted_before_stop};
}

// The list page under writes, on a writable server over `copy` (a copy of the demo ledger).
int ListPageUnderWrites(const std::string& copy, const std::string& passphrase, const Sample& sample, int seconds,
                        const std::string& work) {
  auto writable = api::OpenForWriting(copy, passphrase);  // with the rules of the log, as `serve` opens it
  if (!writable.ok()) {
    std::fprintf(stderr, "%s\n", writable.status().ToString().c_str());
    return 1;
  }
  ledger::Ledger& log = **writable;
  // The writes: ratings signed by the demo's approval bureau, of public bodies within its key's
  // jurisdiction (of any drawn subject there when the sample has no public body).
  auto agency = api::LoadKey(api::AgencyKeyPath(copy, kRatingAgency), passphrase);
  if (!agency.ok()) {
    std::fprintf(stderr, "%s\n", agency.status().ToString().c_str());
    return 1;
  }
  const ledger::KeyRegistry registry = log.registry();
  const ledger::KeyRecord* record = registry.Find(agency->key_pair.public_key);
  if (record == nullptr || !record->Permits(fb::EventBody::ServiceRated)) {
    std::fprintf(stderr, "bench_scale: the demo's '%s' key may not record ServiceRated\n", kRatingAgency);
    return 1;
  }
  std::vector<std::string> rated;
  for (const auto& id : sample.public_bodies) {
    if (events::SubjectDivision(id).starts_with(record->jurisdiction)) rated.push_back(id);
  }
  for (size_t i = 0; rated.empty() && i < sample.subjects_drawn.size(); ++i) {
    if (events::SubjectDivision(sample.subjects_drawn[i].id).starts_with(record->jurisdiction)) rated.push_back(sample.subjects_drawn[i].id);
  }
  if (rated.empty()) {
    std::fprintf(stderr, "bench_scale: no subject is within the jurisdiction of the demo's '%s' key\n", kRatingAgency);
    return 1;
  }
  const std::string today = events::DateFromDays(TodayInChina());  // a rating may not be dated after its recording
  std::vector<Bytes> envelopes;
  const uint64_t count = kWritesPerSecond * static_cast<uint64_t>(2 * seconds + kWriteSpareSeconds);  // two loads
  for (uint64_t i = 0; i < count; ++i) {
    envelopes.push_back(events::SignEnvelope(Rating(i, rated[i % rated.size()], today), agency->key_pair.secret_key, log.origin()));
  }

  const std::string token = api::NewToken();
  api::ServerOptions options;
  options.port = 0;
  options.connections_per_address_max = api::kConnectionsMax;  // wrk's connections all come from 127.0.0.1
  options.tokens = {{"bench", api::Role::kInspector, api::TokenHash(token)}};
  auto server = api::Server::Start(log, options);
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
    return 1;
  }
  const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port());
  const uint64_t before = log.size();
  // The first answer after start computes the list whole (every subject evaluated); later ones
  // are patched with the subjects new entries change (api/http/live_projection.h).
  {
    api::HttpClient client(url, token);
    const auto asked = Clock::now();
    auto first = client.Get(kListPath);
    if (!first.ok() || first->status != 200) {
      std::fprintf(stderr, "bench_scale: GET %s failed\n", kListPath);
      return 1;
    }
    bench::Result("list_first_ms_at_scale", Seconds(asked) * 1000, "ms");
  }
  std::vector<std::string> pages = {std::string(kListPath) + "?limit=" + std::to_string(kListPageSubjects)};
  for (size_t i = 0; i < std::min(kListPageCursors, sample.subjects_drawn.size()); ++i) {
    pages.push_back(pages.front() + "&after=" + sample.subjects_drawn[i].id);
  }
  std::atomic<bool> stop{false};
  Writes writes;
  const auto writing = Clock::now();
  std::thread writer([&] { writes = PostSteadily(url, envelopes, writing, stop); });
  const WrkResult list = WrkPaths("list_page", "_under_writes", url, pages, seconds, token, work + "-list.lua");
  const WrkResult whole = WrkPaths("list_whole", "_under_writes", url, {kListPath}, seconds, token, work + "-whole.lua");
  const double loaded = Seconds(writing);  // the writes accepted while wrk ran, per second
  stop = true;
  writer.join();
  (*server)->Stop();
  bench::Result("list_writes_per_s_under_load", static_cast<double>(writes.accepted_before_stop) / loaded, "events/s");
  bench::Result("list_writes_accepted", static_cast<double>(writes.accepted), "events");
  if (writes.accepted + writes.refused >= envelopes.size()) bench::Result("list_writes_pool_exhausted", 1, "flag");
  if (writes.refused) bench::Result("list_writes_refused", static_cast<double>(writes.refused), "events");
  if (log.size() - before != writes.accepted) {
    std::fprintf(stderr, "bench_scale: %llu writes were accepted, but the log grew by %llu\n",
                 static_cast<unsigned long long>(writes.accepted), static_cast<unsigned long long>(log.size() - before));
    return 1;
  }
  return list.rps > 0 && whole.rps > 0 && writes.accepted > 0 && writes.refused == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  InitCrypto();
  std::string demo;
  int seconds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--demo") demo = argv[i + 1];
    else if (flag == "--seconds") seconds = std::stoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: bench_scale --demo DIR [--seconds S]\n");
      return 2;
    }
  }
  if (demo.empty() || argc % 2 == 0) {
    std::fprintf(stderr, "usage: bench_scale --demo DIR [--seconds S]  (DIR: a ledger made by creditlog demo)\n");
    return 2;
  }
  const std::string work = std::filesystem::temp_directory_path() / ("creditlog-bench-scale-" + std::to_string(getpid()));

  // The subjects the loads ask about, drawn before this process holds anything.
  const char* passphrase = std::getenv(std::string(kPassphraseEnv).c_str());
  if (passphrase == nullptr) {
    std::fprintf(stderr, "bench_scale: set %s to the demo's passphrase (it signs the projection snapshot and the writes)\n",
                 std::string(kPassphraseEnv).c_str());
    return 1;
  }
  const std::string snapshot = work + "-projection.snapshot";
  const std::optional<Sample> sample = DrawSample(demo, passphrase, work + "-sample.txt", snapshot);
  if (!sample) {
    std::fprintf(stderr, "bench_scale: could not fold %s to draw subjects\n", demo.c_str());
    return 1;
  }
  bench::Result("subjects_at_scale", static_cast<double>(sample->subjects), "subjects");
  {
    const char* thp = "?";
    unsigned arenas = 0;
    size_t size = sizeof(thp);
    mallctl("opt.thp", &thp, &size, nullptr, 0);
    size = sizeof(arenas);
    mallctl("opt.narenas", &arenas, &size, nullptr, 0);
    std::fprintf(stderr, "bench_scale: jemalloc thp:%s narenas:%u\n", thp, arenas);
  }

  // Start: open the ledger and the access log, read the projection snapshot (and fold the
  // entries after it: none), listen, answer /healthz.
  const std::string token = api::NewToken();
  const std::string access_dir = work + "-access";
  int rc = 0;
  {
    const auto starting = Clock::now();
    auto opened = ledger::Ledger::Open(demo, {.read_only = true});
    if (!opened.ok()) {
      std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
      return 1;
    }
    // Reads of files are recorded, as `serve` records them (api/access_log.h); no per-token quota.
    auto access_log = api::AccessLog::Open(access_dir, **opened, GenerateKeyPair());
    if (!access_log.ok()) {
      std::fprintf(stderr, "%s\n", access_log.status().ToString().c_str());
      return 1;
    }
    api::ServerOptions options;
    options.port = 0;
    options.read_only = true;
    options.connections_per_address_max = api::kConnectionsMax;  // wrk's connections all come from 127.0.0.1
    options.tokens = {{"bench", api::Role::kInspector, api::TokenHash(token)}};
    options.access_log = access_log->get();
    options.recorded_reads_per_minute = 0;
    options.projection_snapshot = snapshot;
    auto server = api::Server::Start(**opened, options);
    if (!server.ok()) {
      std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
      return 1;
    }
    const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port());
    if (!WaitHealthy(url)) {
      std::fprintf(stderr, "bench_scale: the server did not answer /healthz\n");
      return 1;
    }
    bench::Result("server_start_s_at_scale", Seconds(starting), "s");

    // Search and profile over random subjects.
    std::mt19937_64 rng(kSampleSeed);
    const WrkResult search = WrkPaths("search", "_at_scale", url, SearchPaths(sample->subjects_drawn, rng), seconds, token, work + "-search.lua");
    std::vector<std::string> profiles;
    for (const auto& s : sample->subjects_drawn) profiles.push_back("/v1/subjects/" + s.id + "/profile?purpose=supervision");
    const WrkResult profile = WrkPaths("profile", "_at_scale", url, profiles, seconds, token, work + "-profile.lua");
    bench::Result("rss_mib_at_scale", bench::RssMiB(), "MiB");
    if (search.rps == 0 || profile.rps == 0) rc = 1;
    (*server)->Stop();
    server->reset();
    access_log->reset();
  }
  std::filesystem::remove_all(access_dir);
  std::filesystem::remove(snapshot);

  // The list page while writes arrive, on a writable server over a copy of the demo ledger.
  const std::string copy = work + "-copy";
  const auto copying = Clock::now();
  if (Status copied = CopyDataDir(demo, copy); !copied.ok()) {
    std::fprintf(stderr, "%s\n", copied.ToString().c_str());
    std::filesystem::remove_all(copy);
    return 1;
  }
  std::fprintf(stderr, "bench_scale: copied %s in %.1f s\n", demo.c_str(), Seconds(copying));
  if (ListPageUnderWrites(copy, passphrase, *sample, seconds, work) != 0) {
    std::fprintf(stderr, "bench_scale: the list page under writes failed\n");
    rc = 1;
  }
  std::filesystem::remove_all(copy);
  return rc;
}
