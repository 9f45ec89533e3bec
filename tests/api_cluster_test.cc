// Cluster mode (docs/cluster.md): three creditlog nodes apply one NATS JetStream stream and
// build the same log. A real nats-server (Debian's) runs on loopback; the nodes are real
// ledgers with their admission rules, as `serve --cluster` opens them.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nats/nats.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "api/cluster/cluster_node.h"
#include "api/data_dir.h"
#include "api/tools/demo.h"
#include "base/clock.h"
#include "events/event.h"
#include "ledger/entry.h"
#include "ledger_fixture.h"
#include "projections/build.h"
#include "run_binary.h"
#include "temp_dir.h"

namespace creditlog::testing {
namespace {

constexpr const char* kPassphrase = "cluster-test-passphrase";
constexpr const char* kStream = "TEST";
constexpr auto kApplyTimeout = std::chrono::seconds(60);

uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool Accepts(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

// One nats-server with JetStream, its store in a temporary directory.
struct NatsServer {
  TempDir dir;
  uint16_t port = FreePort();
  pid_t pid = -1;

  NatsServer() {
    const std::string port_text = std::to_string(port);
    const std::string store = dir.path() + "/js";
    pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::execlp("nats-server", "nats-server", "-js", "-a", "127.0.0.1", "-p", port_text.c_str(), "-sd", store.c_str(),
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 100 && !Accepts(port); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(Accepts(port));  // nats-server is installed by scripts/install-deps
  }
  ~NatsServer() {
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
  }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port); }
};

// A node: its own copy of the ledger's data directory as `init` made it, opened as `serve`
// opens it (with the rules of the log), applying the stream.
struct Node {
  std::string data;
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<api::ClusterNode> cluster;

