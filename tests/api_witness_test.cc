// Witnesses on loopback: three `witness serve`s (ledger/witness.h over api/http/witness_server.h)
// and a log server that publishes only checkpoints its witness policy's quorum cosigned
// (api/client/witnessing.h). Everything is real: ledgers, keys, fsyncs, HTTP.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/http/witness_server.h"
#include "crypto/policy.h"
#include "ledger/witness.h"
#include "server_fixture.h"

namespace creditlog::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kPassphrase = "witness-pass";

struct WitnessNode {
  WitnessNode(std::string name_in, const NoteVerifier& log) : name(std::move(name_in)), log_key(log) {
    auto vkey = ledger::Witness::Init(dir.path() + "/w", name, kPassphrase);
    REQUIRE(vkey.ok());
    key = *vkey;
    Start();
  }
  ~WitnessNode() { Stop(); }
  void Start() {
    auto opened = ledger::Witness::Open(dir.path() + "/w", kPassphrase, {log_key});
    REQUIRE(opened.ok());
    witness = std::move(*opened);
    api::WitnessServerOptions options;
    options.port = port;
    auto started = api::WitnessServer::Start(*witness, options);
    REQUIRE(started.ok());
    server = std::move(*started);
    port = server->port();
    url = "http://127.0.0.1:" + std::to_string(port);
  }
  void Stop() {
    if (server) server->Stop();
    server.reset();
    witness.reset();
  }
  uint64_t Size() const { return witness->Logs().begin()->second.size; }

  TempDir dir;
  std::string name;
  NoteVerifier log_key;
  std::string key;
  uint16_t port = 0;
  std::string url;
  std::unique_ptr<ledger::Witness> witness;
  std::unique_ptr<api::WitnessServer> server;
};

std::string PolicyText(const NoteVerifier& log, const std::vector<WitnessNode*>& nodes, size_t k) {
  std::string text = "log " + FormatVerifierKey(log.name, log.public_key) + "\n";
  std::string names;
  for (const WitnessNode* n : nodes) {
    const std::string short_name = n->name.substr(0, n->name.find('.'));
    text += "witness " + short_name + " " + n->key + " " + n->url + "\n";
    names += " " + short_name;
  }
  return text + "group city " + std::to_string(k) + names + "\nquorum city\n";
}

