// C2SP signed-note (Ed25519 signatures, type 0x01) and C2SP tlog-checkpoint text,
// compatible with Go's golang.org/x/mod/sumdb/note and every standard tlog verifier.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ed25519.h"

namespace creditlog {

inline constexpr size_t kNoteBytesMax = 1 << 16;   // notes larger than this are rejected
inline constexpr size_t kNoteSignaturesMax = 16;
inline constexpr uint8_t kNoteAlgorithmEd25519 = 0x01;

// The verifier key "<name>+<8 hex key hash>+<base64(0x01 || public key)>".
struct NoteVerifier {
  std::string name;
  uint32_t key_hash = 0;  // first 4 bytes, big-endian, of SHA-256(name || "\n" || 0x01 || key)
  PublicKey public_key{};
};

// Defined for any name, but only a valid key name (non-empty, no '+', no whitespace) makes a
// verifier key: ParseVerifierKey, SignNote and OpenNote refuse others with InvalidArgument.
uint32_t NoteKeyHash(std::string_view name, const PublicKey& key);
std::string FormatVerifierKey(std::string_view name, const PublicKey& key);
Result<NoteVerifier> ParseVerifierKey(std::string_view text);

// Signs `text` (which must end in '\n') and returns the complete note:
// text, a blank line, and "— <name> <base64(key_hash || signature)>\n".
Result<std::string> SignNote(std::string_view text, std::string_view name, const SecretKey& key);

// Checks the note's signature by `verifier` and returns the signed text.
// InvalidArgument for a malformed note; PermissionDenied when no signature by the
// verifier's key is present or it does not verify.
Result<std::string> OpenNote(std::string_view note, const NoteVerifier& verifier);

// One signature line "— <name> base64(key hash || signature)" (without its newline).
struct NoteSignature {
  std::string name;
  uint32_t key_hash = 0;
  Bytes signature;  // without the key hash
};
Result<NoteSignature> ParseNoteSignature(std::string_view line);
// The line, ending in '\n'. REQUIRES: a valid key name.
std::string FormatNoteSignature(std::string_view name, uint32_t key_hash, ByteView signature);

// A note split into its text (ending in '\n') and its signature lines (each without the final
// '\n'). InvalidArgument for a malformed note, as OpenNote would refuse it.
struct NoteParts {
  std::string_view text;
  std::vector<std::string_view> signature_lines;
};
Result<NoteParts> SplitNote(std::string_view note);

// `note` with `lines` (signature lines, each ending in '\n') appended; InvalidArgument when the
// result would be malformed or carry more than kNoteSignaturesMax signatures.
Result<std::string> AddNoteSignatures(std::string_view note, std::string_view lines);

// C2SP tlog-checkpoint body: origin line, decimal size line, base64 root line, extensions.
struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // each a line without its newline
};

// REQUIRES: origin and every extension are non-empty and contain no newline (checked).
std::string FormatCheckpoint(const Checkpoint& checkpoint);
Result<Checkpoint> ParseCheckpoint(std::string_view text);

}  // namespace creditlog
