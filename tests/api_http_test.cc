// The HTTP transport over loopback (api/http/http_server.h), with the real server and ledger where
// the routes matter: bodies refused before they are read, the body budget, connection caps,
// memory under 1,000 hostile connections, malformed requests, lenient query text, decoded path
// parameters, 500s without details, security headers, pipelining, time limits and shutdown.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <rocksdb/db.h>
#include <spdlog/sinks/ostream_sink.h>

#include "api/client/http_client.h"
#include "api/http/http_server.h"
#include "api/log.h"
#include "api/http/server.h"
#include "ledger/format.h"
#include "ledger/publisher.h"
#include "ledger_fixture.h"
#include "server_fixture.h"
#include "projections/ruleset.h"

namespace creditlog::api {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::LedgerFixture;
using testing::Sign;
using testing::Uscc;
using Clock = std::chrono::steady_clock;

// The server started by each test, after it has set `options` or prepared the ledger.
struct HttpFixture : testing::ServerFixture {
  HttpFixture() : ServerFixture(/*start=*/false) {}
};

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  json Json() const { return json::parse(body, nullptr, false); }
  std::string Code() const {
    const json doc = Json();
    return doc.is_object() && doc.contains("error") ? doc["error"].value("code", "") : "";
  }
  std::string Message() const {
    const json doc = Json();
    return doc.is_object() && doc.contains("error") ? doc["error"].value("message", "") : "";
  }
};

// A raw TCP connection from a chosen loopback address (all of 127/8 is local on Linux), for
// clients that misbehave below HTTP.
class Client {
 public:
  explicit Client(uint16_t port, const std::string& from = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    REQUIRE(::inet_pton(AF_INET, from.c_str(), &local.sin_addr) == 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) == 0);
    sockaddr_in server{};
    server.sin_family = AF_INET;
    server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    server.sin_port = htons(port);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&server), sizeof(server)) == 0);
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool Send(std::string_view data) { return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size()); }
  void ShutdownSending() { ::shutdown(fd_, SHUT_WR); }

  // The next response (skipping 100 Continue), or nothing within `wait`.
  std::optional<RawResponse> Read(milliseconds wait = milliseconds(5000)) {
    const auto deadline = Clock::now() + wait;
    while (true) {
      const size_t end = pending_.find("\r\n\r\n");
      if (end != std::string::npos) {
        RawResponse r;
        std::istringstream head(pending_.substr(0, end));
        std::string line, version;
        std::getline(head, line);
        std::istringstream(line) >> version >> r.status;
        while (std::getline(head, line)) {
          if (!line.empty() && line.back() == '\r') line.pop_back();
          const size_t colon = line.find(':');
          if (colon == std::string::npos) continue;
          std::string name = line.substr(0, colon);
          for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
        }
        const size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
        if (pending_.size() >= end + 4 + length) {
          r.body = pending_.substr(end + 4, length);
          pending_.erase(0, end + 4 + length);
          if (r.status == 100) {
            continued_ = true;
            continue;
          }
          return r;
        }
      }
      if (!Fill(deadline)) return std::nullopt;
    }
  }
  // True once the server has closed the connection (reading and dropping what arrives).
  bool Closed(milliseconds wait) {
    const auto deadline = Clock::now() + wait;
    while (Fill(deadline)) pending_.clear();
    return closed_;
  }
  bool continued() const { return continued_; }  // a 100 Continue came

 private:
  bool Fill(Clock::time_point deadline) {
    if (closed_) return false;
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left))) <= 0) return false;
    char buffer[65536];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    pending_.append(buffer, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string pending_;
  bool closed_ = false;
  bool continued_ = false;
};

std::string Get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n";
}

RawResponse Exchange(uint16_t port, const std::string& request) {
  Client c(port);
  REQUIRE(c.Send(request));
  auto r = c.Read();
  REQUIRE(r.has_value());
  return *r;
}

void AdoptDefaultRuleset(LedgerFixture& f) {
  REQUIRE(f.ledger->Append(Sign(json::parse(projections::DefaultRulesetAdoptionJson()), f.root, LedgerFixture::kOrigin)).ok());
}

