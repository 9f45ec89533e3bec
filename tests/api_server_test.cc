// The HTTP server over loopback, with the real ledger, signatures and RocksDB: submit → query
// → prove, every error class, many concurrent clients, metrics, the OpenAPI document, and the
// mirror and audit clients (through the real binary) against an honest and a forked server.
#include <arpa/inet.h>
#include <poll.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api/http/access.h"
#include "api/client/http_client.h"
#include "api/http/server.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "ledger/entry.h"
#include "ledger/publisher.h"
#include "projections/ruleset.h"
#include "ledger_fixture.h"
#include "run_binary.h"
#include "server_fixture.h"

namespace creditlog::api {
namespace {

using nlohmann::json;
using testing::LedgerFixture;
using testing::RatingEvent;
using testing::Sign;
using testing::TempDir;
using testing::Uscc;
using testing::Run;
using testing::RunCommand;

using testing::ServerFixture;

// A raw TCP connection, for clients that misbehave below HTTP.
struct RawConnection {
  explicit RawConnection(uint16_t port, int socket_fd = -1) {
    fd = socket_fd >= 0 ? socket_fd : ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  }
  ~RawConnection() { ::close(fd); }
  bool Send(std::string_view data) {
    return ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // True once the server has closed the connection; reads whatever arrives before that into
  // `received`. Waits at most `wait`.
  bool Closed(std::chrono::milliseconds wait, std::string* received = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count()))) <= 0) return false;
      char buffer[65536];
      const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) return true;  // end of stream or reset
      if (received) received->append(buffer, static_cast<size_t>(n));
    }
  }
  int fd = -1;
};

json Body(const HttpResponse& r) {
  json doc = json::parse(r.body, nullptr, false);
  REQUIRE_FALSE(doc.is_discarded());
  return doc;
}

std::string ErrorCode(const HttpResponse& r) { return Body(r)["error"]["code"].get<std::string>(); }

std::vector<Hash> Hashes(const json& doc) {
  std::vector<Hash> out;
  for (const auto& h : doc["hashes"]) {
    auto bytes = Base64Decode(h.get<std::string>());
    REQUIRE(bytes.ok());
    REQUIRE(bytes->size() == kHashSize);
    Hash hash;
    std::copy(bytes->begin(), bytes->end(), hash.begin());
    out.push_back(hash);
  }
  return out;
}

Checkpoint OpenCheckpoint(const std::string& note, const NoteVerifier& verifier) {
  auto text = OpenNote(note, verifier);
  REQUIRE(text.ok());
  auto checkpoint = ParseCheckpoint(*text);
  REQUIRE(checkpoint.ok());
  return *checkpoint;
}

// Profiles and lists need a ruleset: the default one, adopted by the root key as `init` does.
void AdoptDefaultRuleset(LedgerFixture& f) {
  REQUIRE(f.ledger->Append(Sign(json::parse(projections::DefaultRulesetAdoptionJson()), f.root, LedgerFixture::kOrigin)).ok());
}

