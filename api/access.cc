#include "api/access.h"

#include "crypto/random.h"
#include "crypto/sha256.h"

namespace creditlog::api {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kPublic: return "public";
    case Role::kInspector: return "inspector";
    case Role::kAuditor: return "auditor";
    case Role::kAdmin: return "admin";
  }
  return "public";
}

Result<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kPublic, Role::kInspector, Role::kAuditor, Role::kAdmin}) {
    if (RoleName(role) == name) return role;
  }
  return Status::InvalidArgument("role '" + std::string(name) + "' is not one of public, inspector, auditor, admin");
}

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

AccessControl::AccessControl(std::vector<TokenEntry> tokens) {
  for (auto& token : tokens) by_hash_.emplace(token.sha256_hex, std::move(token));
}

uint64_t AccessControl::failures() const {
  std::lock_guard lock(mutex_);
  return failures_total_;
}

Result<Principal> AccessControl::Authenticate(std::string_view authorization, const std::string& address,
                                              int64_t* retry_after_seconds) {
  if (authorization.empty()) return Principal{};
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    auto it = failures_.find(address);
    if (it != failures_.end()) {
      if (now - it->second.window_start >= kAuthFailureWindow) {
        failures_.erase(it);
      } else if (it->second.count >= kAuthFailuresMax) {
        *retry_after_seconds = std::max<int64_t>(
            1, std::chrono::duration_cast<std::chrono::seconds>(kAuthFailureWindow - (now - it->second.window_start)).count());
        return Status::ResourceExhausted("too many failed token attempts from " + address + "; retry later");
      }
    }
  }
  constexpr std::string_view kBearer = "Bearer ";
  Status failure;
  if (authorization.size() <= kBearer.size() || authorization.substr(0, kBearer.size()) != kBearer) {
    failure = Status::Unauthenticated("the Authorization header must be 'Bearer TOKEN'");
  } else {
    auto it = by_hash_.find(TokenHash(authorization.substr(kBearer.size())));
    if (it != by_hash_.end()) return Principal{it->second.role, it->second.name};
    failure = Status::Unauthenticated("the token is not valid");
  }
  std::lock_guard lock(mutex_);
  ++failures_total_;
  if (failures_.size() >= kAuthTrackedAddressesMax) failures_.clear();
  auto [it, inserted] = failures_.try_emplace(address, Failures{now, 0});
  ++it->second.count;
  return failure;
}

Status AccessControl::Require(const Principal& who, Role needed) {
  if (who.role >= needed) return Status::Ok();
  if (who.role == Role::kPublic) {
    return Status::Unauthenticated("this needs a bearer token with the " + std::string(RoleName(needed)) + " role");
  }
  return Status::PermissionDenied("the " + std::string(RoleName(who.role)) + " role may not do this; it needs " +
                                  std::string(RoleName(needed)));
}

}  // namespace creditlog::api
