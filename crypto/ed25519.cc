#include "crypto/ed25519.h"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>

#include "base/check.h"

namespace creditlog {
namespace {

static_assert(crypto_sign_PUBLICKEYBYTES == kPublicKeySize);
static_assert(crypto_sign_SECRETKEYBYTES == kSecretKeySize);
static_assert(crypto_sign_SEEDBYTES == kSeedSize);
static_assert(crypto_sign_BYTES == kSignatureSize);

constexpr std::string_view kDomainTag = "creditlog-signature-v1";

// A NUL inside purpose or origin would make two different triples sign the same bytes.
bool HasNul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

}  // namespace

SecretKey::SecretKey() { bytes_.fill(0); }

SecretKey::~SecretKey() { sodium_memzero(bytes_.data(), bytes_.size()); }

SecretKey::SecretKey(const SecretKey& other) : bytes_(other.bytes_) {}

SecretKey& SecretKey::operator=(const SecretKey& other) {
  bytes_ = other.bytes_;
  return *this;
}

PublicKey SecretKey::public_key() const {
  PublicKey out;
  std::copy(bytes_.end() - kPublicKeySize, bytes_.end(), out.begin());
  return out;
}

void InitCrypto() {
  // sodium_init is thread-safe and idempotent: 0 the first time, 1 afterwards.
  if (sodium_init() < 0) std::abort();
}

KeyPair GenerateKeyPair() {
  InitCrypto();  // the random generator must be initialised; cheap when already done
  KeyPair pair;
  crypto_sign_keypair(pair.public_key.data(), pair.secret_key.data());
  return pair;
}

KeyPair KeyPairFromSeed(ByteView seed) {
  CREDITLOG_CHECK(seed.size() == kSeedSize);  // a programmer error: seeds are never input
  KeyPair pair;
  crypto_sign_seed_keypair(pair.public_key.data(), pair.secret_key.data(), seed.data());
  return pair;
}

Signature Sign(const SecretKey& key, ByteView message) {
  Signature signature;
  crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(), key.data());
  return signature;
}

bool Verify(const PublicKey& key, ByteView message, const Signature& signature) {
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(),
                                     key.data()) == 0;
}

Bytes DomainMessage(std::string_view purpose, std::string_view origin, ByteView payload) {
  CREDITLOG_CHECK(!HasNul(purpose) && !HasNul(origin));
  Bytes out;
  out.reserve(kDomainTag.size() + purpose.size() + origin.size() + payload.size() + 3);
  const auto append = [&out](ByteView part) { out.insert(out.end(), part.begin(), part.end()); };
  append(AsBytes(kDomainTag));
  out.push_back(0);
  append(AsBytes(purpose));
  out.push_back(0);
  append(AsBytes(origin));
  out.push_back(0);
  append(payload);
  return out;
}

Signature SignDomain(const SecretKey& key, std::string_view purpose, std::string_view origin,
                     ByteView payload) {
  return Sign(key, DomainMessage(purpose, origin, payload));
}

bool VerifyDomain(const PublicKey& key, std::string_view purpose, std::string_view origin,
                  ByteView payload, const Signature& signature) {
  // The origin may come from a file or a request: one with a NUL was never signed by anyone.
  if (HasNul(purpose) || HasNul(origin)) return false;
  return Verify(key, DomainMessage(purpose, origin, payload), signature);
}

namespace {

// A fixed-size key or signature from bytes of exactly that size.
template <typename Fixed>
Result<Fixed> FixedFromBytes(ByteView bytes, const char* what) {
  Fixed out;
  if (bytes.size() != out.size()) {
    return Status::InvalidArgument(std::string(what) + ": " + std::to_string(bytes.size()) + " bytes, want " +
                                   std::to_string(out.size()));
  }
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

}  // namespace

Result<PublicKey> PublicKeyFromBytes(ByteView bytes) { return FixedFromBytes<PublicKey>(bytes, "public key"); }

Result<Signature> SignatureFromBytes(ByteView bytes) { return FixedFromBytes<Signature>(bytes, "signature"); }

}  // namespace creditlog