void RaiseFileLimit() {
  rlimit files{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &files) == 0);
  files.rlim_cur = files.rlim_max;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &files) == 0);
  REQUIRE(files.rlim_cur >= 2 * kConnectionsMax + 256);  // both ends of every connection live in this process
}

// VmRSS of this process, in KiB.
long RssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

size_t EnvOr(const char* name, size_t fallback) {
  const char* value = std::getenv(name);
  return value ? std::stoul(value) : fallback;
}

TEST_CASE("http: a route that takes no body refuses one at once, without reading it", "[http]") {
  HttpFixture f;
  f.Start();
  SECTION("a declared length") {
    Client c(f.port);
    const auto sent = Clock::now();
    REQUIRE(c.Send(Get("/healthz", "Content-Length: 4194304\r\n")));  // and never a byte of it
    auto r = c.Read(milliseconds(3000));
    REQUIRE(r.has_value());
    CHECK(Clock::now() - sent < milliseconds(3000));  // not at the read time limit (15 s)
    CHECK(r->status == 413);
    CHECK(r->Code() == "payload_too_large");
    CHECK(r->Message().find("GET /healthz takes no body") != std::string::npos);
    CHECK(r->Message().find("4194304") != std::string::npos);
    CHECK(r->headers["connection"] == "close");
    CHECK(c.Closed(milliseconds(3000)));
  }
  SECTION("a chunked body") {
    auto r = Exchange(f.port, Get("/v1/checkpoint", "Transfer-Encoding: chunked\r\n"));
    CHECK(r.status == 413);
    CHECK(r.Code() == "payload_too_large");
  }
  SECTION("an empty one is no body") {
    Client c(f.port);
    REQUIRE(c.Send(Get("/healthz", "Content-Length: 0\r\n")));
    auto r = c.Read();
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    REQUIRE(c.Send(Get("/healthz")));  // and the connection stays open
    CHECK(c.Read().value().status == 200);
  }
}

