#include <catch2/catch.hpp>

#include <sstream>
#include <thread>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "api/http/access.h"

using namespace creditlog;
using namespace creditlog::api;

namespace {

constexpr const char* kNat = "198.51.100.7";  // one address, many clients behind it
constexpr const char* kElsewhere = "203.0.113.9";

// A valid inspector token and the access control that knows it.
struct Tokens {
  std::string valid = NewToken();
  std::string other_valid = NewToken();
  AccessControl Access(AccessLimits limits = {}) const {
    return AccessControl({{"window-3", Role::kInspector, TokenHash(valid)}, {"window-4", Role::kAdmin, TokenHash(other_valid)}},
                         limits);
  }
};

std::string Bearer(const std::string& token) { return "Bearer " + token; }

StatusCode Try(AccessControl& access, const std::string& token, const std::string& address) {
  int64_t retry_after = 0;
  return access.Authenticate(Bearer(token), address, &retry_after).status().code();
}

// Sends the warn lines of api/log.h into a string while it lives; the previous logger after.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("access-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_));
    logger->set_level(spdlog::level::warn);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace

TEST_CASE("access: a wrong token is locked out, not the colleagues behind the same address", "[access]") {
  LogCapture quiet;  // refusals are logged; here they are not the point
  Tokens tokens;
  AccessControl access = tokens.Access();
  const std::string wrong = NewToken();
  for (size_t i = 0; i < kAuthFailuresMax; ++i) REQUIRE(Try(access, wrong, kNat) == StatusCode::kUnauthenticated);
  int64_t retry_after = 0;
  auto locked = access.Authenticate(Bearer(wrong), kNat, &retry_after);
  REQUIRE(locked.status().code() == StatusCode::kResourceExhausted);
  CHECK(retry_after >= 1);
  CHECK(retry_after <= kAuthFailureWindow.count());
  CHECK(access.failures() == kAuthFailuresMax);  // refusals while locked are not failures

  // Behind the same NAT: a colleague's valid token works, another wrong token is only 401.
  auto colleague = access.Authenticate(Bearer(tokens.valid), kNat, &retry_after);
  REQUIRE(colleague.ok());
  CHECK(colleague->name == "window-3");
  CHECK(colleague->address == kNat);
  CHECK(Try(access, NewToken(), kNat) == StatusCode::kUnauthenticated);
  // The same wrong token from elsewhere is a different client.
  CHECK(Try(access, wrong, kElsewhere) == StatusCode::kUnauthenticated);
  // No token at all is the public, locked or not.
  auto anonymous = access.Authenticate("", kNat, &retry_after);
  REQUIRE(anonymous.ok());
  CHECK(anonymous->role == Role::kPublic);
}

TEST_CASE("access: cycling tokens from one address is limited by the address's own, higher limit", "[access]") {
  LogCapture quiet;  // refusals are logged; here they are not the point
  Tokens tokens;
  AccessControl access = tokens.Access();
  for (size_t i = 0; i < kAuthAddressFailuresMax; ++i) REQUIRE(Try(access, NewToken(), kNat) == StatusCode::kUnauthenticated);
  CHECK(Try(access, NewToken(), kNat) == StatusCode::kResourceExhausted);
  // Every token from that address now waits, a valid one too: a lucky guess would not show.
  CHECK(Try(access, tokens.valid, kNat) == StatusCode::kResourceExhausted);
  CHECK(access.failures() == kAuthAddressFailuresMax);
  // Other addresses are not affected.
  CHECK(Try(access, tokens.valid, kElsewhere) == StatusCode::kOk);
  CHECK(Try(access, NewToken(), kElsewhere) == StatusCode::kUnauthenticated);
  static_assert(kAuthAddressFailuresMax >= 10 * kAuthFailuresMax);
}

TEST_CASE("access: a malformed Authorization header counts as a bad token", "[access]") {
  LogCapture quiet;  // refusals are logged; here they are not the point
  Tokens tokens;
  AccessControl access = tokens.Access();
  int64_t retry_after = 0;
  for (size_t i = 0; i < kAuthFailuresMax; ++i) {
    REQUIRE_THAT(access.Authenticate("Basic dXNlcjpwYXNz", kNat, &retry_after).status().message(),
                 Catch::Contains("'Bearer TOKEN'"));
  }
  CHECK(access.Authenticate("Basic dXNlcjpwYXNz", kNat, &retry_after).status().code() == StatusCode::kResourceExhausted);
  CHECK(Try(access, tokens.valid, kNat) == StatusCode::kOk);
}

TEST_CASE("access: a lockout ends with its window", "[access]") {
  LogCapture quiet;  // refusals are logged; here they are not the point
  Tokens tokens;
  AccessLimits limits;
  limits.failure_window = std::chrono::milliseconds(300);
  AccessControl access = tokens.Access(limits);
  const std::string wrong = NewToken();
  for (size_t i = 0; i < kAuthFailuresMax; ++i) REQUIRE(Try(access, wrong, kNat) == StatusCode::kUnauthenticated);
  int64_t retry_after = 0;
  REQUIRE(access.Authenticate(Bearer(wrong), kNat, &retry_after).status().code() == StatusCode::kResourceExhausted);
  CHECK(retry_after == 1);  // rounded up to whole seconds
  std::this_thread::sleep_for(limits.failure_window + std::chrono::milliseconds(50));
  CHECK(Try(access, wrong, kNat) == StatusCode::kUnauthenticated);
}

TEST_CASE("access: beyond the tracked maximum the least recently refused entry is forgotten, not all", "[access]") {
  LogCapture quiet;  // refusals are logged; here they are not the point
  Tokens tokens;
  AccessLimits limits;
  limits.tracked_tokens_max = 4;
  limits.tracked_addresses_max = 4;
  AccessControl access = tokens.Access(limits);
  const std::string locked = NewToken(), nearly = NewToken();
  const std::string a = "192.0.2.1", b = "192.0.2.2", c = "192.0.2.3", d = "192.0.2.4", e = "192.0.2.5";
  for (size_t i = 0; i < kAuthFailuresMax; ++i) REQUIRE(Try(access, locked, a) == StatusCode::kUnauthenticated);
  for (size_t i = 0; i + 1 < kAuthFailuresMax; ++i) REQUIRE(Try(access, nearly, b) == StatusCode::kUnauthenticated);
  REQUIRE(Try(access, NewToken(), c) == StatusCode::kUnauthenticated);
  REQUIRE(Try(access, NewToken(), d) == StatusCode::kUnauthenticated);
  REQUIRE(access.tracked_tokens() == 4);
  REQUIRE(Try(access, locked, a) == StatusCode::kResourceExhausted);  // refused again: recently seen
  // A fifth client: the table is full. The old table was cleared here, unlocking everyone.
  REQUIRE(Try(access, NewToken(), e) == StatusCode::kUnauthenticated);
  CHECK(access.tracked_tokens() == 4);
  CHECK(access.tracked_addresses() == 4);
  CHECK(Try(access, locked, a) == StatusCode::kResourceExhausted);  // still locked out
  // b, the least recently refused, was forgotten: its 10th failure starts a new count.
  CHECK(Try(access, nearly, b) == StatusCode::kUnauthenticated);
  CHECK(Try(access, nearly, b) == StatusCode::kUnauthenticated);
}

TEST_CASE("access: memory stays bounded under a flood of bad tokens from many addresses", "[access]") {
  LogCapture quiet;  // refusals are logged; here they are not the point
  Tokens tokens;
  AccessLimits limits;
  limits.tracked_tokens_max = 64;
  limits.tracked_addresses_max = 32;
  AccessControl access = tokens.Access(limits);
  for (int i = 0; i < 5'000; ++i) {
    const std::string address = "10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    REQUIRE(Try(access, NewToken(), address) == StatusCode::kUnauthenticated);
    REQUIRE(access.tracked_tokens() <= limits.tracked_tokens_max);
    REQUIRE(access.tracked_addresses() <= limits.tracked_addresses_max);
  }
  CHECK(access.tracked_tokens() == limits.tracked_tokens_max);
  CHECK(access.tracked_addresses() == limits.tracked_addresses_max);
  CHECK(access.failures() == 5'000);
}

TEST_CASE("access: every refusal is logged with the address and a fingerprint, never the token", "[access]") {
  Tokens tokens;
  AccessControl access = tokens.Access();
  LogCapture log;
  const std::string wrong = NewToken();
  REQUIRE(Try(access, wrong, kNat) == StatusCode::kUnauthenticated);
  std::string text = log.text();
  CHECK_THAT(text, Catch::Contains("token refused") && Catch::Contains("status=401") && Catch::Contains("unknown token") &&
                       Catch::Contains(std::string("address=") + kNat) &&
                       Catch::Contains("token_fingerprint=" + TokenFingerprint(wrong)));
  CHECK(TokenFingerprint(wrong).size() == kTokenFingerprintHexDigits);
  CHECK(TokenFingerprint(wrong) == TokenHash(wrong).substr(0, kTokenFingerprintHexDigits));

  int64_t retry_after = 0;
  REQUIRE_FALSE(access.Authenticate("Basic dXNlcjpwYXNz", kNat, &retry_after).ok());
  CHECK_THAT(log.text(), Catch::Contains("malformed Authorization header") &&
                             Catch::Contains("token_fingerprint=" + TokenFingerprint("Basic dXNlcjpwYXNz")));

  // Locked out: the 1st, 2nd and 4th refusals are logged, not the 3rd.
  for (size_t i = 1; i < kAuthFailuresMax; ++i) REQUIRE(Try(access, wrong, kNat) == StatusCode::kUnauthenticated);
  for (int i = 0; i < 4; ++i) REQUIRE(Try(access, wrong, kNat) == StatusCode::kResourceExhausted);
  text = log.text();
  CHECK_THAT(text, Catch::Contains("status=429") && Catch::Contains("token locked out") && Catch::Contains("refusals=1 ") &&
                       Catch::Contains("refusals=2 ") && !Catch::Contains("refusals=3 ") && Catch::Contains("refusals=4 "));

  // A known token with too low a role: its name and address, and what it lacked.
  auto inspector = access.Authenticate(Bearer(tokens.valid), kElsewhere, &retry_after);
  REQUIRE(inspector.ok());
  const Status too_low = Disclosure(inspector->role).Require(Info::kOperations, "metrics");
  REQUIRE(too_low.code() == StatusCode::kPermissionDenied);
  AccessControl::LogDenied(*inspector, too_low);
  CHECK_THAT(log.text(), Catch::Contains("status=403") && Catch::Contains("token_name=window-3") &&
                             Catch::Contains(std::string("address=") + kElsewhere) && Catch::Contains("role=inspector") &&
                             Catch::Contains("with the admin role"));
  // The public asking for a token route was refused nothing it presented: not logged.
  const size_t before = log.text().size();
  const Status anonymous_refused = Disclosure(Role::kPublic).Require(Info::kRecords, "records");
  REQUIRE(anonymous_refused.code() == StatusCode::kUnauthenticated);
  AccessControl::LogDenied(Principal{}, anonymous_refused);
  CHECK(log.text().size() == before);

  // Nothing of any token, nor of the malformed header's credentials.
  text = log.text();
  for (const std::string& secret : {wrong, wrong.substr(kTokenPrefix.size(), 12), tokens.valid, std::string("dXNlcjpwYXNz")}) {
    CHECK_THAT(text, !Catch::Contains(secret));
  }
}
