// Ed25519 signatures (libsodium), with domain separation for creditlog's own signatures.
#pragma once

#include <array>
#include <string_view>

#include "crypto/bytes.h"

namespace creditlog {

inline constexpr size_t kPublicKeySize = 32;
inline constexpr size_t kSecretKeySize = 64;  // libsodium's seed||public form
inline constexpr size_t kSeedSize = 32;
inline constexpr size_t kSignatureSize = 64;

using PublicKey = std::array<uint8_t, kPublicKeySize>;
using Signature = std::array<uint8_t, kSignatureSize>;

// Secret key material; wiped (sodium_memzero) on destruction.
class SecretKey {
 public:
  SecretKey();
  ~SecretKey();
  SecretKey(const SecretKey& other);
  SecretKey& operator=(const SecretKey& other);

  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  PublicKey public_key() const;  // the last 32 bytes

 private:
  std::array<uint8_t, kSecretKeySize> bytes_;
};

struct KeyPair {
  PublicKey public_key;
  SecretKey secret_key;
};

// Must be called once before any other crypto function; safe to call again. Aborts if
// libsodium cannot initialise (a programmer or platform error, not an operating one).
void InitCrypto();

KeyPair GenerateKeyPair();
KeyPair KeyPairFromSeed(ByteView seed);  // REQUIRES: seed.size() == kSeedSize (checked)

Signature Sign(const SecretKey& key, ByteView message);
bool Verify(const PublicKey& key, ByteView message, const Signature& signature);

// Purposes: a signature made for one purpose (or one ledger's origin) is useless for another.
// An event's purpose names its envelope's schema version, "creditlog/event/v<N>"
// (events::EventSignaturePurpose), so the signature covers the version too; this is N = 1.
inline constexpr std::string_view kPurposeEvent = "creditlog/event/v1";
inline constexpr std::string_view kPurposeEventPrefix = "creditlog/event/v";

// The bytes actually signed for creditlog signatures:
//   "creditlog-signature-v1" 0x00 purpose 0x00 origin 0x00 payload
// REQUIRES: purpose and origin contain no NUL byte (checked; SignDomain likewise).
Bytes DomainMessage(std::string_view purpose, std::string_view origin, ByteView payload);

Signature SignDomain(const SecretKey& key, std::string_view purpose, std::string_view origin,
                     ByteView payload);
// False, not a crash, for a purpose or origin with a NUL byte: they may come from input.
bool VerifyDomain(const PublicKey& key, std::string_view purpose, std::string_view origin,
                  ByteView payload, const Signature& signature);

Result<PublicKey> PublicKeyFromBytes(ByteView bytes);   // InvalidArgument unless 32 bytes
Result<Signature> SignatureFromBytes(ByteView bytes);   // InvalidArgument unless 64 bytes

}  // namespace creditlog