TEST_CASE("server: submit, wait for the checkpoint, query and prove over loopback", "[server]") {
  ServerFixture f;
  AdoptDefaultRuleset(f);
  const std::string subject = Uscc("370202", 1);
  const Bytes envelope = f.Rating("http-1", subject);
  HttpResponse posted = f.PostEnvelope(envelope, "?wait=checkpoint");
  REQUIRE(posted.status == 200);
  const json reply = Body(posted);
  const uint64_t seq = reply["seq"];
  CHECK(seq == 4);  // genesis, agency key, ruleset, the subject's registration
  CHECK(reply["duplicate"] == false);

  // The inclusion proof the server returned holds for the entry we can build ourselves.
  const Checkpoint checkpoint = OpenCheckpoint(reply["checkpoint"], f.Verifier());
  CHECK(checkpoint.size == seq + 1);
  CHECK(reply["inclusion"]["size"] == checkpoint.size);
  auto view = events::ParseEnvelope(envelope);
  REQUIRE(view.ok());
  const Bytes entry = ledger::BuildEntry(seq, reply["recorded_at_ms"], reply["stream_version"], ledger::CanonicalEnvelope(*view));
  CHECK(VerifyInclusion(seq, checkpoint.size, MerkleLeafHash(entry), Hashes(reply["inclusion"]), checkpoint.root).ok());

  // The auditor endpoints agree with it.
  HttpResponse got = f.Get("/v1/entries/" + std::to_string(seq), f.inspector_token);
  REQUIRE(got.status == 200);
  CHECK(Body(got)["entry"] == Base64Encode(entry));
  CHECK(Body(got)["event"]["event_id"] == "http-1");
  HttpResponse note = f.Get("/v1/checkpoint");
  REQUIRE(note.status == 200);
  CHECK(OpenCheckpoint(note.body, f.Verifier()).size >= seq + 1);
  HttpResponse proof = f.Get("/v1/proofs/inclusion?seq=" + std::to_string(seq) + "&size=" + std::to_string(checkpoint.size));
  REQUIRE(proof.status == 200);
  CHECK(Hashes(Body(proof)) == Hashes(reply["inclusion"]));

  // A second event, then a consistency proof between the two checkpoints.
  HttpResponse second = f.PostEnvelope(f.Rating("http-2", subject), "?wait=checkpoint");
  REQUIRE(second.status == 200);
  const Checkpoint later = OpenCheckpoint(Body(second)["checkpoint"], f.Verifier());
  HttpResponse consistency = f.Get("/v1/proofs/consistency?old=" + std::to_string(checkpoint.size) + "&new=" + std::to_string(later.size));
  REQUIRE(consistency.status == 200);
  CHECK(VerifyConsistency(checkpoint.size, later.size, checkpoint.root, later.root, Hashes(Body(consistency))).ok());

  // Queries see both events; the retry of the first is a duplicate with the same seq.
  HttpResponse profile = f.Get("/v1/subjects/" + subject + "/profile", f.inspector_token);
  REQUIRE(profile.status == 200);
  CHECK(Body(profile)["service_rating"]["count"] == 2);
  HttpResponse again = f.PostEnvelope(envelope);
  REQUIRE(again.status == 200);
  CHECK(Body(again)["seq"] == seq);
  CHECK(Body(again)["duplicate"] == true);
  HttpResponse timeline = f.Get("/v1/subjects/" + subject + "/timeline", f.inspector_token);
  REQUIRE(timeline.status == 200);
  CHECK(Body(timeline)["timeline"].size() == 3);  // its registration and two ratings
  HttpResponse before = f.Get("/v1/subjects/" + subject + "/timeline?as_of=2026-02-28", f.inspector_token);
  REQUIRE(before.status == 200);
  CHECK(Body(before)["timeline"].size() == 1);  // both ratings are dated 2026-03-01; the registration has no date
  HttpResponse search = f.Get("/v1/search?q=" + subject.substr(0, 10));
  REQUIRE(search.status == 200);
  CHECK(Body(search)["results"][0]["subject"] == subject);
  // By its division code (行政区划代码, digits 3 to 8 of the USCC) and a lower-case code prefix.
  HttpResponse division = f.Get("/v1/search?q=" + subject.substr(2, 6));
  REQUIRE(division.status == 200);
  const json by_division = Body(division);
  bool listed = false;
  for (const auto& hit : by_division["results"]) listed = listed || hit["subject"] == subject;
  CHECK(listed);
  CHECK(Body(f.Get("/v1/search?q=999999"))["results"].empty());
}

TEST_CASE("server: a batch is answered per event, in order, with proofs on request", "[server]") {
  ServerFixture f;
  json body = {{"envelopes", json::array()}};
  for (int i = 0; i < 20; ++i) {
    const Bytes env = f.Rating("batch-" + std::to_string(i), Uscc("370203", i));
    body["envelopes"].push_back(Base64Encode(env));
  }
  body["envelopes"][7] = "not base64!";  // one bad item does not sink the others
  HttpResponse r = f.Post("/v1/events/batch?wait=checkpoint", "application/json", body.dump());
  REQUIRE(r.status == 200);
  const json reply = Body(r);
  CHECK(reply["accepted"] == 19);
  CHECK(reply["rejected"] == 1);
  CHECK(reply["results"][7]["error"]["code"] == "invalid_argument");
  const Checkpoint checkpoint = OpenCheckpoint(reply["checkpoint"], f.Verifier());
  for (size_t i = 0; i < 20; ++i) {
    if (i == 7) continue;
    const json& item = reply["results"][i];
    auto stored = f.ledger->Entry(item["seq"]);
    REQUIRE(stored.ok());
    CHECK(VerifyInclusion(item["seq"], checkpoint.size, MerkleLeafHash(*stored), Hashes(item["inclusion"]), checkpoint.root).ok());
  }
  CHECK(f.ledger->size() == 2 + 20 + 19);  // twenty subjects registered, nineteen ratings
}

