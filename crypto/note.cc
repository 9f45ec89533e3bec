#include "crypto/note.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "base/check.h"
#include "crypto/sha256.h"
#include "crypto/text.h"

namespace creditlog {
namespace {

constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";  // em dash U+2014, space
constexpr std::string_view kSignatureSplit = "\n\n";
constexpr size_t kKeyHashSize = 4;
constexpr size_t kKeyHashHexDigits = 8;
// A signature line's payload is at least a key hash and one byte (Go's note.Open agrees).
constexpr size_t kNoteSignatureBytesMin = kKeyHashSize + 1;
constexpr size_t kVerifierKeyBytesMax = kKeyNameBytesMax + 1 + kKeyHashHexDigits + 1 + 64;
constexpr size_t kCheckpointMandatoryLines = 3;
constexpr size_t kDecimalDigitsMax = 20;  // UINT64_MAX has 20 digits

uint32_t ReadBigEndian32(const uint8_t* bytes) {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

std::string Hex32(uint32_t value) {
  char buffer[kKeyHashHexDigits + 1];
  std::snprintf(buffer, sizeof(buffer), "%08x", value);
  return std::string(buffer, kKeyHashHexDigits);
}

Status MalformedNote(std::string_view what) {
  return Status::InvalidArgument("malformed note: " + std::string(what));
}

// Strict decimal: digits only, no sign, no leading zero unless the number is 0, no overflow.
Result<uint64_t> ParseDecimal(std::string_view text) {
  if (text.empty() || text.size() > kDecimalDigitsMax || (text.size() > 1 && text[0] == '0')) {
    return Status::InvalidArgument("checkpoint: tree size \"" + std::string(text) +
                                   "\" is not a canonical decimal number");
  }
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument("checkpoint: tree size \"" + std::string(text) +
                                   "\" is not a decimal number below 2^64");
  }
  return value;
}

}  // namespace

uint32_t NoteKeyHash(std::string_view name, const PublicKey& key) {
  Sha256Stream stream;
  stream.Update(AsBytes(name));
  stream.Update(AsBytes("\n"));
  stream.Update(ByteView(&kNoteAlgorithmEd25519, 1));
  stream.Update(key);
  return ReadBigEndian32(stream.Finish().data());
}

std::string FormatVerifierKey(std::string_view name, const PublicKey& key) {
  Bytes encoded{kNoteAlgorithmEd25519};
  encoded.insert(encoded.end(), key.begin(), key.end());
  return std::string(name) + "+" + Hex32(NoteKeyHash(name, key)) + "+" + Base64Encode(encoded);
}

Result<NoteVerifier> ParseVerifierKey(std::string_view text) {
  const auto bad = [](std::string_view what) {
    return Status::InvalidArgument("verifier key: " + std::string(what));
  };
  if (text.size() > kVerifierKeyBytesMax) return bad("too long");
  const size_t plus1 = text.find('+');
  const size_t plus2 = plus1 == std::string_view::npos ? plus1 : text.find('+', plus1 + 1);
  if (plus2 == std::string_view::npos) return bad("want <name>+<hash>+<key>");
  NoteVerifier verifier;
  verifier.name = std::string(text.substr(0, plus1));
  if (!IsValidKeyName(verifier.name)) return bad("invalid key name");

  const std::string_view hash_hex = text.substr(plus1 + 1, plus2 - plus1 - 1);
  auto hash_bytes = HexDecode(hash_hex);
  if (hash_hex.size() != kKeyHashHexDigits || !hash_bytes.ok()) {
    return bad("key hash is not 8 hex digits");
  }
  verifier.key_hash = ReadBigEndian32(hash_bytes->data());

  auto key = Base64Decode(text.substr(plus2 + 1));
  if (!key.ok()) return key.status().WithContext("verifier key");
  if (key->empty() || (*key)[0] != kNoteAlgorithmEd25519) return bad("unknown algorithm");
  auto public_key = PublicKeyFromBytes(ByteView(*key).subspan(1));
  if (!public_key.ok()) return public_key.status().WithContext("verifier key");
  verifier.public_key = *public_key;
  if (NoteKeyHash(verifier.name, verifier.public_key) != verifier.key_hash) {
    return bad("key hash does not match the name and key");
  }
  return verifier;
}

Result<std::string> SignNote(std::string_view text, std::string_view name, const SecretKey& key) {
  if (text.empty() || text.back() != '\n') return MalformedNote("text does not end in a newline");
  if (!IsValidNoteText(text)) {
    return MalformedNote("text is not UTF-8 or has control characters other than newline");
  }
  if (!IsValidKeyName(name)) return MalformedNote("invalid key name");
  const Signature signature = Sign(key, AsBytes(text));
  std::string note(text);
  note += "\n";
  note += FormatNoteSignature(name, NoteKeyHash(name, key.public_key()), signature);
  if (note.size() > kNoteBytesMax) {
    return MalformedNote("signed note would exceed " + std::to_string(kNoteBytesMax) + " bytes");
  }
  return note;
}

Result<NoteSignature> ParseNoteSignature(std::string_view line) {
  if (line.substr(0, kSignaturePrefix.size()) != kSignaturePrefix) {
    return MalformedNote("signature line does not start with an em dash and a space");
  }
  line.remove_prefix(kSignaturePrefix.size());
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) return MalformedNote("signature line has no signature");
  NoteSignature out;
  out.name = std::string(line.substr(0, space));
  if (!IsValidKeyName(out.name)) return MalformedNote("invalid key name in signature line");
  auto decoded = Base64Decode(line.substr(space + 1));
  if (!decoded.ok()) return decoded.status().WithContext("malformed note: signature");
  if (decoded->size() < kNoteSignatureBytesMin) return MalformedNote("signature too short");
  out.key_hash = ReadBigEndian32(decoded->data());
  out.signature.assign(decoded->begin() + kKeyHashSize, decoded->end());
  return out;
}

