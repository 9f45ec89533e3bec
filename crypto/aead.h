// Authenticated encryption and key derivation for personal information (docs/privacy.md,
// "Erasure"): XChaCha20-Poly1305-IETF with a random 24-byte nonce (libsodium
// crypto_aead_xchacha20poly1305_ietf_*), and subkeys derived with crypto_kdf (BLAKE2b).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "base/result.h"
#include "crypto/bytes.h"

namespace creditlog {

inline constexpr size_t kAeadKeyBytes = 32;
inline constexpr size_t kAeadNonceBytes = 24;
inline constexpr size_t kAeadTagBytes = 16;
using AeadKey = std::array<uint8_t, kAeadKeyBytes>;

AeadKey RandomAeadKey();

// nonce ‖ ciphertext ‖ tag of `plaintext`, bound to `associated` (not stored).
Bytes AeadSeal(const AeadKey& key, ByteView plaintext, ByteView associated);
// The plaintext, or PermissionDenied when the box was not made with this key and `associated`
// (another key, an altered byte), InvalidArgument when it is too short to be a box.
Result<Bytes> AeadOpen(const AeadKey& key, ByteView box, ByteView associated);

// Subkey `id` of `master` in `context` (exactly 8 characters), crypto_kdf_derive_from_key.
AeadKey DeriveKey(ByteView master, uint64_t id, std::string_view context);

// BLAKE2b of `message` keyed with `key` (16..64 bytes), `out_bytes` long (16..64).
Bytes KeyedHash(ByteView key, ByteView message, size_t out_bytes);

// Base64url without padding (RFC 4648 §5), for commitments in event text.
std::string Base64UrlEncode(ByteView data);

}  // namespace creditlog
