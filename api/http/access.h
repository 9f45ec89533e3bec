// Who may read what: bearer tokens per role, read from the server's config file, kept only as
// SHA-256 hashes. What each role may be shown is the disclosure policy (api/disclosure.h).
// Writes are authorised by event signatures, never by a token.
//
// 401 (Unauthenticated) and 403 (PermissionDenied) are kept apart: a missing or unknown token
// on a route that needs one is 401; a known token whose role is too low is 403.
//
// Bad tokens are slowed down at two levels, each counted over kAuthFailureWindow from the
// first failure, and answered 429 (ResourceExhausted, with the seconds left) until it ends:
//  - one token from one address: after kAuthFailuresMax failures, that token from that address.
//    The token is told apart by its fingerprint (the first kTokenFingerprintHexDigits hex
//    digits of its SHA-256), not by a piece of it, so that nothing of a token is kept. A
//    colleague behind the same NAT with a valid token, or with another wrong one, is not locked
//    out by it; a client that corrects its token gets in at once.
//  - one address, whatever the tokens: after kAuthAddressFailuresMax (10 x kAuthFailuresMax)
//    failures, every request carrying a token from that address. Cycling tokens therefore buys
//    at most that many guesses per window, never an unlimited number; the price is that whoever
//    does it behind a shared NAT locks everyone there out of the token routes for the window
//    (requests without a token still get the public answers).
// Memory is bounded: at most kAuthTrackedTokensMax (address, token) and kAuthTrackedAddressesMax
// address entries; beyond that the least recently refused entry is forgotten, one at a time.
//
// Every refusal is logged at warn with the remote address and the token's name (a known token)
// or its fingerprint (an unknown one or a malformed header), never the token: malformed header
// and unknown token (401), role too low (403), lockout (429). A lockout is logged at its 1st,
// 2nd, 4th, 8th… refusal, with the count, so that a flood of requests cannot flood the log.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/disclosure.h"  // Role
#include "base/result.h"
#include "crypto/bytes.h"

namespace creditlog::api {

inline constexpr size_t kAuthFailuresMax = 10;                           // per (address, token)
inline constexpr size_t kAuthAddressFailuresMax = 10 * kAuthFailuresMax;  // per address, any tokens
inline constexpr std::chrono::seconds kAuthFailureWindow{60};
inline constexpr size_t kAuthTrackedTokensMax = 100000;     // (address, token) entries; LRU beyond
inline constexpr size_t kAuthTrackedAddressesMax = 100000;  // address entries; LRU beyond
inline constexpr size_t kTokenFingerprintHexDigits = 8;     // of SHA-256: names, never reveals
inline constexpr size_t kTokenBytes = 32;                    // random bytes in a new token
inline constexpr std::string_view kTokenPrefix = "clt_";
// Reads of files (recorded in the access log) one token may make per minute: a person at the
// console reads a few a minute; a loop over every profile is stopped with 429.
inline constexpr size_t kRecordedReadsPerMinuteMax = 600;
inline constexpr std::chrono::seconds kReadQuotaWindow{60};

struct TokenEntry {
  std::string name;
  Role role = Role::kPublic;
  std::string sha256_hex;  // of the token text
};

// A new random token (kTokenPrefix + base64url of kTokenBytes) and its config entry.
std::string NewToken();
std::string TokenHash(std::string_view token);  // lower-case hex SHA-256
// The first kTokenFingerprintHexDigits of TokenHash: tells tokens apart in logs and lockouts.
std::string TokenFingerprint(std::string_view token);

struct Principal {
  Role role = Role::kPublic;
  std::string name;     // the token's name; empty for the public
  std::string address;  // the remote address it was authenticated from, for the log
};

// The lockout's bounds; the defaults are the constants above (tests shrink them).
struct AccessLimits {
  size_t token_failures_max = kAuthFailuresMax;
  size_t address_failures_max = kAuthAddressFailuresMax;
  std::chrono::steady_clock::duration failure_window = kAuthFailureWindow;
  size_t tracked_tokens_max = kAuthTrackedTokensMax;
  size_t tracked_addresses_max = kAuthTrackedAddressesMax;
};

// Failures per key within a window from the key's first failure, at most `entries_max` keys:
// a new key beyond that forgets the least recently refused one. Not thread-safe.
class FailureTable {
 public:
  using Clock = std::chrono::steady_clock;