TEST_CASE("server: every error class has its status and JSON code, and changes nothing", "[server]") {
  ServerFixture f;
  AdoptDefaultRuleset(f);
  const std::string subject = Uscc("370202", 2);
  REQUIRE(f.PostEnvelope(f.Rating("first", subject)).status == 200);
  f.Register(Uscc("370202", 3));
  const uint64_t size = f.ledger->size();

  SECTION("400: garbage, a bad parameter, deep JSON, an empty batch") {
    HttpResponse r = f.PostEnvelope(Bytes{1, 2, 3});
    CHECK(r.status == 400);
    CHECK(ErrorCode(r) == "invalid_argument");
    CHECK(f.Get("/v1/proofs/inclusion?seq=abc&size=2").status == 400);
    CHECK(f.Get("/v1/proofs/inclusion?seq=1&size=99999").status == 400);
    CHECK(f.Get("/v1/subjects/" + subject + "/public-profile?as_of=2026-02-30").status == 400);
    CHECK(f.Get("/v1/lists/SeriousDishonesty?limit=0").status == 400);
    CHECK(f.Get("/v1/lists/SeriousDishonesty?limit=1001").status == 400);
    CHECK(f.Get("/v1/lists/SeriousDishonesty?limit=x").status == 400);
    CHECK(f.Get("/v1/lists/SeriousDishonesty?limit=1000").status == 200);
    CHECK(f.Post("/v1/events/batch", "application/json", std::string(100, '[') + std::string(100, ']')).status == 400);
    CHECK(f.Post("/v1/events/batch", "application/json", R"({"envelopes":[]})").status == 400);
    CHECK(f.Post("/v1/events/batch", "application/json", "{\"envelopes\": [\"\xff\xfe\"]}").status == 400);  // not UTF-8
  }
  SECTION("401 and 403 are kept apart") {
    HttpResponse none = f.Get("/v1/subjects/" + subject + "/profile");
    CHECK(none.status == 401);
    CHECK(ErrorCode(none) == "unauthenticated");
    CHECK(f.Get("/v1/subjects/" + subject + "/profile", "clt_guessed").status == 401);
    HttpResponse low = f.Get("/v1/entries?after=0", f.inspector_token);
    CHECK(low.status == 403);
    CHECK(ErrorCode(low) == "permission_denied");
    CHECK(f.Get("/v1/entries?after=0", f.auditor_token).status == 200);
    CHECK(f.Get("/metrics", f.auditor_token).status == 403);
    HttpResponse watch = f.Get("/v1/lists/Watch");
    CHECK(watch.status == 401);
    CHECK(f.Get("/v1/lists/Watch", f.inspector_token).status == 200);
    // The refusal's details name the roles that may, and the caller's, for a client to word.
    CHECK(Body(none)["error"]["details"] == json{{"roles", {"inspector", "auditor", "admin", "personnel"}}, {"role", "public"}});
    CHECK(Body(low)["error"]["details"]["role"] == "inspector");
    CHECK(Body(low)["error"]["details"]["roles"] == json{"auditor", "admin"});
    CHECK(Body(watch)["error"]["details"]["roles"].size() >= 1);
    CHECK_FALSE(Body(f.Get("/v1/entries/999999", f.inspector_token))["error"].contains("details"));
    CHECK(f.Get("/v1/lists/SeriousDishonesty").status == 200);
    CHECK(Body(f.Get("/v1/whoami", f.auditor_token))["role"] == "auditor");
  }
  SECTION("403: a key that is not registered, and a signature for another ledger") {
    const KeyPair stranger = GenerateKeyPair();
    HttpResponse r = f.PostEnvelope(Sign(RatingEvent("x1", subject), stranger, LedgerFixture::kOrigin));
    CHECK(r.status == 403);
    CHECK(ErrorCode(r) == "permission_denied");
    CHECK(f.PostEnvelope(Sign(RatingEvent("x2", subject), f.agency, "other.example/log")).status == 403);
    // An id that exists, with its very content, signed by a self-made key: 403, never "already
    // recorded" — an answer must not tell whether an id exists to a key that may not write it.
    HttpResponse probe = f.PostEnvelope(Sign(RatingEvent("first", subject), stranger, LedgerFixture::kOrigin));
    CHECK(probe.status == 403);
    CHECK(probe.body.find("recorded") == std::string::npos);
  }
  SECTION("404: no entry, no route, no subject") {
    CHECK(f.Get("/v1/entries/99999", f.inspector_token).status == 404);
    CHECK(f.Get("/v1/nothing").status == 404);
    CHECK(ErrorCode(f.Get("/v1/subjects/" + Uscc("370202", 99) + "/public-profile")) == "not_found");
  }
  SECTION("409: an event id reused for other content, a stale expected version") {
    CHECK(f.PostEnvelope(f.Rating("first", Uscc("370202", 3))).status == 409);
    CHECK(f.PostEnvelope(Sign(RatingEvent("stale", subject, 0), f.agency, LedgerFixture::kOrigin)).status == 409);
  }
  SECTION("413: an oversized event, too many envelopes") {
    HttpResponse big = f.PostEnvelope(Bytes(kRequestBodyBytesMax + 1, 0x41));
    CHECK(big.status == 413);
    CHECK(ErrorCode(big) == "payload_too_large");
    json body = {{"envelopes", json::array()}};
    for (size_t i = 0; i <= kBatchEventsMax; ++i) body["envelopes"].push_back("AA==");
    CHECK(f.Post("/v1/events/batch", "application/json", body.dump()).status == 413);
  }
  SECTION("429 with Retry-After after repeated bad tokens; the public still gets in") {
    for (size_t i = 0; i < kAuthFailuresMax; ++i) CHECK(f.Get("/v1/whoami", "clt_wrong").status == 401);
    HttpResponse locked = f.Get("/v1/whoami", "clt_wrong");
    CHECK(locked.status == 429);
    CHECK(locked.retry_after_seconds >= 1);
    CHECK(ErrorCode(locked) == "resource_exhausted");
    // The lockout is per address and token: a colleague behind the same address, with a
    // valid token, is not locked out with the guesser.
    CHECK(f.Get("/v1/whoami", f.inspector_token).status == 200);
    CHECK(f.Get("/v1/whoami").status == 200);
  }
  SECTION("503: a read-only replica refuses writes") {
    f.StopServer();
    f.Start(/*read_only=*/true);
    HttpResponse r = f.PostEnvelope(f.Rating("replica", subject));
    CHECK(r.status == 503);
    CHECK(ErrorCode(r) == "unavailable");
  }
  CHECK(f.ledger->size() == size);
  CHECK(f.Get("/healthz").status == 200);  // and the server is still up
}