TEST_CASE("http: a POST over its route's limit is refused before its body is read", "[http]") {
  HttpFixture f;
  f.Start();
  auto post = [](const std::string& path, size_t length, const std::string& extra = "") {
    return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
           std::to_string(length) + "\r\n" + extra + "\r\n";
  };
  SECTION("one event: 128 KiB") {
    auto r = Exchange(f.port, post("/v1/events", kRequestBodyBytesMax + 1));
    CHECK(r.status == 413);
    CHECK(r.Code() == "payload_too_large");
    CHECK(r.Message() == "the body is 131073 bytes; POST /v1/events takes at most 131072");
  }
  SECTION("a batch: 4 MiB, and a batch of exactly 4 MiB is read") {
    auto r = Exchange(f.port, post("/v1/events/batch", kBatchBodyBytesMax + 1));
    CHECK(r.status == 413);
    Client c(f.port);
    REQUIRE(c.Send(post("/v1/events/batch", kBatchBodyBytesMax)));
    CHECK_FALSE(c.Read(milliseconds(500)).has_value());  // waiting for the body
  }
  SECTION("a chunked body: 411") {
    auto r = Exchange(f.port, "POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    CHECK(r.status == 411);
    CHECK(r.Message().find("Content-Length") != std::string::npos);
  }
  SECTION("Expect: 100-continue is answered before the body, and not when the body is refused") {
    Client c(f.port);
    REQUIRE(c.Send(post("/v1/events", 3, "Expect: 100-continue\r\n")));
    CHECK_FALSE(c.Read(milliseconds(500)).has_value());
    CHECK(c.continued());
    REQUIRE(c.Send("abc"));
    auto r = c.Read();
    REQUIRE(r.has_value());
    CHECK(r->status == 400);  // not an envelope, but read and handled
    auto big = Exchange(f.port, post("/v1/events", kRequestBodyBytesMax + 1, "Expect: 100-continue\r\n"));
    CHECK(big.status == 413);
  }
  CHECK(f.ledger->size() == 2);
}

TEST_CASE("http: request bodies share one budget, beyond it 429 with Retry-After", "[http]") {
  HttpFixture f;
  f.Start();
  const std::string upload = "POST /v1/events/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                             std::to_string(kBatchBodyBytesMax) + "\r\n\r\n{\"envelopes\":[";
  constexpr size_t kFits = kBodyBytesInFlightMax / kBatchBodyBytesMax;
  std::vector<std::unique_ptr<Client>> slow;
  for (size_t i = 0; i < kFits; ++i) {
    slow.push_back(std::make_unique<Client>(f.port, "127.0.0.2"));
    REQUIRE(slow.back()->Send(upload));
  }
  for (auto& c : slow) CHECK_FALSE(c->Read(milliseconds(20)).has_value());  // all being read
  Client over(f.port, "127.0.0.2");
  REQUIRE(over.Send(upload));
  auto r = over.Read();
  REQUIRE(r.has_value());
  CHECK(r->status == 429);
  CHECK(r->Code() == "resource_exhausted");
  CHECK(r->headers["retry-after"] == "1");
  // One upload gives up: its share is free again.
  slow.pop_back();
  std::this_thread::sleep_for(milliseconds(200));
  Client next(f.port, "127.0.0.2");
  REQUIRE(next.Send(upload));
  CHECK_FALSE(next.Read(milliseconds(300)).has_value());
  const HttpResponse metrics = f.Get("/metrics", f.admin_token);
  CHECK(metrics.body.find("creditlog_http_body_bytes_in_flight " + std::to_string(kBodyBytesInFlightMax)) != std::string::npos);
}

TEST_CASE("http: header fields past 16 KiB are refused with 431", "[http]") {
  HttpFixture f;
  f.Start();
  auto r = Exchange(f.port, Get("/healthz", "X-Big: " + std::string(kHeaderBytesMax, 'a') + "\r\n"));
  CHECK(r.status == 431);
  CHECK(r.Code() == "payload_too_large");
  CHECK(Exchange(f.port, Get("/healthz", "X-Fits: " + std::string(kHeaderBytesMax / 2, 'a') + "\r\n")).status == 200);
}

TEST_CASE("http: connections over the caps get a canned JSON answer and are closed", "[http]") {
  RaiseFileLimit();
  HttpFixture f;
  f.Start();
  SECTION("per address") {
    std::vector<std::unique_ptr<Client>> held;
    for (size_t i = 0; i < kConnectionsPerAddressMax; ++i) held.push_back(std::make_unique<Client>(f.port, "127.0.0.3"));
    CHECK(Exchange(f.port, Get("/healthz")).status == 200);  // the held ones are accepted by now
    Client over(f.port, "127.0.0.3");
    auto r = over.Read();
    REQUIRE(r.has_value());
    CHECK(r->status == 429);
    CHECK(r->Code() == "resource_exhausted");
    CHECK(r->headers["retry-after"] == "1");
    CHECK(r->headers["x-content-type-options"] == "nosniff");
    CHECK(over.Closed(milliseconds(2000)));
    CHECK(f.Get("/healthz").status == 200);  // other addresses are served
    REQUIRE(held.back()->Send(Get("/healthz")));  // and the held ones work
    CHECK(held.back()->Read().value().status == 200);
  }
  SECTION("in all") {
    std::vector<std::unique_ptr<Client>> held;
    for (size_t i = 0; i < kConnectionsMax; ++i) {
      held.push_back(std::make_unique<Client>(f.port, "127.0.1." + std::to_string(1 + i % 32)));
    }
    Client over(f.port);
    auto r = over.Read();
    REQUIRE(r.has_value());
    CHECK(r->status == 503);
    CHECK(r->Code() == "unavailable");
    CHECK(r->headers["retry-after"] == "1");
    held.resize(kConnectionsMax - 8);
    std::this_thread::sleep_for(milliseconds(300));
    CHECK(f.Get("/healthz").status == 200);
  }
}

// The bound the test holds the server to: each connection's header buffer and state, plus the
// bodies being received (docs/http.md, "Memory").
constexpr long kHostileRssGrowthKibMax = 48 * 1024;

TEST_CASE("http: 1,000 hostile connections stay under the memory bound while /healthz answers", "[http][hostile]") {
  RaiseFileLimit();
  HttpFixture f;
  f.Start();
  // By hand: CREDITLOG_HOSTILE_ADDRESSES=49 CREDITLOG_HOSTILE_SECONDS=12 test_api "[hostile]";
  // CREDITLOG_HOSTILE_SLOW_ONLY=1 makes every connection a slow header.
  const size_t connections = EnvOr("CREDITLOG_HOSTILE_CONNECTIONS", 1000);
  const size_t addresses = EnvOr("CREDITLOG_HOSTILE_ADDRESSES", 20);  // 127.0.0.2 onwards, under the per-address cap
  const size_t seconds = EnvOr("CREDITLOG_HOSTILE_SECONDS", 4);
  const size_t kinds = EnvOr("CREDITLOG_HOSTILE_SLOW_ONLY", 0) ? 1 : 3;
  REQUIRE(connections <= kConnectionsMax - 16);
  REQUIRE(connections <= addresses * kConnectionsPerAddressMax);
  for (int i = 0; i < 20; ++i) REQUIRE(f.Get("/healthz").status == 200);
  const long before = RssKib();

  enum Kind { kSlowHeaders, kGetWithBody, kTrickledBatch };
  const std::string batch = "POST /v1/events/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                            std::to_string(kBatchBodyBytesMax) + "\r\n\r\n{\"envelopes\":[";
  std::vector<std::unique_ptr<Client>> hostile;
  for (size_t i = 0; i < connections; ++i) {
    hostile.push_back(std::make_unique<Client>(f.port, "127.0.0." + std::to_string(2 + i % addresses)));
    switch (static_cast<Kind>(i % kinds)) {
      case kSlowHeaders: REQUIRE(hostile.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n")); break;
      case kGetWithBody: REQUIRE(hostile.back()->Send(Get("/healthz", "Content-Length: 4194304\r\n"))); break;
      case kTrickledBatch: REQUIRE(hostile.back()->Send(batch)); break;
    }
  }
  const size_t rounds = seconds * 10;
  const std::string header_line = "X-Slow: " + std::string(kHeaderBytesMax * 3 / 4 / rounds, 'h') + "\r\n";  // stays under the limit
  const std::string body_chunk = "\"" + std::string(4094, 'A') + "\",";
  long peak = before;
  milliseconds slowest_health{0};
  const auto end = Clock::now() + std::chrono::seconds(seconds);  // within the read time limit (15 s)
  for (size_t round = 0; round < rounds && Clock::now() < end; ++round) {
    for (size_t i = 0; i < hostile.size(); ++i) {
      if (i % kinds == kSlowHeaders) (void)hostile[i]->Send(header_line);
      if (i % kinds == kTrickledBatch) (void)hostile[i]->Send(body_chunk);
    }
    const auto asked = Clock::now();
    CHECK(f.Get("/healthz").status == 200);
    slowest_health = std::max(slowest_health, std::chrono::duration_cast<milliseconds>(Clock::now() - asked));
    peak = std::max(peak, RssKib());
    std::this_thread::sleep_for(milliseconds(100));
  }
  // What each kind got: the bodies a GET does not take and uploads beyond the budget were
  // refused at once; slow headers and admitted uploads are still open.
  std::map<int, size_t> answers;
  size_t open = 0;
  for (size_t i = 0; i < hostile.size(); ++i) {
    if (auto r = hostile[i]->Read(milliseconds(0))) {
      ++answers[r->status];
    } else if (!hostile[i]->Closed(milliseconds(0))) {
      ++open;
    }
  }
  if (kinds == 3) {
    CHECK(answers[413] == (connections + 1) / 3);
    CHECK(answers[429] == connections / 3 - kBodyBytesInFlightMax / kBatchBodyBytesMax);
  }
  CHECK(open == connections - answers[413] - answers[429]);
  std::printf("hostile: %zu connections from %zu addresses for %zu s: %zu held open, %zu answered 413, %zu answered 429; "
              "VmRSS %.1f MiB before, peak %.1f MiB, growth %.1f MiB; slowest /healthz %lld ms\n",
              connections, addresses, seconds, open, answers[413], answers[429], before / 1024.0, peak / 1024.0,
              (peak - before) / 1024.0, static_cast<long long>(slowest_health.count()));
#if defined(CREDITLOG_ASAN) || defined(__SANITIZE_THREAD__)
  (void)kHostileRssGrowthKibMax;  // a sanitizer's shadow memory and quarantine say nothing about the server's
#else
  CHECK(peak - before < kHostileRssGrowthKibMax);
#endif
  CHECK(slowest_health < milliseconds(1000));
}

TEST_CASE("http: every malformed request gets a JSON 400, never a dropped connection", "[http]") {
  HttpFixture f;
  f.Start();
  // What cannot be parsed ends the connection after the answer; a bad target alone does not.
  const std::vector<std::tuple<std::string, std::string, bool>> cases = {
      {"a request line that is not one", "GARBAGE\r\n\r\n", true},
      {"a header without a colon", "GET /healthz HTTP/1.1\r\nHost x\r\n\r\n", true},
      {"an unknown version", "GET /healthz HTTP/7.1\r\nHost: x\r\n\r\n", true},
      {"a bad Content-Length", "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 12x\r\n\r\n", true},
      {"two Content-Lengths", "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", true},
      {"a control character in a header value", "GET /healthz HTTP/1.1\r\nHost: x\x01y\r\n\r\n", true},
      {"a target without '/'", "GET healthz HTTP/1.1\r\nHost: x\r\n\r\n", false},
  };
  for (const auto& [what, request, closes] : cases) {
    INFO(what);
    Client c(f.port);
    REQUIRE(c.Send(request));
    auto r = c.Read();
    REQUIRE(r.has_value());
    CHECK(r->status == 400);
    CHECK(r->Code() == "invalid_argument");
    CHECK(r->headers.count("x-request-id") == 1);
    if (closes) {
      CHECK(c.Closed(milliseconds(3000)));
    } else {
      REQUIRE(c.Send(Get("/healthz")));
      CHECK(c.Read().value().status == 200);
    }
  }
  SECTION("a request cut short by the end of the connection") {
    Client c(f.port);
    REQUIRE(c.Send("GET /healthz HTTP/1.1\r\nHo"));
    c.ShutdownSending();
    auto r = c.Read();
    REQUIRE(r.has_value());
    CHECK(r->status == 400);
    CHECK(r->Message() == "the connection ended inside the request");
  }
  CHECK(f.Get("/healthz").status == 200);
}

TEST_CASE("http: query text with parentheses, quotes, brackets and bars is text, bad escapes and bad UTF-8 are named", "[http]") {
  HttpFixture f;
  f.Start();
  auto search = [&](const std::string& raw_query) { return Exchange(f.port, Get("/v1/search?q=" + raw_query)); };
  SECTION("raw as browsers and the console send them") {
    auto r = search("a(b)!*';[c]|{d}^`\\");
    REQUIRE(r.status == 200);
    CHECK(r.Json()["query"] == "a(b)!*';[c]|{d}^`\\");
    CHECK(search("青岛").Json()["query"] == "青岛");                 // raw UTF-8 bytes
    CHECK(search("%E9%9D%92+%28x%29").Json()["query"] == "青 (x)");  // escapes; '+' is a space
    CHECK(f.Get("/v1/search?q=(9137").status == 200);               // libcurl sends them raw too
  }
  SECTION("a '%' that is not an escape") {
    auto r = search("ab%zz");
    CHECK(r.status == 400);
    CHECK(r.Code() == "invalid_argument");
    CHECK(r.Message().find("'%zz' at byte 15") != std::string::npos);
    CHECK(search("100%").status == 400);
  }
  SECTION("invalid UTF-8 once decoded") {
    auto r = search("%ff%fe");
    CHECK(r.status == 400);
    CHECK(r.Message() == "query parameter 'q' ('%ff%fe') is not valid UTF-8 once percent-decoded");
    CHECK(search("%C0%AF").status == 400);  // an overlong '/'
    auto path = Exchange(f.port, Get("/v1/subjects/%ff/public-profile"));
    CHECK(path.status == 400);
    CHECK(path.Message().find("path segment 3") != std::string::npos);
  }
  SECTION("other parameters: numbers named with their text") {
    auto r = Exchange(f.port, Get("/v1/proofs/inclusion?seq=(1)&size=2"));
    CHECK(r.status == 400);
    CHECK(r.Message() == "'query parameter seq': '(1)' is not a number in range");
  }
}

TEST_CASE("http: path parameters are decoded per segment: a civil servant's profile and timeline", "[http]") {
  HttpFixture f;
  AdoptDefaultRuleset(f);
  const KeyPair personnel = GenerateKeyPair();
  REQUIRE(f.ledger->Append(Sign(testing::RegisterEvent("personnel-1", personnel.public_key, "3702", {"CivilServantIntegrityEntry"}),
                                f.root, LedgerFixture::kOrigin)).ok());
  const std::string subject = "11370200MB1B000618/00042";
  const json entry = {{"event_id", "gwy-1"},
                      {"subject", subject},
                      {"body_type", "CivilServantIntegrityEntry"},
                      {"body", {{"entry_id", "GWY-2026-01"}, {"category", "奖励"}, {"content", "年度考核优秀"}, {"entry_date", "2026-01-20"}}}};
  auto recorded = f.ledger->Append(Sign(entry, personnel, LedgerFixture::kOrigin));
  REQUIRE(recorded.ok());
  f.Start();
  const std::string encoded = "/v1/subjects/11370200MB1B000618%2F00042";
  // A civil servant's file is for the personnel role (docs/privacy.md).
  HttpResponse profile = f.Get(encoded + "/profile", f.personnel_token);
  INFO(profile.body);
  REQUIRE(profile.status == 200);
  CHECK(json::parse(profile.body)["subject"] == subject);
  CHECK(f.Get(encoded + "/profile", f.inspector_token).status == 403);
  HttpResponse timeline = f.Get(encoded + "/timeline", f.personnel_token);
  INFO(timeline.body);
  REQUIRE(timeline.status == 200);
  const json rows = json::parse(timeline.body)["timeline"];
  REQUIRE(rows.size() == 1);
  CHECK(rows[0]["seq"] == recorded->seq);
  // Unescaped, the slash splits the path: no such route.
  CHECK(f.Get("/v1/subjects/" + subject + "/profile", f.personnel_token).status == 404);
}

TEST_CASE("http: a 500 carries a request id and a generic message, the details only go to the log", "[http]") {
  HttpFixture f;
  const std::string subject = Uscc("370202", 1);
  REQUIRE(f.Rate("r1", subject).ok());
  f.ledger.reset();
  // A damaged index entry, read only when asked for (opening and the fold read the entries).
  REQUIRE(testing::OpenRawDatabase(f.dir.path())->Put({}, ledger::StreamIndexKey(subject, 1), "not a seq").ok());
  f.Reopen();
  f.Start();
  const std::string path = "/v1/subjects/" + subject + "/timeline?purpose=supervision";
  const std::string bearer = "Authorization: Bearer " + f.inspector_token + "\r\n";
  std::ostringstream log;
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  auto r = Exchange(f.port, Get(path, bearer));
  spdlog::set_default_logger(previous);
  INFO(r.body);
  CHECK(r.status == 500);
  CHECK(r.Code() == "corruption");
  const std::string id = r.headers["x-request-id"];
  REQUIRE_FALSE(id.empty());
  CHECK(r.Message() == "internal error; request id " + id);
  INFO(log.str());
  CHECK(log.str().find("stream index value") != std::string::npos);
  CHECK(log.str().find(id) != std::string::npos);
  // A client's own request id (a proxy's) is kept.
  auto mine = Exchange(f.port, Get(path, bearer + "X-Request-Id: proxy-42\r\n"));
  CHECK(mine.headers["x-request-id"] == "proxy-42");
  CHECK(mine.Message() == "internal error; request id proxy-42");
}

TEST_CASE("http: every response carries the security headers and a request id", "[http]") {
  HttpFixture f;
  f.Start();
  const std::vector<std::string> requests = {
      Get("/"), Get("/web/app.js"), Get("/v1/checkpoint"), Get("/v1/nothing"), Get("/v1/subjects/x/profile"),
      Get("/healthz", "Content-Length: 5\r\n"), Get("/v1/search?q=%zz"), "BAD\r\n\r\n"};
  std::set<std::string> ids;
  for (const std::string& request : requests) {
    INFO(request);
    auto r = Exchange(f.port, request);
    CHECK(r.headers["content-security-policy"] == std::string(kContentSecurityPolicy));
    CHECK(r.headers["content-security-policy"].find("frame-ancestors 'none'") != std::string::npos);
    CHECK(r.headers["x-content-type-options"] == "nosniff");
    CHECK(r.headers["referrer-policy"] == "no-referrer");
    CHECK(ids.insert(r.headers["x-request-id"]).second);
  }
  auto console = Exchange(f.port, Get("/"));
  CHECK(console.status == 200);
  CHECK(console.headers["content-type"].starts_with("text/html"));
  auto unauthenticated = Exchange(f.port, Get("/v1/subjects/x/profile"));
  CHECK(unauthenticated.status == 401);
  CHECK(unauthenticated.headers["www-authenticate"] == "Bearer");
}

TEST_CASE("http: pipelined requests are answered in order on one connection", "[http]") {
  HttpFixture f;
  f.Start();
  Client c(f.port);
  REQUIRE(c.Send(Get("/healthz") + Get("/v1/nothing") + Get("/v1/whoami", "Authorization: Bearer " + f.inspector_token + "\r\n") +
                 Get("/readyz")));
  CHECK(c.Read().value().body == "ok\n");
  CHECK(c.Read().value().status == 404);
  CHECK(c.Read().value().Json()["role"] == "inspector");
  CHECK(c.Read().value().body == "ready\n");
}

TEST_CASE("http target: decoding, leniency and path templates", "[http]") {
  auto target = ParseTarget("/v1/subjects/a%2Fb/profile?q=x+y&q=second&flag&k=%E9%9D%92");
  REQUIRE(target.ok());
  CHECK(target->path == "/v1/subjects/a%2Fb/profile");
  CHECK(target->segments == std::vector<std::string>{"v1", "subjects", "a/b", "profile"});
  REQUIRE(target->query.size() == 4);
  CHECK(target->query[0] == std::pair<std::string, std::string>{"q", "x y"});
  CHECK(target->query[2] == std::pair<std::string, std::string>{"flag", ""});
  CHECK(target->query[3].second == "青");
  CHECK(ParseTarget("/")->segments.empty());
  CHECK(ParseTarget("http://example.org/healthz?a=1")->segments == std::vector<std::string>{"healthz"});  // absolute form
  CHECK(ParseTarget("/s?q=[a]|{b}")->query[0].second == "[a]|{b}");
  CHECK(ParseTarget("/s?q=%2").status().message().find("'%2' at byte 5") != std::string::npos);
  CHECK_FALSE(ParseTarget("*").ok());
  CHECK_FALSE(IsValidUtf8("\xed\xa0\x80"));  // a surrogate
  CHECK_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK(IsValidUtf8("信用 ok"));

  PathParams params;
  auto file = PathTemplate::Parse("/web/{file}", ParamMatch::kRestOfPath);
  REQUIRE(file.ok());
  CHECK(file->Match({"web", "pages", "search.js"}, &params));
  CHECK(params["file"] == "pages/search.js");
  CHECK_FALSE(file->Match({"web"}, &params));
  auto seq = PathTemplate::Parse("/v1/entries/{seq}", ParamMatch::kDigits);
  REQUIRE(seq.ok());
  CHECK(seq->Match({"v1", "entries", "42"}, &params));
  CHECK(params["seq"] == "42");
  CHECK_FALSE(seq->Match({"v1", "entries", "4x"}, &params));
  CHECK_FALSE(seq->Match({"v1", "entries", ""}, &params));
  auto profile = PathTemplate::Parse("/v1/subjects/{id}/profile", ParamMatch::kSegment);
  REQUIRE(profile.ok());
  CHECK_FALSE(profile->Match({"v1", "subjects", "a", "b", "profile"}, &params));
  CHECK_FALSE(PathTemplate::Parse("v1/{x", ParamMatch::kSegment).ok());
}

// The transport alone, with handlers that answer late, never, or throw.
struct Transport {
  explicit Transport(HttpServerOptions options = {}) : server(std::move(options)) {}
  void Start() {
    REQUIRE(server.Start().ok());
    port = server.port();
  }
  HttpServer server;
  uint16_t port = 0;
};

TEST_CASE("http transport: answers from other threads, the handler time limit, a throwing handler", "[http]") {
  HttpServerOptions options;
  options.handle_timeout = milliseconds(300);
  Transport t(options);
  std::mutex mutex;
  std::vector<Request> kept;
  REQUIRE(t.server.AddRoute("GET", "/later", {}, [&](const Request& req, const PathParams&) {
    std::thread([req] {
      std::this_thread::sleep_for(milliseconds(50));
      req.Respond({200, "text/plain", "later\n", {}});
    }).detach();
  }).ok());
  REQUIRE(t.server.AddRoute("GET", "/never", {}, [&](const Request& req, const PathParams&) {
    std::lock_guard lock(mutex);
    kept.push_back(req);
  }).ok());
  REQUIRE(t.server.AddRoute("GET", "/throws", {}, [](const Request&, const PathParams&) { throw std::runtime_error("secret detail"); }).ok());
  REQUIRE(t.server.AddRoute("GET", "/items/{n}", {.last_param = ParamMatch::kDigits}, [](const Request& req, const PathParams& params) {
    req.Respond({200, "text/plain", std::string(params["n"]), {}});
  }).ok());
  t.Start();
  Client c(t.port);
  REQUIRE(c.Send(Get("/later")));
  CHECK(c.Read().value().body == "later\n");
  REQUIRE(c.Send(Get("/never")));
  auto r = c.Read(milliseconds(3000));
  REQUIRE(r.has_value());
  CHECK(r->status == 503);
  CHECK(r->Code() == "unavailable");
  {
    std::lock_guard lock(mutex);
    kept.back().Respond({200, "text/plain", "too late\n", {}});  // ignored
  }
  REQUIRE(c.Send(Get("/throws")));
  r = c.Read();
  REQUIRE(r.has_value());
  CHECK(r->status == 500);
  CHECK(r->Code() == "internal");
  CHECK(r->Message().find("secret") == std::string::npos);
  REQUIRE(c.Send(Get("/items/42") + Get("/items/x")));
  CHECK(c.Read().value().body == "42");
  CHECK(c.Read().value().status == 404);
}

TEST_CASE("http transport: requests kept past Stop() may still be answered, into nothing", "[http]") {
  std::vector<Request> kept;
  std::mutex mutex;
  {
    Transport t;
    REQUIRE(t.server.AddRoute("GET", "/never", {}, [&](const Request& req, const PathParams&) {
      std::lock_guard lock(mutex);
      kept.push_back(req);
    }).ok());
    t.Start();
    std::vector<std::unique_ptr<Client>> clients;
    for (int i = 0; i < 8; ++i) {
      clients.push_back(std::make_unique<Client>(t.port));
      REQUIRE(clients.back()->Send(Get("/never")));
    }
    const auto deadline = Clock::now() + milliseconds(3000);
    while (Clock::now() < deadline) {
      std::lock_guard lock(mutex);
      if (kept.size() == 8) break;
    }
    std::atomic<bool> go{true};
    std::thread answering([&] {  // answers racing with Stop()
      for (size_t i = 0; go; i = (i + 1) % 8) {
        std::lock_guard lock(mutex);
        if (i < kept.size()) kept[i].Respond({200, "text/plain", "x", {}});
      }
    });
    t.server.Stop();
    go = false;
    answering.join();
  }
  for (const Request& req : kept) req.Respond({200, "text/plain", "after\n", {}});  // the server is gone
  CHECK(kept.size() == 8);
}

}  // namespace
}  // namespace creditlog::api