  Node(const std::string& template_dir, const std::string& dir, const std::string& url) : data(dir) {
    if (!std::filesystem::exists(data)) std::filesystem::copy(template_dir, data, std::filesystem::copy_options::recursive);
    Start(url);
  }
  void Start(const std::string& url) {
    auto opened = api::OpenForWriting(data, kPassphrase);
    REQUIRE(opened.ok());
    ledger = std::move(*opened);
    auto node = api::ClusterNode::Connect(*ledger, {.urls = {url}, .stream = kStream});
    REQUIRE(node.ok());
    cluster = std::move(*node);
    REQUIRE(cluster->StartApplying().ok());
  }
  void Close() {
    cluster->Stop();
    cluster.reset();
    ledger.reset();
  }
  ~Node() {
    if (cluster) Close();
  }
};

// The envelopes of `source` from entry `first` on.
std::vector<Bytes> Envelopes(const ledger::Ledger& source, uint64_t first) {
  std::vector<Bytes> out;
  REQUIRE(source.ForEachEntryView(first, source.size(), [&](const ledger::EntryView& view, ByteView) {
    out.emplace_back(view.envelope_bytes.begin(), view.envelope_bytes.end());
    return Status::Ok();
  }).ok());
  return out;
}

std::vector<Result<ledger::AppendResult>> SubmitAll(api::ClusterNode& node, std::vector<Bytes> envelopes) {
  std::promise<std::vector<Result<ledger::AppendResult>>> promise;
  auto future = promise.get_future();
  node.SubmitMany(std::move(envelopes), [&](std::vector<Result<ledger::AppendResult>> r) { promise.set_value(std::move(r)); });
  return future.get();
}

// Publishes raw bytes to the intake stream, as a faulty or hostile publisher could.
void PublishRaw(const std::string& url, const Bytes& data) {
  natsConnection* nc = nullptr;
  REQUIRE(natsConnection_ConnectTo(&nc, url.c_str()) == NATS_OK);
  jsCtx* js = nullptr;
  REQUIRE(natsConnection_JetStream(&js, nc, nullptr) == NATS_OK);
  jsPubAck* ack = nullptr;
  REQUIRE(js_Publish(&ack, js, api::ClusterIntakeSubject(kStream).c_str(), data.data(), static_cast<int>(data.size()),
                     nullptr, nullptr) == NATS_OK);
  jsPubAck_Destroy(ack);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
}

std::vector<Bytes> AllEntries(const ledger::Ledger& ledger) {
  std::vector<Bytes> out;
  REQUIRE(ledger.ForEachEntry(0, ledger.size(), [&](uint64_t, ByteView entry) {
    out.emplace_back(entry.begin(), entry.end());
    return Status::Ok();
  }).ok());
  return out;
}

std::string ProjectionDigest(const ledger::Ledger& ledger) {
  auto state = projections::BuildState(ledger, ledger.size());
  REQUIRE(state.ok());
  return state->Digest();
}

TEST_CASE("cluster: three nodes applying one stream build byte-identical entries and checkpoints and the same projection",
          "[cluster]") {
  ::setenv("CREDITLOG_PASSPHRASE", kPassphrase, 1);
  TempDir dir;
  NatsServer nats;
  const std::string template_dir = dir.path() + "/template";
  REQUIRE(RunCommand("init --data " + template_dir + " --origin cluster.creditlog.example/log").exit_code == 0);
  // The events: a small demo history recorded on a copy of the same genesis, to be submitted again.
  const std::string source_dir = dir.path() + "/source";
  std::filesystem::copy(template_dir, source_dir, std::filesystem::copy_options::recursive);
  std::vector<Bytes> envelopes;
  uint64_t base = 0;  // what init recorded: the genesis and the office's own registration
  {
    auto made = api::OpenForReading(template_dir);
    REQUIRE(made.ok());
    base = (*made)->size();
  }
  {
    auto source = api::OpenForWriting(source_dir, kPassphrase);
    REQUIRE(source.ok());
    api::DemoOptions demo;
    demo.data = source_dir;
    demo.subjects = 12;
    demo.today = "2026-11-30";
    demo.quiet = true;
    REQUIRE(api::RunDemo(**source, demo, kPassphrase).ok());
    envelopes = Envelopes(**source, base);
  }
  REQUIRE(envelopes.size() > 100);

  Node a(template_dir, dir.path() + "/a", nats.url());
  Node b(template_dir, dir.path() + "/b", nats.url());
  Node c(template_dir, dir.path() + "/c", nats.url());

  // The first half through node a, the rest through node b: each answered once applied there.
  const size_t half = envelopes.size() / 2;
  auto first = SubmitAll(*a.cluster, std::vector<Bytes>(envelopes.begin(), envelopes.begin() + half));
  for (size_t i = 0; i < first.size(); ++i) {
    INFO("envelope " << i << ": " << (first[i].ok() ? "" : first[i].status().ToString()));
    REQUIRE(first[i].ok());
    CHECK(first[i]->seq == base + i);
    CHECK_FALSE(first[i]->duplicate);
  }
  // Refused at their positions, alike on every node: bytes that are no envelope, and an event
  // signed by a key nobody registered (published straight to the stream, past node checks).
  PublishRaw(nats.url(), Bytes{'n', 'o', 't', ' ', 'a', 'n', ' ', 'e', 'n', 'v', 'e', 'l', 'o', 'p', 'e'});
  const KeyPair stranger = GenerateKeyPair();
  PublishRaw(nats.url(), Sign(RatingEvent("stranger-1", Uscc("370202", 7)), stranger, a.ledger->origin()));
  // Node b checks before it publishes: the stranger's event is refused there, not published.
  auto refused = SubmitAll(*b.cluster, {Sign(RatingEvent("stranger-2", Uscc("370202", 7)), stranger, a.ledger->origin())});
  REQUIRE_FALSE(refused[0].ok());
  auto second = SubmitAll(*b.cluster, std::vector<Bytes>(envelopes.begin() + half, envelopes.end()));
  for (size_t i = 0; i < second.size(); ++i) {
    INFO("envelope " << half + i << ": " << (second[i].ok() ? "" : second[i].status().ToString()));
    REQUIRE(second[i].ok());
    CHECK(second[i]->seq == base + half + i);
  }
  // A retry of an event already recorded (through the third node): the original's answer.
  auto again = SubmitAll(*c.cluster, {envelopes[3]});
  REQUIRE(again[0].ok());
  CHECK(again[0]->seq == base + 3);
  CHECK(again[0]->duplicate);

  for (Node* node : {&a, &b, &c}) REQUIRE(node->cluster->CatchUp(kApplyTimeout).ok());
  const uint64_t size = base + envelopes.size();
  const std::vector<Bytes> entries = AllEntries(*a.ledger);
  REQUIRE(entries.size() == size);
  const std::string digest = ProjectionDigest(*a.ledger);
  auto checkpoint = a.ledger->PublishCheckpoint();
  REQUIRE(checkpoint.ok());
  for (Node* node : {&b, &c}) {
    CHECK(node->ledger->applied_stream_seq() == a.ledger->applied_stream_seq());
    const std::vector<Bytes> theirs = AllEntries(*node->ledger);
    REQUIRE(theirs.size() == size);
    for (uint64_t seq = 0; seq < size; ++seq) {
      INFO("seq " << seq);
      REQUIRE(theirs[seq] == entries[seq]);
    }
    CHECK(ProjectionDigest(*node->ledger) == digest);
    auto note = node->ledger->PublishCheckpoint();
    REQUIRE(note.ok());
    CHECK(*note == *checkpoint);  // Ed25519 is deterministic: one note for one tree
  }
  // The two refusals are recorded at their stream positions, alike everywhere.
  const uint64_t garbage_seq = half + 1;
  for (Node* node : {&a, &b, &c}) {
    auto garbage = node->ledger->StreamRejection(garbage_seq);
    REQUIRE(garbage.ok());
    REQUIRE(garbage->has_value());
    auto stranger_refusal = node->ledger->StreamRejection(garbage_seq + 1);
    REQUIRE(stranger_refusal.ok());
    REQUIRE(stranger_refusal->has_value());
    CHECK(**garbage == **a.ledger->StreamRejection(garbage_seq));
    CHECK(**stranger_refusal == **a.ledger->StreamRejection(garbage_seq + 1));
    auto accepted = node->ledger->StreamRejection(1);
    REQUIRE(accepted.ok());
    CHECK_FALSE(accepted->has_value());
  }

  // A node restarted keeps its place; a node restarted empty applies the stream from its first
  // message and ends byte-identical.
  const uint64_t applied = b.ledger->applied_stream_seq();
  b.Close();
  b.Start(nats.url());
  CHECK(b.ledger->applied_stream_seq() == applied);
  c.Close();
  std::filesystem::remove_all(c.data);
  std::filesystem::copy(template_dir, c.data, std::filesystem::copy_options::recursive);
  c.Start(nats.url());
  for (Node* node : {&b, &c}) {
    REQUIRE(node->cluster->CatchUp(kApplyTimeout).ok());
    REQUIRE(AllEntries(*node->ledger) == entries);
    auto note = node->ledger->PublishCheckpoint();
    REQUIRE(note.ok());
    CHECK(*note == *checkpoint);
  }
  CHECK(ProjectionDigest(*c.ledger) == digest);
}

TEST_CASE("cluster: a stream message is applied after the last one or not at all, and its time is the stream's made monotonic",
          "[cluster]") {
  LedgerFixture f;
  const int64_t now = NowMs();
  auto rating = [&](const std::string& id, int n) {
    nlohmann::json event = RatingEvent(id, Uscc("370202", n));
    event["signed_at_ms"] = now;
    return Sign(event, f.agency, LedgerFixture::kOrigin);
  };
  auto append = [&](const Bytes& envelope, uint64_t stream_seq, int64_t stream_time_ms) {
    std::promise<Result<ledger::AppendResult>> promise;
    auto future = promise.get_future();
    f.ledger->AppendFromStream(envelope, {.stream_seq = stream_seq, .stream_time_ms = stream_time_ms},
                               [&](Result<ledger::AppendResult> r) { promise.set_value(std::move(r)); });
    return future.get();
  };
  const int64_t t = now + 60'000;  // the stream's clock, a minute ahead of this one
  auto one = append(rating("r-1", 1), 5, t);
  REQUIRE(one.ok());
  CHECK(one->recorded_at_ms == t);
  CHECK(f.ledger->applied_stream_seq() == 5);
  // An earlier stream time (a new stream leader with a slower clock): the last recorded time.
  auto two = append(rating("r-2", 2), 6, t - 5000);
  REQUIRE(two.ok());
  CHECK(two->recorded_at_ms == t);
  // A message at or before the last applied position changes nothing.
  auto stale = append(rating("r-3", 3), 6, t);
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.status().message().find("not after the last one applied (6)") != std::string::npos);
  CHECK(f.ledger->applied_stream_seq() == 6);
  // signed_at is judged against the recorded time, not this machine's clock: an event signed
  // now, in a message the stream stored 40 days from now, is outside the window there.
  auto late = append(rating("r-4", 4), 7, now + int64_t{40} * 24 * 3600 * 1000);
  REQUIRE_FALSE(late.ok());
  auto reason = f.ledger->StreamRejection(7);
  REQUIRE(reason.ok());
  REQUIRE(reason->has_value());
  CHECK((*reason)->find("signed_at_ms") != std::string::npos);
  CHECK(f.ledger->applied_stream_seq() == 7);
  // Refused before queueing (not an envelope): recorded at its position all the same.
  auto garbage = append(Bytes{1, 2, 3}, 9, t);
  REQUIRE_FALSE(garbage.ok());
  auto garbage_reason = f.ledger->StreamRejection(9);
  REQUIRE(garbage_reason.ok());
  CHECK(garbage_reason->has_value());
  CHECK(f.ledger->applied_stream_seq() == 9);
  const uint64_t size = f.ledger->size();
  // Reopened: the position is durable with the entries.
  f.Reopen();
  CHECK(f.ledger->applied_stream_seq() == 9);
  CHECK(f.ledger->size() == size);
}

}  // namespace
}  // namespace creditlog::testing
