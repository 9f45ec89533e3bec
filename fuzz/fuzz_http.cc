// The HTTP API as a client reaches it: each input is the bytes of one connection to the real
// server — the transport (Beast's parser, the body limits, Boost.URL's target parsing, the
// path templates), tokens and every handler over a real ledger on disk, with its checkpoint
// publisher. Whatever arrives, the server must answer or close the connection, and stay up: a
// crash, a sanitizer report or a hang (no end of the connection within kAnswerWait) fails the
// run.
//
// Keys and tokens are fixed, so that the seed corpus (written by running this target with
// CREDITLOG_FUZZ_HTTP_SEEDS=DIR) holds requests that pass authentication and signatures.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/http/access.h"
#include "api/http/server.h"
#include "crypto/bytes.h"
#include "crypto/ed25519.h"
#include "events/event.h"
#include "events/json.h"
#include "events/uscc.h"
#include "ledger/ledger.h"
#include "ledger/publisher.h"
#include "ledger_fixture.h"
#include "projections/ruleset.h"

namespace {

using namespace creditlog;
using nlohmann::json;

constexpr const char* kOrigin = "fuzz.creditlog.example/log";
constexpr const char* kInspectorToken = "clt_fuzz_inspector";
constexpr const char* kAuditorToken = "clt_fuzz_auditor";
constexpr const char* kAdminToken = "clt_fuzz_admin";
// The server's read limit, short so that an input cut mid-request costs little; the wait for
// the connection to end is well beyond it.
constexpr auto kReadTimeout = std::chrono::milliseconds(1000);
constexpr int kAnswerWaitMs = 20000;

KeyPair Seeded(uint8_t n) {
  const Bytes seed(kSeedSize, n);
  return KeyPairFromSeed(seed);
}

Bytes Sign(const json& event, const KeyPair& key) { return testing::Sign(event, key, kOrigin); }

void Must(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "fuzz_http: %s: %s\n", what, s.ToString().c_str());
    std::abort();
  }
}

const std::string kSubject = events::MakeUscc("91", "370202", "MA3C4D5E");

json Rating(const std::string& id) { return testing::RatingEvent(id, kSubject); }

struct Env {
  testing::TempDir dir;  // under $TMPDIR, which scripts/fuzz points at a folder it removes afterwards
  KeyPair root = Seeded(1), ledger_key = Seeded(2), agency = Seeded(3);
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<ledger::CheckpointPublisher> publisher;
  std::unique_ptr<api::Server> server;
  uint16_t port = 0;

  Env() {
    InitCrypto();
    ledger::GenesisParams params{kOrigin, "fuzz", events::MakeUscc("11", "370200", "MB1A2B3C"), "青岛市信用办", "2026-01-01"};
    auto created = ledger::Ledger::Create(dir.path(), params, root, ledger_key.public_key);
    Must(created.status(), "creating the ledger");
    ledger = std::move(*created);
    Must(ledger->SetCheckpointKey(ledger_key.secret_key), "checkpoint key");
    Must(ledger->Append(Sign(json::parse(projections::DefaultRulesetAdoptionJson()), root)).status(), "adopting the ruleset");
    const json registered = testing::RegisterEvent("agency-1", agency.public_key, "3702", {"ServiceRated", "CommitmentMade"});
    Must(ledger->Append(Sign(registered, root)).status(), "registering the agency");
    for (int i = 0; i < 3; ++i) Must(ledger->Append(Sign(Rating("seed-" + std::to_string(i)), agency)).status(), "rating");
    Must(ledger->PublishCheckpoint().status(), "first checkpoint");
    publisher = std::make_unique<ledger::CheckpointPublisher>(*ledger, std::chrono::milliseconds(20));

    api::ServerOptions options;
    options.port = 0;  // any free one
    options.publisher = publisher.get();
    options.read_timeout = kReadTimeout;
    options.tokens = {{"insp", api::Role::kInspector, api::TokenHash(kInspectorToken)},
                      {"aud", api::Role::kAuditor, api::TokenHash(kAuditorToken)},
                      {"adm", api::Role::kAdmin, api::TokenHash(kAdminToken)}};
    auto started = api::Server::Start(*ledger, options);
    Must(started.status(), "starting the server");
    server = std::move(*started);
    port = server->port();
  }
};

Env* env = nullptr;