std::string FormatNoteSignature(std::string_view name, uint32_t key_hash, ByteView signature) {
  Bytes payload(kKeyHashSize);
  for (size_t i = 0; i < kKeyHashSize; ++i) {
    payload[i] = static_cast<uint8_t>(key_hash >> (8 * (kKeyHashSize - 1 - i)));
  }
  payload.insert(payload.end(), signature.begin(), signature.end());
  return std::string(kSignaturePrefix) + std::string(name) + " " + Base64Encode(payload) + "\n";
}

Result<NoteParts> SplitNote(std::string_view note) {
  if (note.size() > kNoteBytesMax) {
    return MalformedNote("larger than " + std::to_string(kNoteBytesMax) + " bytes");
  }
  if (!IsValidNoteText(note)) {
    return MalformedNote("not UTF-8 or has control characters other than newline");
  }
  const size_t split = note.rfind(kSignatureSplit);
  if (split == std::string_view::npos) return MalformedNote("no blank line before signatures");
  NoteParts parts;
  parts.text = note.substr(0, split + 1);
  std::string_view signatures = note.substr(split + kSignatureSplit.size());
  if (signatures.empty() || signatures.back() != '\n') {
    return MalformedNote("signature block is empty or does not end in a newline");
  }
  while (!signatures.empty()) {
    if (parts.signature_lines.size() == kNoteSignaturesMax) {
      return MalformedNote("more than " + std::to_string(kNoteSignaturesMax) + " signatures");
    }
    const size_t newline = signatures.find('\n');
    const std::string_view line = signatures.substr(0, newline);
    RETURN_IF_ERROR(ParseNoteSignature(line).status());
    parts.signature_lines.push_back(line);
    signatures.remove_prefix(newline + 1);
  }
  return parts;
}

Result<std::string> AddNoteSignatures(std::string_view note, std::string_view lines) {
  std::string out(note);
  out += lines;
  RETURN_IF_ERROR(SplitNote(out).status());
  return out;
}

// C2SP signed-note: signatures by unknown keys are ignored; every signature by the
// verifier's key (same name and key hash) must verify, and at least one must be present.
Result<std::string> OpenNote(std::string_view note, const NoteVerifier& verifier) {
  if (!IsValidKeyName(verifier.name) ||
      NoteKeyHash(verifier.name, verifier.public_key) != verifier.key_hash) {
    return Status::InvalidArgument("note verifier: key hash does not match the name and key");
  }
  ASSIGN_OR_RETURN(NoteParts parts, SplitNote(note));
  const std::string key_id = verifier.name + "+" + Hex32(verifier.key_hash);
  bool verified = false;
  for (std::string_view text_line : parts.signature_lines) {
    ASSIGN_OR_RETURN(NoteSignature line, ParseNoteSignature(text_line));
    if (line.name != verifier.name || line.key_hash != verifier.key_hash) continue;
    auto signature = SignatureFromBytes(line.signature);
    if (!signature.ok() || !Verify(verifier.public_key, AsBytes(parts.text), *signature)) {
      return Status::PermissionDenied("note: invalid signature by key " + key_id);
    }
    verified = true;
  }
  if (!verified) return Status::PermissionDenied("note: no signature by key " + key_id);
  return std::string(parts.text);
}

// REQUIRES: origin and every extension are non-empty and contain no newline.
std::string FormatCheckpoint(const Checkpoint& checkpoint) {
  const auto check_line = [](std::string_view line) {
    CREDITLOG_CHECK(!line.empty() && line.find('\n') == std::string_view::npos);
  };
  check_line(checkpoint.origin);
  std::string out = checkpoint.origin + "\n";
  out += std::to_string(checkpoint.size) + "\n";
  out += Base64Encode(checkpoint.root) + "\n";
  for (const std::string& extension : checkpoint.extensions) {
    check_line(extension);
    out += extension + "\n";
  }
  return out;
}

Result<Checkpoint> ParseCheckpoint(std::string_view text) {
  const auto bad = [](std::string_view what) {
    return Status::InvalidArgument("checkpoint: " + std::string(what));
  };
  if (text.size() > kNoteBytesMax) return bad("too large");
  if (!IsValidNoteText(text)) return bad("not UTF-8 or has control characters");
  if (text.empty() || text.back() != '\n') return bad("does not end in a newline");
  std::vector<std::string_view> lines;
  for (std::string_view rest = text; !rest.empty();) {
    const size_t newline = rest.find('\n');
    lines.push_back(rest.substr(0, newline));
    rest.remove_prefix(newline + 1);
  }
  if (lines.size() < kCheckpointMandatoryLines) return bad("fewer than three lines");
  Checkpoint checkpoint;
  if (lines[0].empty()) return bad("empty origin");
  checkpoint.origin = std::string(lines[0]);
  ASSIGN_OR_RETURN(checkpoint.size, ParseDecimal(lines[1]));
  auto root = Base64Decode(lines[2]);
  if (!root.ok()) return root.status().WithContext("checkpoint: root hash");
  if (root->size() != kHashSize) return bad("root hash is not 32 bytes");
  std::copy(root->begin(), root->end(), checkpoint.root.begin());
  for (size_t i = kCheckpointMandatoryLines; i < lines.size(); ++i) {
    if (lines[i].empty()) return bad("empty extension line");
    checkpoint.extensions.emplace_back(lines[i]);
  }
  return checkpoint;
}

}  // namespace creditlog
