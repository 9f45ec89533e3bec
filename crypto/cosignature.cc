#include "crypto/cosignature.h"

#include <cstdio>
#include <optional>

#include "base/check.h"
#include "crypto/sha256.h"
#include "crypto/text.h"

namespace creditlog {
namespace {

constexpr size_t kKeyHashHexDigits = 8;
constexpr size_t kTimestampBytes = 8;
constexpr size_t kCosignerKeyBytesMax = kKeyNameBytesMax + 1 + kKeyHashHexDigits + 1 + 64;
constexpr std::string_view kCosignatureHeader = "cosignature/v1\n";

std::string Hex32(uint32_t value) {
  char buffer[kKeyHashHexDigits + 1];
  std::snprintf(buffer, sizeof(buffer), "%08x", value);
  return std::string(buffer, kKeyHashHexDigits);
}

}  // namespace

bool IsValidCosignerName(std::string_view name) { return IsValidKeyName(name); }

uint32_t CosignerKeyHash(std::string_view name, const PublicKey& key) {
  Sha256Stream stream;
  stream.Update(AsBytes(name));
  stream.Update(AsBytes("\n"));
  stream.Update(ByteView(&kNoteAlgorithmCosignatureV1, 1));
  stream.Update(key);
  const Hash hash = stream.Finish();
  return (uint32_t{hash[0]} << 24) | (uint32_t{hash[1]} << 16) | (uint32_t{hash[2]} << 8) | uint32_t{hash[3]};
}

std::string FormatCosignerKey(std::string_view name, const PublicKey& key) {
  CREDITLOG_CHECK(IsValidKeyName(name));
  Bytes encoded{kNoteAlgorithmCosignatureV1};
  encoded.insert(encoded.end(), key.begin(), key.end());
  return std::string(name) + "+" + Hex32(CosignerKeyHash(name, key)) + "+" + Base64Encode(encoded);
}

Result<CosignerKey> ParseCosignerKey(std::string_view text) {
  const auto bad = [&](std::string_view what) {
    return Status::InvalidArgument("cosigner key '" + std::string(text.substr(0, 80)) + "': " + std::string(what));
  };
  if (text.size() > kCosignerKeyBytesMax) return bad("too long");
  const size_t plus1 = text.find('+');
  const size_t plus2 = plus1 == std::string_view::npos ? plus1 : text.find('+', plus1 + 1);
  if (plus2 == std::string_view::npos) return bad("want <name>+<key ID>+<key>");
  CosignerKey key;
  key.name = std::string(text.substr(0, plus1));
  if (!IsValidKeyName(key.name)) return bad("invalid key name");
  const std::string_view hash_hex = text.substr(plus1 + 1, plus2 - plus1 - 1);
  auto hash_bytes = HexDecode(hash_hex);
  if (hash_hex.size() != kKeyHashHexDigits || !hash_bytes.ok()) return bad("key ID is not 8 hex digits");
  key.key_hash = (uint32_t{(*hash_bytes)[0]} << 24) | (uint32_t{(*hash_bytes)[1]} << 16) |
                 (uint32_t{(*hash_bytes)[2]} << 8) | uint32_t{(*hash_bytes)[3]};
  auto encoded = Base64Decode(text.substr(plus2 + 1));
  if (!encoded.ok()) return bad("the key is not base64");
  if (encoded->empty()) return bad("no key");
  if ((*encoded)[0] == kNoteAlgorithmEd25519) return bad("this is a log's checkpoint key (type 0x01), not a cosigner key (type 0x04)");
  if ((*encoded)[0] != kNoteAlgorithmCosignatureV1) return bad("unknown key type (want 0x04, Ed25519 cosignature/v1)");
  auto public_key = PublicKeyFromBytes(ByteView(*encoded).subspan(1));
  if (!public_key.ok()) return bad(public_key.status().message());
  key.public_key = *public_key;
  if (CosignerKeyHash(key.name, key.public_key) != key.key_hash) return bad("key ID does not match the name and key");
  return key;
}

std::string CosignedMessage(std::string_view checkpoint_text, uint64_t timestamp) {
  std::string message(kCosignatureHeader);
  message += "time " + std::to_string(timestamp) + "\n";
  message += checkpoint_text;
  return message;
}

Result<std::string> Cosign(std::string_view checkpoint_text, std::string_view name, const SecretKey& key,
                           uint64_t timestamp) {
  if (!IsValidKeyName(name)) return Status::InvalidArgument("cosign: invalid key name");
  if (checkpoint_text.empty() || checkpoint_text.back() != '\n' || !IsValidNoteText(checkpoint_text)) {
    return Status::InvalidArgument("cosign: the checkpoint text is not a note's text");
  }
  if (timestamp == 0 || timestamp > kCosignatureTimestampMax) return Status::InvalidArgument("cosign: timestamp out of range");
  const std::string message = CosignedMessage(checkpoint_text, timestamp);
  const Signature signature = Sign(key, AsBytes(message));
  Bytes payload(kTimestampBytes);
  for (size_t i = 0; i < kTimestampBytes; ++i) payload[i] = static_cast<uint8_t>(timestamp >> (8 * (kTimestampBytes - 1 - i)));
  payload.insert(payload.end(), signature.begin(), signature.end());
  return FormatNoteSignature(name, CosignerKeyHash(name, key.public_key()), payload);
}

Result<uint64_t> VerifyCosignature(std::string_view note, const CosignerKey& key) {
  ASSIGN_OR_RETURN(NoteParts parts, SplitNote(note));
  std::optional<uint64_t> verified;
  for (std::string_view text_line : parts.signature_lines) {
    ASSIGN_OR_RETURN(NoteSignature line, ParseNoteSignature(text_line));
    if (line.name != key.name || line.key_hash != key.key_hash) continue;
    const std::string who = "cosignature by " + key.name;
    if (line.signature.size() != kTimestampBytes + kSignatureSize) {
      return Status::PermissionDenied(who + ": not a timestamp and an Ed25519 signature");
    }
    uint64_t timestamp = 0;
    for (size_t i = 0; i < kTimestampBytes; ++i) timestamp = (timestamp << 8) | line.signature[i];
    if (timestamp > kCosignatureTimestampMax) return Status::PermissionDenied(who + ": timestamp beyond 2^63 - 1");
    auto signature = SignatureFromBytes(ByteView(line.signature).subspan(kTimestampBytes));
    const std::string message = CosignedMessage(parts.text, timestamp);
    if (!signature.ok() || !Verify(key.public_key, AsBytes(message), *signature)) {
      return Status::PermissionDenied(who + ": the signature does not verify");
    }
    if (!verified || timestamp > *verified) verified = timestamp;
  }
  if (!verified) return Status::NotFound("no cosignature by " + key.name);
  return *verified;
}

}  // namespace creditlog
