// C2SP tlog-cosignature, the Ed25519 type (cosignature/v1): a witness's timestamped statement
// that, as of that time, the checkpoint is the largest tree consistent with everything it has
// seen of the log. A cosignature is a signed-note signature line on the log's checkpoint:
//
//   — <witness name> base64(key ID || u64 timestamp || Ed25519 signature)
//
// over "cosignature/v1\ntime <timestamp>\n" followed by the checkpoint's text. The key ID is
// SHA-256(name || "\n" || 0x04 || public key)[:4]; the verifier key ("vkey") is
// name+<8 hex key ID>+base64(0x04 || public key).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/ed25519.h"
#include "crypto/note.h"

namespace creditlog {

inline constexpr uint8_t kNoteAlgorithmCosignatureV1 = 0x04;
// C2SP: a timestamp must not exceed 2^63 - 1.
inline constexpr uint64_t kCosignatureTimestampMax = (uint64_t{1} << 63) - 1;

struct CosignerKey {
  std::string name;
  uint32_t key_hash = 0;
  PublicKey public_key{};
};

// A valid signed-note key name: non-empty, no spaces, '+' or control characters.
bool IsValidCosignerName(std::string_view name);
uint32_t CosignerKeyHash(std::string_view name, const PublicKey& key);
// REQUIRES: a valid key name (checked).
std::string FormatCosignerKey(std::string_view name, const PublicKey& key);
// InvalidArgument naming what is wrong (a log's 0x01 key is refused as "not a cosigner key").
Result<CosignerKey> ParseCosignerKey(std::string_view text);

// The message a cosignature/v1 signs.
std::string CosignedMessage(std::string_view checkpoint_text, uint64_t timestamp);

// A cosignature line (ending in '\n') on `checkpoint_text` (a note's text: ends in '\n').
// InvalidArgument for an invalid name, text or timestamp.
Result<std::string> Cosign(std::string_view checkpoint_text, std::string_view name, const SecretKey& key,
                           uint64_t timestamp);

// The timestamp of `key`'s cosignature on `note`, verified. NotFound when the note carries no
// signature line with the key's name and ID; PermissionDenied when one does not verify;
// InvalidArgument for a malformed note.
Result<uint64_t> VerifyCosignature(std::string_view note, const CosignerKey& key);

}  // namespace creditlog