TEST_CASE("server: many concurrent clients, every acknowledged event is present exactly once", "[server]") {
  ServerFixture f;
  constexpr int kClients = 16, kEach = 40;
  for (int c = 0; c < kClients; ++c) f.Register(Uscc("370202", c));  // each client rates its own body
  std::vector<std::vector<std::pair<std::string, uint64_t>>> acked(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client(f.url, "");
      for (int i = 0; i < kEach; ++i) {
        const std::string id = "c" + std::to_string(c) + "-" + std::to_string(i);
        const Bytes env = Sign(RatingEvent(id, Uscc("370202", c)), f.agency, LedgerFixture::kOrigin);
        // Every few events, a retry of the same one: it must come back as the same seq.
        for (int attempt = 0; attempt < (i % 5 == 0 ? 2 : 1); ++attempt) {
          auto r = client.Post("/v1/events", "application/octet-stream", std::string(env.begin(), env.end()));
          if (r.ok() && r->status == 200) acked[c].emplace_back(id, json::parse(r->body)["seq"].get<uint64_t>());
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  std::map<std::string, std::set<uint64_t>> seqs_by_id;
  size_t acks = 0;
  for (const auto& list : acked) {
    for (const auto& [id, seq] : list) {
      seqs_by_id[id].insert(seq);
      ++acks;
    }
  }
  CHECK(acks == kClients * (kEach + kEach / 5));
  CHECK(seqs_by_id.size() == size_t{kClients * kEach});
  CHECK(f.ledger->size() == 2 + kClients + kClients * kEach);
  std::set<std::string> ids_in_log;
  REQUIRE(f.ledger->ForEachEntry(2 + kClients, f.ledger->size(), [&](uint64_t seq, ByteView bytes) {
    auto view = ledger::ParseEntry(bytes);
    REQUIRE(view.ok());
    const std::string id = view->envelope.event->event_id()->str();
    CHECK(ids_in_log.insert(id).second);  // exactly once
    CHECK(seqs_by_id[id] == std::set<uint64_t>{seq});
    return Status::Ok();
  }).ok());
  CHECK(ids_in_log.size() == seqs_by_id.size());
}

TEST_CASE("server: stopping answers in-flight appends and acknowledges only what is durable", "[server]") {
  ServerFixture f;
  std::atomic<bool> go{true};
  std::vector<std::vector<std::string>> acked(8);
  for (int c = 0; c < 8; ++c) f.Register(Uscc("370202", c));
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client(f.url, "");
      for (int i = 0; go; ++i) {
        const std::string id = "stop-" + std::to_string(c) + "-" + std::to_string(i);
        const Bytes env = Sign(RatingEvent(id, Uscc("370202", c)), f.agency, LedgerFixture::kOrigin);
        auto r = client.Post("/v1/events", "application/octet-stream", std::string(env.begin(), env.end()));
        if (!r.ok()) break;  // the server has gone
        if (r->status == 200) acked[c].push_back(id);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  f.StopServer();
  go = false;
  for (auto& t : clients) t.join();
  f.Reopen();
  size_t total = 0;
  for (const auto& list : acked) {
    for (const auto& id : list) {
      auto found = f.ledger->FindEventId(testing::AgencyUscc(), id);
      REQUIRE(found.ok());
      CHECK(found->has_value());
      ++total;
    }
  }
  CHECK(total > 0);
}

TEST_CASE("server: the ruleset in force, with its sources and calendar, for anyone", "[server]") {
  ServerFixture f;
  CHECK(f.Get("/v1/ruleset").status == 404);  // none adopted yet
  AdoptDefaultRuleset(f);
  HttpResponse r = f.Get("/v1/ruleset?as_of=2025-10-01");
  REQUIRE(r.status == 200);
  const json body = Body(r);
  CHECK(body["version"] == "default-2026.3");
  CHECK(body["effective_date"] == "2020-12-07");
  CHECK(body["serious_list"]["max_term_months"] == 36);
  CHECK(body["calendar"]["years"][5]["year"] == 2025);
  CHECK(body["calendar"]["years"][5]["notice"].get<std::string>().find("国办发明电〔2024〕12号") != std::string::npos);
  CHECK(f.Get("/v1/ruleset?as_of=2020-12-06").status == 404);
  CHECK(f.Get("/v1/ruleset?as_of=2020-13-01").status == 400);
  // Every rule's display names, in both languages.
  CHECK(body["rule_names"]["red_list"]["zh"] == "守信激励名单：履约记录");
  CHECK(body["rule_names"]["grade.B"]["en"] == "Grade B: no list applies");
  CHECK(body["rule_names"].size() == projections::KnownRules().size());
}

TEST_CASE("server: metrics count commits by type and responses by status", "[server]") {
  ServerFixture f;
  for (int i = 0; i < 3; ++i) REQUIRE(f.PostEnvelope(f.Rating("m" + std::to_string(i), Uscc("370202", i))).status == 200);
  HttpResponse r = f.Get("/metrics", f.admin_token);
  REQUIRE(r.status == 200);
  CHECK(r.body.find("creditlog_events_total{type=\"ServiceRated\"} 3") != std::string::npos);
  CHECK(r.body.find("creditlog_append_latency_seconds_count 3") != std::string::npos);
  CHECK(r.body.find("creditlog_http_responses_total{status=\"200\"} 3") != std::string::npos);
  CHECK(r.body.find("creditlog_ledger_size 8") != std::string::npos);  // genesis, agency key, 3 registrations, 3 ratings
  CHECK(r.body.find("creditlog_commit_latency_seconds_bucket{le=\"+Inf\"}") != std::string::npos);
}

TEST_CASE("server: the OpenAPI document describes exactly the routes served", "[server]") {
  const json doc = json::parse(OpenApiDocument(), nullptr, false);
  REQUIRE_FALSE(doc.is_discarded());
  REQUIRE(doc["openapi"].get<std::string>().starts_with("3."));
  std::set<std::tuple<std::string, std::string, std::string>> documented, served;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (method == "parameters") continue;
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      std::string roles = operation.value("x-creditlog-role", "?") + ":";
      for (const auto& role : operation.value("x-creditlog-roles", json::array())) roles += " " + role.get<std::string>();
      documented.emplace(upper, path, roles);
    }
  }
  for (const RouteSpec& route : RouteTable()) {
    std::string roles = std::string(RoleName(route.role)) + ":";
    for (Role role : route.roles) roles += " " + std::string(RoleName(role));
    served.emplace(route.method, route.path, roles);
  }
  CHECK(documented == served);
  ServerFixture f;
  HttpResponse r = f.Get("/v1/openapi.json");
  CHECK(r.status == 200);
  CHECK(Body(r)["info"]["title"].is_string());
}

// The clients, through the real binary.

TEST_CASE("server: slow clients are cut off at the time limits while others are served", "[server]") {
  ServerFixture f;
  f.StopServer();
  f.read_timeout = std::chrono::milliseconds(400);
  f.write_timeout = std::chrono::milliseconds(400);
  f.Start();
  const uint64_t size = f.ledger->size();
  using std::chrono::milliseconds;

  SECTION("headers sent a line at a time, forever (slowloris)") {
    std::vector<std::unique_ptr<RawConnection>> slow;
    for (int i = 0; i < 32; ++i) {
      slow.push_back(std::make_unique<RawConnection>(f.port));
      REQUIRE(slow.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
    }
    std::vector<bool> closed(slow.size(), false);
    size_t open = slow.size();
    const auto start = std::chrono::steady_clock::now();
    while (open > 0 && std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
      for (size_t i = 0; i < slow.size(); ++i) {
        if (closed[i]) continue;
        (void)slow[i]->Send("X-Slow: 1\r\n");  // always more to come, never the blank line
        if (slow[i]->Closed(milliseconds(0))) closed[i] = true, --open;
      }
      CHECK(f.Get("/healthz").status == 200);  // the others are served meanwhile
      std::this_thread::sleep_for(milliseconds(50));
    }
    CHECK(open == 0);
    // Each was cut for taking too long in all, though it never went quiet.
    CHECK(std::chrono::steady_clock::now() - start >= milliseconds(300));
  }
  SECTION("a body announced and never finished; nothing is written") {
    RawConnection c(f.port);
    REQUIRE(c.Send("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n0123456789"));
    std::string received;
    CHECK(c.Closed(milliseconds(5000), &received));
    CHECK(received.empty());  // no answer: the request never arrived whole
    CHECK(f.ledger->size() == size);
    CHECK(f.Get("/healthz").status == 200);
  }
  SECTION("a client that stops reading its answer") {
    // A page of 1,000 entries (about 1.4 MB of JSON) to a receive buffer of 2 KB. On loopback
    // the kernel takes the whole answer into the server's send buffer (up to tcp_wmem's 4 MB),
    // so the server holds nothing of it; what must not happen is the connection staying open:
    // it is closed at the read time limit for the next request.
    std::vector<Bytes> envelopes;
    for (int i = 0; i < 1000; ++i) envelopes.push_back(f.Rating("bulk-" + std::to_string(i), Uscc("370202", i)));
    for (const auto& r : f.ledger->AppendBatch(std::move(envelopes))) REQUIRE(r.ok());
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const int small = 2048;
    REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) == 0);
    RawConnection c(f.port, fd);
    REQUIRE(c.Send("GET /v1/entries?after=0&limit=1000 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + f.auditor_token +
                   "\r\n\r\n"));
    std::this_thread::sleep_for(milliseconds(1500));
    // Reading now drains the answer, then finds the end of the connection.
    std::string received;
    CHECK(c.Closed(milliseconds(5000), &received));
    CHECK(received.starts_with("HTTP/1.1 200"));
    const size_t header_end = received.find("\r\n\r\n");
    const size_t length_at = received.find("Content-Length: ");
    REQUIRE(header_end != std::string::npos);
    REQUIRE(length_at != std::string::npos);
    const size_t announced = std::stoul(received.substr(length_at + 16));
    CHECK(announced > 500'000);
    CHECK(f.Get("/healthz").status == 200);
  }
}

TEST_CASE("mirror and audit --server: catch up, then refuse a forked history", "[server][mirror]") {
  ServerFixture f;
  for (int i = 0; i < 5; ++i) REQUIRE(f.PostEnvelope(f.Rating("base-" + std::to_string(i), Uscc("370202", i))).status == 200);
  REQUIRE(f.ledger->PublishCheckpoint().ok());
  // Fork the directory here: the same genesis and keys, a different future.
  f.StopServer();
  f.ledger.reset();
  TempDir fork_dir;
  std::filesystem::copy(f.dir.path(), fork_dir.path(), std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
  f.Reopen();
  for (int i = 0; i < 5; ++i) REQUIRE(f.Rate("honest-" + std::to_string(i), Uscc("370202", 100 + i)).ok());
  REQUIRE(f.ledger->PublishCheckpoint().ok());
  f.Start();

  TempDir work;
  const std::string mirror = work.path() + "/mirror";
  const std::string state = work.path() + "/audit-state.json";
  const std::string vkey = "'" + f.ledger->VerifierKey() + "'";
  const std::string token = " --token " + f.auditor_token;
  Run first = RunCommand("mirror --quiet --server " + f.url + " --data " + mirror + token + " --verifier-key " + vkey);
  INFO(first.output);
  REQUIRE(first.exit_code == 0);
  CHECK(first.output.find("mirrored 17 entries") != std::string::npos);
  Run audit = RunCommand("audit --quiet --server " + f.url + " --verifier-key " + vkey + " --state " + state + token);
  INFO(audit.output);
  REQUIRE(audit.exit_code == 0);
  CHECK(audit.output.find("audited 17 entries") != std::string::npos);

  // The fork: the same first 12 entries, then others, signed by the same ledger key.
  f.StopServer();
  f.ledger.reset();
  std::filesystem::remove_all(f.dir.path());
  std::filesystem::copy(fork_dir.path(), f.dir.path(), std::filesystem::copy_options::recursive);
  f.Reopen();
  for (int i = 0; i < 8; ++i) REQUIRE(f.Rate("forked-" + std::to_string(i), Uscc("370202", 200 + i)).ok());
  REQUIRE(f.ledger->PublishCheckpoint().ok());
  f.Start();
  Run refused = RunCommand("mirror --quiet --server " + f.url + " --data " + mirror + token);
  INFO(refused.output);
  CHECK(refused.exit_code == 1);
  CHECK(refused.output.find("forked") != std::string::npos);
  Run rewritten = RunCommand("audit --quiet --server " + f.url + " --verifier-key " + vkey + " --state " + state + token);
  INFO(rewritten.output);
  CHECK(rewritten.exit_code == 1);
  CHECK(rewritten.output.find("not consistent") != std::string::npos);
  // The mirror kept its honest history.
  auto opened = ledger::Ledger::Open(mirror, {.read_only = true});
  REQUIRE(opened.ok());
  CHECK((*opened)->size() == 17);
}

}  // namespace
}  // namespace creditlog::api
