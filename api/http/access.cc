#include "api/http/access.h"

#include <bit>

#include "api/log.h"
#include "crypto/random.h"
#include "crypto/sha256.h"

namespace creditlog::api {
namespace {

constexpr std::string_view kBearer = "Bearer ";

int64_t SecondsRoundedUp(FailureTable::Clock::duration duration) {
  return std::max<int64_t>(1, std::chrono::ceil<std::chrono::seconds>(duration).count());
}

// A warn line for a refused request: the address and the token's name or fingerprint.
void LogRefusal(int status, std::string_view reason, const std::string& address, const std::string& token_name,
                const std::string& fingerprint, nlohmann::json extra = nlohmann::json::object()) {
  extra["status"] = status;
  extra["reason"] = reason;
  extra["address"] = address;
  if (!token_name.empty()) {
    extra["token_name"] = token_name;
  } else {
    extra["token_fingerprint"] = fingerprint;
  }
  Log(spdlog::level::warn, "token refused", extra);
}

}  // namespace

std::string NewToken() {
  std::string encoded = Base64Encode(RandomBytes(kTokenBytes));
  // base64url without padding, so that the token needs no quoting anywhere.
  std::string out(kTokenPrefix);
  for (char c : encoded) {
    if (c == '+') out += '-';
    else if (c == '/') out += '_';
    else if (c != '=') out += c;
  }
  return out;
}

std::string TokenHash(std::string_view token) {
  const Hash h = Sha256(ByteView(reinterpret_cast<const uint8_t*>(token.data()), token.size()));
  return HexEncode(h);
}

std::string TokenFingerprint(std::string_view token) { return TokenHash(token).substr(0, kTokenFingerprintHexDigits); }

FailureTable::Clock::duration FailureTable::LockedFor(const std::string& key, size_t failures_max, Clock::duration window,
                                                      Clock::time_point now, uint64_t* refusals) {
  auto found = by_key_.find(key);
  if (found == by_key_.end()) return Clock::duration::zero();
  const auto entry = found->second;
  if (now - entry->window_start >= window) {  // the window is over: forget it
    recency_.erase(entry);
    by_key_.erase(found);
    return Clock::duration::zero();
  }
  if (entry->failures < failures_max) return Clock::duration::zero();
  *refusals = ++entry->refusals;
  Touch(entry);
  return window - (now - entry->window_start);
}

void FailureTable::CountFailure(const std::string& key, Clock::duration window, Clock::time_point now) {
  auto found = by_key_.find(key);
  if (found == by_key_.end()) {
    if (by_key_.size() >= entries_max_ && !recency_.empty()) {  // forget the least recently refused
      by_key_.erase(recency_.back().key);
      recency_.pop_back();
    }
    recency_.push_front(Entry{key, now, 0, 0});
    found = by_key_.emplace(key, recency_.begin()).first;
  }
  const auto entry = found->second;
  if (now - entry->window_start >= window) *entry = Entry{key, now, 0, 0};
  ++entry->failures;
  Touch(entry);
}

AccessControl::AccessControl(std::vector<TokenEntry> tokens, AccessLimits limits)
    : limits_(limits), tokens_(limits.tracked_tokens_max), addresses_(limits.tracked_addresses_max) {
  for (auto& token : tokens) by_hash_.emplace(token.sha256_hex, std::move(token));
}

uint64_t AccessControl::failures() const {
  std::lock_guard lock(mutex_);
  return failures_total_;
}

size_t AccessControl::tracked_tokens() const {
  std::lock_guard lock(mutex_);
  return tokens_.size();
}

size_t AccessControl::tracked_addresses() const {
  std::lock_guard lock(mutex_);
  return addresses_.size();
}

FailureTable::Clock::duration AccessControl::LockedFor(const std::string& address, const std::string& token_key,
                                                       FailureTable::Clock::time_point now, uint64_t* refusals,
                                                       bool* by_address) {
  uint64_t address_refusals = 0, token_refusals = 0;
  const auto address_left =
      addresses_.LockedFor(address, limits_.address_failures_max, limits_.failure_window, now, &address_refusals);
  const auto token_left =
      tokens_.LockedFor(token_key, limits_.token_failures_max, limits_.failure_window, now, &token_refusals);
  *by_address = address_left > token_left;
  *refusals = *by_address ? address_refusals : token_refusals;
  return std::max(address_left, token_left);
}

Result<Principal> AccessControl::Authenticate(std::string_view authorization, const std::string& address,
                                              int64_t* retry_after_seconds) {
  if (authorization.empty()) return Principal{Role::kPublic, "", address};
  const bool well_formed = authorization.size() > kBearer.size() && authorization.starts_with(kBearer);
  // A malformed header is told apart by a fingerprint of all of it: it may hold a secret too.
  const std::string hash = TokenHash(well_formed ? authorization.substr(kBearer.size()) : authorization);
  const std::string fingerprint = hash.substr(0, kTokenFingerprintHexDigits);
  const auto known = well_formed ? by_hash_.find(hash) : by_hash_.end();
  const std::string token_name = known != by_hash_.end() ? known->second.name : "";
  const std::string token_key = address + " " + fingerprint;
  const auto now = FailureTable::Clock::now();

  uint64_t refusals = 0;
  bool by_address = false;
  FailureTable::Clock::duration locked_for;
  {
    std::lock_guard lock(mutex_);
    locked_for = LockedFor(address, token_key, now, &refusals, &by_address);
  }
  if (locked_for > FailureTable::Clock::duration::zero()) {
    *retry_after_seconds = SecondsRoundedUp(locked_for);
    const std::string what = by_address ? "too many failed token attempts from " + address
                                        : "too many failed attempts with this token from " + address;
    if (std::has_single_bit(refusals)) {
      LogRefusal(429, by_address ? "address locked out" : "token locked out", address, token_name, fingerprint,
                 {{"refusals", refusals}, {"retry_after_s", *retry_after_seconds}});
    }
    return Status::ResourceExhausted(what + "; retry in " + std::to_string(*retry_after_seconds) + " s");
  }
  if (known != by_hash_.end()) return Principal{known->second.role, known->second.name, address};

  {
    std::lock_guard lock(mutex_);
    ++failures_total_;
    tokens_.CountFailure(token_key, limits_.failure_window, now);
    addresses_.CountFailure(address, limits_.failure_window, now);
  }
  LogRefusal(401, well_formed ? "unknown token" : "malformed Authorization header", address, "", fingerprint);
  if (!well_formed) return Status::Unauthenticated("the Authorization header must be 'Bearer TOKEN'");
  return Status::Unauthenticated("the token is not valid");
}

Status ReadQuota::Take(const std::string& token_name, int64_t* retry_after_seconds, size_t reads) {
  if (per_window_ == 0) return Status::Ok();
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  auto& [start, count] = used_[token_name];
  if (count == 0 || now - start >= window_) {
    start = now;
    count = 0;
  }
  if (reads > per_window_) {
    return Status::ResourceExhausted("token '" + token_name + "' may read at most " + std::to_string(per_window_) + " files within " +
                                     std::to_string(std::chrono::ceil<std::chrono::seconds>(window_).count()) + " s; this asks for " +
                                     std::to_string(reads) + ": split it");
  }
  if (count + reads > per_window_) {
    *retry_after_seconds = SecondsRoundedUp(window_ - (now - start));
    return Status::ResourceExhausted("token '" + token_name + "' has read " + std::to_string(per_window_) +
                                     " files within " + std::to_string(std::chrono::ceil<std::chrono::seconds>(window_).count()) +
                                     " s, the most one token may; retry in " + std::to_string(*retry_after_seconds) + " s");
  }
  count += reads;
  return Status::Ok();
}

void AccessControl::LogDenied(const Principal& who, const Status& refusal) {
  if (refusal.code() != StatusCode::kPermissionDenied) return;
  LogRefusal(403, "role may not see this", who.address, who.name, "", {{"role", RoleName(who.role)}, {"refusal", refusal.message()}});
}

}  // namespace creditlog::api
