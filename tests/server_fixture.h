// The HTTP server over loopback on a real ledger (LedgerFixture) with its checkpoint publisher,
// four tokens (inspector, auditor, admin, personnel) and an HTTP client. ServerFixture(false) leaves the
// server to be started by the test, after it has set `options` or prepared the ledger.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "api/http/access.h"
#include "api/client/http_client.h"
#include "api/client/witnessing.h"
#include "api/http/server.h"
#include "crypto/note.h"
#include "ledger/publisher.h"
#include "ledger_fixture.h"

namespace creditlog::testing {

struct ServerFixture : LedgerFixture {
  explicit ServerFixture(bool start = true) {
    options.port = 0;
    options.tokens = {{"insp", api::Role::kInspector, api::TokenHash(inspector_token)},
                      {"aud", api::Role::kAuditor, api::TokenHash(auditor_token)},
                      {"adm", api::Role::kAdmin, api::TokenHash(admin_token)},
                      {"pers", api::Role::kPersonnel, api::TokenHash(personnel_token)}};
    if (start) Start();
  }
  ~ServerFixture() { StopServer(); }

  void Start(bool read_only = false) {
    publisher = std::make_unique<ledger::CheckpointPublisher>(*ledger, std::chrono::milliseconds(50));
    options.read_only = read_only;
    options.publisher = publisher.get();
    options.report_key = read_only ? nullptr : &ledger_key;  // signs reports, as `serve` gives it the ledger key
    if (witness_policy) {
      auto started = api::Witnessing::Start(*ledger, *publisher, *witness_policy, dir.path(), witness_wait_max);
      REQUIRE(started.ok());
      witnessing = std::move(*started);
      options.witnessed = witnessing.get();
    }
    options.read_timeout = read_timeout;
    options.write_timeout = write_timeout;
    auto started = api::Server::Start(*ledger, options);
    REQUIRE(started.ok());
    server = std::move(*started);
    port = server->port();
    REQUIRE(port != 0);
    url = "http://127.0.0.1:" + std::to_string(port);
  }

  void StopServer() {
    if (server) server->Stop();
    server.reset();
    witnessing.reset();
    options.witnessed = nullptr;
    publisher.reset();
  }

  // With a token, the request names a purpose (事中事后监管) unless it names one: reads of files
  // need one (docs/privacy.md).
  api::HttpResponse Get(const std::string& path, const std::string& token = "") {
    api::HttpClient client(url, token);
    auto r = client.Get(WithPurpose(path, token));
    REQUIRE(r.ok());
    return *r;
  }
  static std::string WithPurpose(const std::string& path, const std::string& token) {
    if (token.empty() || path.find("purpose=") != std::string::npos) return path;
    return path + (path.find('?') == std::string::npos ? "?" : "&") + "purpose=supervision";
  }
  api::HttpResponse Post(const std::string& path, const std::string& type, const std::string& body, const std::string& token = "") {
    api::HttpClient client(url, token);
    auto r = client.Post(path, type, body);
    REQUIRE(r.ok());
    return *r;
  }
  api::HttpResponse PostEnvelope(const Bytes& envelope, const std::string& query = "") {
    return Post("/v1/events" + query, "application/octet-stream", std::string(envelope.begin(), envelope.end()));
  }
  // A rating of `subject`, which is registered first (through the ledger, by the root key) if
  // this fixture has not registered it yet: the server refuses events for unregistered subjects.
  Bytes Rating(const std::string& id, const std::string& subject) {
    Register(subject);
    return Sign(RatingEvent(id, subject), agency, kOrigin);
  }
  void Register(const std::string& subject) {
    if (!registered.insert(subject).second) return;
    auto r = ledger->Append(Sign({{"event_id", "register/" + subject}, {"subject", subject}, {"body_type", "SubjectRegistered"},
                                  {"body", {{"kind", "PublicBody"}, {"name", "青岛市服务中心 " + subject.substr(10, 8)}}}},
                                 root, kOrigin));
    REQUIRE(r.ok());
  }
  std::set<std::string> registered;

  NoteVerifier Verifier() {
    auto v = ParseVerifierKey(ledger->VerifierKey());
    REQUIRE(v.ok());
    return *v;
  }

  api::ServerOptions options;
  std::string inspector_token = api::NewToken();
  std::string auditor_token = api::NewToken();
  std::string admin_token = api::NewToken();
  std::string personnel_token = api::NewToken();
  std::unique_ptr<ledger::CheckpointPublisher> publisher;
  // Set before Start(): checkpoints are then published only once witnessed (api/client/witnessing.h).
  std::optional<WitnessPolicy> witness_policy;
  std::unique_ptr<api::Witnessing> witnessing;
  std::chrono::milliseconds witness_wait_max{2000};
  std::unique_ptr<api::Server> server;
  uint16_t port = 0;
  std::string url;
  std::chrono::milliseconds read_timeout = api::kReadTimeout;
  std::chrono::milliseconds write_timeout = api::kWriteTimeout;
};

}  // namespace creditlog::testing
