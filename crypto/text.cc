#include "crypto/text.h"

#include <cstdint>

namespace creditlog {
namespace {

constexpr char32_t kInvalidRune = 0xFFFFFFFF;
constexpr char32_t kRuneMax = 0x10FFFF;
constexpr char32_t kSurrogateFirst = 0xD800;
constexpr char32_t kSurrogateLast = 0xDFFF;

// Decodes the rune at text[*offset] and advances *offset past it; kInvalidRune for any
// malformed, overlong, surrogate or out-of-range sequence (the offset then moves one byte).
char32_t NextRune(std::string_view text, size_t* offset) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const size_t start = *offset;
  const uint8_t lead = byte(start);
  *offset = start + 1;
  if (lead < 0x80) return lead;

  // Sequence length, payload bits of the lead byte, and the smallest rune that needs
  // that length (anything smaller is an overlong encoding).
  struct Form {
    uint8_t mask;
    uint8_t value;
    size_t length;
    char32_t minimum;
  };
  static constexpr Form kForms[] = {
      {0xE0, 0xC0, 2, 0x80}, {0xF0, 0xE0, 3, 0x800}, {0xF8, 0xF0, 4, 0x10000}};
  const Form* form = nullptr;
  for (const Form& candidate : kForms) {
    if ((lead & candidate.mask) == candidate.value) form = &candidate;
  }
  if (form == nullptr) return kInvalidRune;
  const size_t length = form->length;
  const char32_t minimum = form->minimum;
  char32_t rune = lead & static_cast<uint8_t>(~form->mask);
  if (text.size() - start < length) return kInvalidRune;
  for (size_t i = 1; i < length; ++i) {
    const uint8_t next = byte(start + i);
    if ((next & 0xC0) != 0x80) return kInvalidRune;
    rune = (rune << 6) | (next & 0x3F);
  }
  if (rune < minimum || rune > kRuneMax) return kInvalidRune;
  if (rune >= kSurrogateFirst && rune <= kSurrogateLast) return kInvalidRune;
  *offset = start + length;
  return rune;
}

bool IsControl(char32_t rune) { return rune < 0x20 || rune == 0x7F; }

// The same set as Go's unicode.IsSpace.
bool IsUnicodeSpace(char32_t rune) {
  switch (rune) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return rune >= 0x2000 && rune <= 0x200A;
  }
}

}  // namespace

bool IsValidNoteText(std::string_view text) {
  size_t offset = 0;
  while (offset < text.size()) {
    const char32_t rune = NextRune(text, &offset);
    if (rune == kInvalidRune) return false;
    if (rune < 0x20 && rune != '\n') return false;
  }
  return true;
}

bool IsValidKeyName(std::string_view name) {
  if (name.empty() || name.size() > kKeyNameBytesMax) return false;
  size_t offset = 0;
  while (offset < name.size()) {
    const char32_t rune = NextRune(name, &offset);
    if (rune == kInvalidRune || rune == '+') return false;
    if (IsControl(rune) || IsUnicodeSpace(rune)) return false;
  }
  return true;
}

}  // namespace creditlog
