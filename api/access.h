// Who may read what: bearer tokens per role, read from the server's config file, kept only as
// SHA-256 hashes. Roles are ordered public < inspector < auditor < admin; a route names the
// least role it needs. Writes are authorised by event signatures, never by a token.
//
// 401 (Unauthenticated) and 403 (PermissionDenied) are kept apart: a missing or unknown token
// on a route that needs one is 401; a known token whose role is too low is 403. Clients that
// present bad tokens are slowed down: after kAuthFailuresMax failures within kAuthFailureWindow
// from one address, every request from it carrying a token answers 429 until the window ends.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "crypto/bytes.h"

namespace creditlog::api {

enum class Role : uint8_t { kPublic = 0, kInspector, kAuditor, kAdmin };

std::string_view RoleName(Role role);
Result<Role> ParseRole(std::string_view name);

inline constexpr size_t kAuthFailuresMax = 10;
inline constexpr std::chrono::seconds kAuthFailureWindow{60};
inline constexpr size_t kAuthTrackedAddressesMax = 100000;  // oldest forgotten beyond this
inline constexpr size_t kTokenBytes = 32;                    // random bytes in a new token
inline constexpr std::string_view kTokenPrefix = "clt_";

struct TokenEntry {
  std::string name;
  Role role = Role::kPublic;
  std::string sha256_hex;  // of the token text
};

// A new random token (kTokenPrefix + base64url of kTokenBytes) and its config entry.
std::string NewToken();
std::string TokenHash(std::string_view token);  // lower-case hex SHA-256

struct Principal {
  Role role = Role::kPublic;
  std::string name;  // the token's name; empty for the public
};

class AccessControl {
 public:
  explicit AccessControl(std::vector<TokenEntry> tokens);

  // Authenticates an Authorization header value ("" when absent) from `address`.
  // Unauthenticated for a malformed or unknown token; ResourceExhausted (with the seconds to
  // wait in *retry_after) while the address is locked out.
  Result<Principal> Authenticate(std::string_view authorization, const std::string& address,
                                 int64_t* retry_after_seconds);
  // PermissionDenied unless `who` has at least `needed`; Unauthenticated when `who` is the
  // public and a token is needed.
  static Status Require(const Principal& who, Role needed);

  uint64_t failures() const;

 private:
  struct Failures {
    std::chrono::steady_clock::time_point window_start;
    size_t count = 0;
  };
  std::unordered_map<std::string, TokenEntry> by_hash_;
  mutable std::mutex mutex_;  // GUARDS: failures_, failures_total_
  std::unordered_map<std::string, Failures> failures_;
  uint64_t failures_total_ = 0;
};

}  // namespace creditlog::api