  explicit FailureTable(size_t entries_max) : entries_max_(entries_max) {}

  // While `key` has `failures_max` failures within `window`: the time left, and the count of
  // refusals while locked (this one included) in *refusals. Zero otherwise.
  Clock::duration LockedFor(const std::string& key, size_t failures_max, Clock::duration window, Clock::time_point now,
                            uint64_t* refusals);
  // Counts one failure of `key`, starting a new window if the last one is over.
  void CountFailure(const std::string& key, Clock::duration window, Clock::time_point now);
  size_t size() const { return by_key_.size(); }

 private:
  struct Entry {
    std::string key;
    Clock::time_point window_start;
    size_t failures = 0;
    uint64_t refusals = 0;  // while locked
  };
  void Touch(std::list<Entry>::iterator entry) { recency_.splice(recency_.begin(), recency_, entry); }

  size_t entries_max_;
  std::list<Entry> recency_;  // most recently refused first
  std::unordered_map<std::string, std::list<Entry>::iterator> by_key_;
};

// Reads per token within a window from the token's first read in it; at most `per_window`
// (0: no limit). Token names come from the config, so the table is bounded by it. Thread-safe.
class ReadQuota {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ReadQuota(size_t per_window, Clock::duration window = kReadQuotaWindow) : per_window_(per_window), window_(window) {}
  // Counts `reads` reads by `token_name` (a batch check counts each file it reads), all or
  // none; ResourceExhausted (with the seconds left in *retry_after_seconds) when the token has
  // not that many reads left in this window.
  Status Take(const std::string& token_name, int64_t* retry_after_seconds, size_t reads = 1);

 private:
  const size_t per_window_;
  const Clock::duration window_;
  std::mutex mutex_;  // GUARDS: used_
  std::unordered_map<std::string, std::pair<Clock::time_point, size_t>> used_;
};

class AccessControl {
 public:
  explicit AccessControl(std::vector<TokenEntry> tokens, AccessLimits limits = {});

  // Authenticates an Authorization header value ("" when absent) from `address`.
  // Unauthenticated for a malformed or unknown token; ResourceExhausted (with the seconds to
  // wait in *retry_after) while that token from that address, or the address, is locked out.
  Result<Principal> Authenticate(std::string_view authorization, const std::string& address,
                                 int64_t* retry_after_seconds);
  // Logs a refusal of `who` by the disclosure policy (api/disclosure.h): a PermissionDenied at
  // warn; an Unauthenticated (the public, asking for what needs a token) not, since no
  // credential was refused.
  static void LogDenied(const Principal& who, const Status& refusal);

  uint64_t failures() const;          // malformed or unknown tokens since start
  size_t tracked_tokens() const;      // (address, token) entries held now
  size_t tracked_addresses() const;   // address entries held now

 private:
  // The longest time left of the two lockouts `address` and `token_key` may be under; zero
  // when neither is locked. *refusals: the count of refusals of that lockout.
  FailureTable::Clock::duration LockedFor(const std::string& address, const std::string& token_key,
                                          FailureTable::Clock::time_point now, uint64_t* refusals, bool* by_address);

  const AccessLimits limits_;
  std::unordered_map<std::string, TokenEntry> by_hash_;  // immutable after construction
  mutable std::mutex mutex_;  // GUARDS: tokens_, addresses_, failures_total_
  FailureTable tokens_;       // key: address + " " + token fingerprint
  FailureTable addresses_;    // key: address
  uint64_t failures_total_ = 0;
};

}  // namespace creditlog::api