// Polls `fn` until it holds or `limit` passes.
template <typename Fn>
bool Eventually(Fn fn, milliseconds limit = milliseconds(10000)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (fn()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return fn();
}

struct WitnessedServer : ServerFixture {
  WitnessedServer() : ServerFixture(false) {
    audit = std::make_unique<WitnessNode>("audit.witness.qingdao.example", Verifier());
    court = std::make_unique<WitnessNode>("court.witness.qingdao.example", Verifier());
    congress = std::make_unique<WitnessNode>("congress.witness.qingdao.example", Verifier());
    policy_text = PolicyText(Verifier(), {audit.get(), court.get(), congress.get()}, 2);
    auto policy = WitnessPolicy::Parse(policy_text);
    REQUIRE(policy.ok());
    witness_policy = *policy;
  }
  WitnessPolicy Policy() const { return *witness_policy; }
  // Appended straight to the ledger (the server's admission rules apply): no waiting.
  void Append(const std::string& id, int subject) {
    auto r = ledger->Append(Rating(id, Uscc("370202", subject)));
    INFO(r.status().ToString());
    REQUIRE(r.ok());
  }
  // POST one rating with ?wait=checkpoint: its witnessed checkpoint, checked.
  WitnessedCheckpoint Receipt(const std::string& id) {
    auto r = PostEnvelope(Rating(id, Uscc("370202", 7)), "?wait=checkpoint");
    REQUIRE(r.status == 200);
    const json body = json::parse(r.body);
    auto opened = OpenWitnessed(body["checkpoint"].get<std::string>(), Verifier(), Policy());
    REQUIRE(opened.ok());
    REQUIRE(opened->quorum);
    std::vector<Hash> proof;
    for (const auto& h : body["inclusion"]["hashes"]) {
      auto bytes = Base64Decode(h.get<std::string>());
      Hash hash{};
      std::copy(bytes->begin(), bytes->end(), hash.begin());
      proof.push_back(hash);
    }
    auto leaf = ledger->LeafHash(body["seq"].get<uint64_t>());
    REQUIRE(leaf.ok());
    CHECK(VerifyInclusion(body["seq"].get<uint64_t>(), opened->checkpoint.size, *leaf, proof, opened->checkpoint.root).ok());
    return *opened;
  }
  uint64_t PublishedSize() {
    auto r = Get("/v1/checkpoint");
    if (r.status != 200) return 0;
    auto opened = OpenWitnessed(r.body, Verifier(), Policy());
    REQUIRE(opened.ok());
    REQUIRE(opened->quorum);
    return opened->checkpoint.size;
  }
  json State() { return json::parse(Get("/v1/witnesses").body); }
  static std::string StateOf(const json& state, const std::string& name) {
    for (const auto& w : state["witnesses"]) {
      if (w["name"] == name) return w["state"].get<std::string>();
    }
    return "";
  }

  std::unique_ptr<WitnessNode> audit, court, congress;
  std::string policy_text;
};

std::vector<std::string> Names(const WitnessedCheckpoint& c) {
  std::vector<std::string> names;
  for (const Cosigned& by : c.cosigned_by) names.push_back(by.witness);
  return names;
}

TEST_CASE("a log with three witnesses publishes cosigned checkpoints, and goes on with two", "[witness]") {
  WitnessedServer f;
  f.Start();
  const WitnessedCheckpoint first = f.Receipt("w-1");
  CHECK(first.cosigned_by.size() >= 2);
  CHECK(f.PublishedSize() >= first.checkpoint.size);
  REQUIRE(Eventually([&] { return f.audit->Size() == f.court->Size() && f.court->Size() == f.congress->Size() && f.audit->Size() > 0; }));
  // A witness keeps the checkpoint before it answers, so the log hears its answer a moment later.
  REQUIRE(Eventually([&] { return WitnessedServer::StateOf(f.State(), "audit") == "ok"; }));
  json state = f.State();
  CHECK(state["quorum"] == "2 of (audit, court, congress)");

  // A witness keeps what it cosigned, and serves it to monitors.
  api::HttpClient monitor(f.audit->url, "");
  auto kept = monitor.Get("/" + ledger::OriginHash(f.kOrigin) + "/checkpoint");
  REQUIRE(kept.ok());
  CHECK(kept->status == 200);
  CHECK(OpenNote(kept->body, f.Verifier()).ok());

  // One witness down: publication goes on with the other two.
  f.congress->Stop();
  const WitnessedCheckpoint second = f.Receipt("w-2");
  CHECK(second.checkpoint.size > first.checkpoint.size);
  CHECK(Names(second) == std::vector<std::string>{"audit", "court"});
  REQUIRE(Eventually([&] { return WitnessedServer::StateOf(f.State(), "congress") == "unreachable"; }));
  const std::string metrics = f.Get("/metrics", f.admin_token).body;
  CHECK(metrics.find("creditlog_witness_up{witness=\"congress\"} 0") != std::string::npos);
  CHECK(metrics.find("creditlog_witness_up{witness=\"audit\"} 1") != std::string::npos);

  // Two down: appends go on, publication waits.
  f.court->Stop();
  f.Append("w-3", 8);
  const uint64_t appended = f.ledger->size();
  std::this_thread::sleep_for(milliseconds(400));  // several publisher intervals
  CHECK(f.PublishedSize() == second.checkpoint.size);
  state = f.State();
  CHECK(state["signed_size"].get<uint64_t>() == appended);
  CHECK(state["published"]["size"].get<uint64_t>() == second.checkpoint.size);

  // The witnesses come back (congress behind, at first's size): publication catches up, and
  // congress is proven consistency from where it stopped.
  f.court->Start();
  f.congress->Start();
  REQUIRE(Eventually([&] { return f.PublishedSize() == appended; }));
  REQUIRE(Eventually([&] { return f.congress->Size() == appended; }));
}

TEST_CASE("witnesses refuse a rolled-back log, and the server publishes nothing they refuse", "[witness]") {
  WitnessedServer f;
  f.Start();
  f.Receipt("r-1");
  f.StopServer();
  f.ledger.reset();
  f.personal_keys.reset();
  TempDir backup;
  std::filesystem::copy(f.dir.path(), backup.path() + "/data", std::filesystem::copy_options::recursive);
  f.Reopen();
  f.Start();
  f.Receipt("r-2");
  f.Receipt("r-3");
  const uint64_t seen = f.PublishedSize();
  REQUIRE(Eventually([&] { return f.audit->Size() == seen && f.court->Size() == seen; }));
  f.StopServer();
  f.ledger.reset();
  f.personal_keys.reset();

  // The disk goes back to the copy, as a restore from an old backup would take it.
  std::filesystem::remove_all(f.dir.path());
  std::filesystem::copy(backup.path() + "/data", f.dir.path(), std::filesystem::copy_options::recursive);
  f.Reopen();
  const uint64_t rolled_back = f.ledger->size();
  REQUIRE(rolled_back < seen);
  f.Start();
  const uint64_t before = f.PublishedSize();
  CHECK(before <= rolled_back);

  // Smaller than what the witnesses cosigned: they are ahead of this log.
  f.Append("other-1", 7);  // a subject registered before the copy: one entry
  REQUIRE(f.ledger->size() < seen);
  REQUIRE(Eventually([&] { return WitnessedServer::StateOf(f.State(), "audit") == "ahead"; }));
  CHECK(f.PublishedSize() == before);

  // Larger, but another history: they refuse the consistency proof (422).
  for (int i = 0; f.ledger->size() <= seen + 1; ++i) f.Append("other-more-" + std::to_string(i), 9);
  REQUIRE(Eventually([&] { return WitnessedServer::StateOf(f.State(), "audit") == "refusing" && WitnessedServer::StateOf(f.State(), "court") == "refusing"; }));
  const json state = f.State();
  for (const auto& w : state["witnesses"]) CHECK(w["error"].get<std::string>().find("rolled back or forked") != std::string::npos);
  CHECK(f.PublishedSize() == before);
  CHECK(f.audit->Size() == seen);  // what a witness cosigned never goes back
  auto waited = f.PostEnvelope(f.Rating("other-wait", Uscc("370202", 9)), "?wait=checkpoint");
  CHECK(waited.status == 503);
  CHECK(waited.body.find("witness policy's quorum") != std::string::npos);
}

// add-checkpoint as another log's client would send it, through HTTP.
api::HttpResponse Add(const std::string& url, uint64_t old_size, const std::vector<Hash>& proof, const std::string& note) {
  api::HttpClient client(url, "");
  auto r = client.Post("/add-checkpoint", "text/plain", ledger::FormatAddCheckpoint({old_size, proof, note}));
  REQUIRE(r.ok());
  return *r;
}

TEST_CASE("a witness answers a forked log 409 and a bad proof 422, refuses strangers, and never goes back", "[witness]") {
  LedgerFixture a;
  const NoteVerifier log = [&] {
    auto v = ParseVerifierKey(a.ledger->VerifierKey());
    REQUIRE(v.ok());
    return *v;
  }();
  WitnessNode w("audit.witness.qingdao.example", log);
  REQUIRE(a.Rate("f-1", Uscc("370202", 1)).ok());
  auto first = a.ledger->PublishCheckpoint();
  REQUIRE(first.ok());
  const uint64_t n1 = a.ledger->size();
  auto ok = Add(w.url, 0, {}, *first);
  REQUIRE(ok.status == 200);
  CHECK(VerifyCosignature(*first + ok.body, *ParseCosignerKey(w.key)).ok());

  // The fork: a copy of the log at n1 that goes its own way.
  a.ledger.reset();
  a.personal_keys.reset();
  TempDir fork_dir;
  std::filesystem::copy(a.dir.path(), fork_dir.path() + "/b", std::filesystem::copy_options::recursive);
  a.Reopen();
  auto fork_opened = ledger::Ledger::Open(fork_dir.path() + "/b");
  REQUIRE(fork_opened.ok());
  std::unique_ptr<ledger::Ledger> fork = std::move(*fork_opened);
  REQUIRE(fork->SetCheckpointKey(a.ledger_key.secret_key).ok());

  for (int i = 0; i < 3; ++i) REQUIRE(a.Rate("a-" + std::to_string(i), Uscc("370202", 2)).ok());
  auto second = a.ledger->PublishCheckpoint();
  const uint64_t n2 = a.ledger->size();
  auto proof = a.ledger->ConsistencyProof(n1, n2);
  REQUIRE(Add(w.url, n1, *proof, *second).status == 200);

  for (int i = 0; i < 5; ++i) {
    REQUIRE(fork->Append(Sign(RatingEvent("b-" + std::to_string(i), Uscc("370202", 3)), a.agency, a.kOrigin)).ok());
  }
  auto forked = fork->PublishCheckpoint();
  REQUIRE(forked.ok());
  const uint64_t nb = fork->size();
  REQUIRE(nb > n2);
  // From the size the forked server last saw: 409, with the size the witness holds.
  auto conflict = Add(w.url, n1, *fork->ConsistencyProof(n1, nb), *forked);
  CHECK(conflict.status == 409);
  CHECK(conflict.content_type == "text/x.tlog.size");
  CHECK(conflict.body == std::to_string(n2) + "\n");
  // From that size, the fork cannot prove it extends what the witness saw: 422.
  auto refused = Add(w.url, n2, *fork->ConsistencyProof(n2, nb), *forked);
  CHECK(refused.status == 422);
  CHECK(w.Size() == n2);

  SECTION("the honest log goes on") {
    REQUIRE(a.Rate("a-next", Uscc("370202", 2)).ok());
    auto third = a.ledger->PublishCheckpoint();
    CHECK(Add(w.url, n2, *a.ledger->ConsistencyProof(n2, a.ledger->size()), *third).status == 200);
    // What it cosigned is durable: a restarted witness holds the same size.
    const uint64_t now = a.ledger->size();
    w.Stop();
    w.Start();
    CHECK(w.Size() == now);
    // An old checkpoint is not cosigned again: the witness never goes back.
    CHECK(Add(w.url, n1, *a.ledger->ConsistencyProof(n1, n2), *second).status == 409);
  }
  SECTION("strangers and malformed requests") {
    LedgerFixture stranger;  // another log with its own key and the same origin
    auto note = stranger.ledger->PublishCheckpoint();
    CHECK(Add(w.url, 0, {}, *note).status == 403);
    KeyPair other_key = GenerateKeyPair();
    auto other = SignNote(FormatCheckpoint({"other.example/log", 1, MerkleEmptyRoot(), {}}), "other.example/log", other_key.secret_key);
    CHECK(Add(w.url, 0, {}, *other).status == 404);
    CHECK(Add(w.url, n2 + 100, {}, *second).status == 400);
    api::HttpClient client(w.url, "");
    auto garbled = client.Post("/add-checkpoint", "text/plain", "old x\n\n" + *second);
    REQUIRE(garbled.ok());
    CHECK(garbled->status == 400);
    CHECK(garbled->body.find("old size") != std::string::npos);
    CHECK(w.Size() == n2);
  }
}

}  // namespace
}  // namespace creditlog::testing