// One connection: send everything, close the sending half, read until the server closes.
void Exchange(const uint8_t* data, size_t size) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) std::abort();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(env->port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    std::fprintf(stderr, "fuzz_http: the server no longer accepts connections\n");
    std::abort();
  }
  size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server closed early: fine
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  char buffer[65536];
  std::string head;  // the start of the first answer
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, kAnswerWaitMs) <= 0) {
      std::fprintf(stderr, "fuzz_http: the server neither answered nor closed within %d ms\n", kAnswerWaitMs);
      std::abort();
    }
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    if (head.size() < 16) head.append(buffer, static_cast<size_t>(std::min<ssize_t>(n, 16)));
  }
  ::close(fd);
  // Bad input gets a 4xx naming what was wrong; a 500 means a handler failed on it.
  if (head.starts_with("HTTP/1.1 500")) {
    std::fprintf(stderr, "fuzz_http: the server answered 500 Internal Server Error\n");
    std::abort();
  }
}

std::string Request(const std::string& method, const std::string& target, const std::string& token,
                     const std::string& type = "", const std::string& body = "") {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!token.empty()) r += "Authorization: Bearer " + token + "\r\n";
  if (!type.empty()) r += "Content-Type: " + type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

// A request per route (with the admin token, so that each gets past authentication), plus
// signed writes: the seeds of the corpus.
void WriteSeeds(const std::string& out) {
  std::vector<std::pair<std::string, std::string>> seeds;
  for (const api::RouteSpec& route : api::RouteTable()) {
    std::string path = route.path;
    auto fill = [&](const std::string& name, const std::string& value) {
      const size_t at = path.find("{" + name + "}");
      if (at != std::string::npos) path.replace(at, name.size() + 2, value);
    };
    fill("seq", "3");
    fill("id", kSubject);
    fill("name", "Watch");
    fill("file", "app.js");
    if (route.path == "/v1/entries") path += "?after=0&limit=5";
    if (route.path == "/v1/proofs/inclusion") path += "?seq=2&size=5";
    if (route.path == "/v1/proofs/consistency") path += "?old=2&new=5";
    if (route.path == "/v1/search") path += "?q=9137";
    if (route.path.find("{id}") != std::string::npos) path += "?as_of=2026-03-02";
    if (route.method != "GET") continue;
    std::string name = route.path.substr(1);
    for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
    seeds.emplace_back("get-" + name, Request("GET", path, kAdminToken));
  }
  const Bytes one = Sign(Rating("corpus-1"), env->agency);
  seeds.emplace_back("post-event", Request("POST", "/v1/events", "", "application/octet-stream", std::string(one.begin(), one.end())));
  const Bytes two = Sign(Rating("corpus-2"), env->agency);
  seeds.emplace_back("post-event-wait",
                     Request("POST", "/v1/events?wait=checkpoint", "", "application/octet-stream", std::string(two.begin(), two.end())));
  json batch = {{"envelopes", json::array()}};
  for (int i = 3; i < 5; ++i) batch["envelopes"].push_back(Base64Encode(Sign(Rating("corpus-" + std::to_string(i)), env->agency)));
  seeds.emplace_back("post-batch", Request("POST", "/v1/events/batch?wait=checkpoint", "", "application/json", batch.dump()));
  seeds.emplace_back("pipelined", Request("GET", "/v1/checkpoint", "") + Request("GET", "/v1/whoami", kInspectorToken));
  // What the transport refuses or must take as text.
  seeds.emplace_back("query-raw-text", Request("GET", "/v1/search?q=a(b)!*';[c]|{d}%E9%9D%92+x", ""));
  seeds.emplace_back("query-bad-escape", Request("GET", "/v1/search?q=%zz%ff", ""));
  seeds.emplace_back("path-escaped-slash", Request("GET", "/v1/subjects/11370200MB1B000618%2F00042/profile", kInspectorToken));
  seeds.emplace_back("get-with-body", "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4194304\r\n\r\nabc");
  seeds.emplace_back("post-chunked", "POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  seeds.emplace_back("post-expect-continue",
                     "POST /v1/events HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc");
  for (const auto& [name, bytes] : seeds) std::ofstream(out + "/" + name, std::ios::binary) << bytes;
  std::fprintf(stderr, "fuzz_http: wrote %zu seeds to %s\n", seeds.size(), out.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  env = new Env();  // lives for the whole run: one server, as in production
  if (const char* out = std::getenv("CREDITLOG_FUZZ_HTTP_SEEDS")) WriteSeeds(out);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Exchange(data, size);
  return 0;
}
