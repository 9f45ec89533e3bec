#include "events/text_rules.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include <utf8proc.h>

namespace creditlog::events {
namespace {

constexpr char32_t kTab = U'\t';
constexpr char32_t kCarriageReturn = U'\r';
constexpr char32_t kDelete = 0x7F;
constexpr char32_t kC1First = 0x80;
constexpr char32_t kC1Last = 0x9F;
// Noncharacters: U+FDD0..U+FDEF and the last two code points of every plane (U+xFFFE, U+xFFFF).
constexpr char32_t kNoncharacterRunFirst = 0xFDD0;
constexpr char32_t kNoncharacterRunLast = 0xFDEF;
constexpr char32_t kPlaneLastTwoMask = 0xFFFE;
// The ranges of IsNfcWhateverAround.
constexpr char32_t kNfcPlainBelow = 0x300;  // the combining diacritical marks begin here
constexpr char32_t kCjkPunctuationFirst = 0x3000;
constexpr char32_t kCjkPunctuationLast = 0x3029;  // U+302A..U+302F are combining tone marks
constexpr char32_t kCjkIdeographFirst = 0x4E00;
constexpr char32_t kCjkIdeographLast = 0x9FFF;
constexpr char32_t kFullwidthFirst = 0xFF01;
constexpr char32_t kFullwidthLast = 0xFF5E;

// Names for messages, for the characters people are likely to meet. Which characters are
// refused never depends on this list: that comes from libutf8proc's categories.
struct Named {
  char32_t code_point;
  const char* name;
  const char* kind;  // what it is, for format characters; nullptr otherwise
};
constexpr const char* kBidi = "a bidirectional control";
constexpr const char* kZeroWidth = "an invisible zero-width character";
constexpr Named kNames[] = {
    {0x0009, "CHARACTER TABULATION", nullptr},
    {0x000A, "LINE FEED", nullptr},
    {0x000D, "CARRIAGE RETURN", nullptr},
    {0x007F, "DELETE", nullptr},
    {0x0085, "NEXT LINE", nullptr},
    {0x00A0, "NO-BREAK SPACE", nullptr},
    {0x00AD, "SOFT HYPHEN", "an invisible hyphenation point"},
    {0x061C, "ARABIC LETTER MARK", kBidi},
    {0x180E, "MONGOLIAN VOWEL SEPARATOR", kZeroWidth},
    {0x200B, "ZERO WIDTH SPACE", kZeroWidth},
    {0x200C, "ZERO WIDTH NON-JOINER", kZeroWidth},
    {0x200D, "ZERO WIDTH JOINER", kZeroWidth},
    {0x200E, "LEFT-TO-RIGHT MARK", kBidi},
    {0x200F, "RIGHT-TO-LEFT MARK", kBidi},
    {0x2028, "LINE SEPARATOR", nullptr},
    {0x2029, "PARAGRAPH SEPARATOR", nullptr},
    {0x202A, "LEFT-TO-RIGHT EMBEDDING", kBidi},
    {0x202B, "RIGHT-TO-LEFT EMBEDDING", kBidi},
    {0x202C, "POP DIRECTIONAL FORMATTING", kBidi},
    {0x202D, "LEFT-TO-RIGHT OVERRIDE", kBidi},
    {0x202E, "RIGHT-TO-LEFT OVERRIDE", kBidi},
    {0x2060, "WORD JOINER", kZeroWidth},
    {0x2066, "LEFT-TO-RIGHT ISOLATE", kBidi},
    {0x2067, "RIGHT-TO-LEFT ISOLATE", kBidi},
    {0x2068, "FIRST STRONG ISOLATE", kBidi},
    {0x2069, "POP DIRECTIONAL ISOLATE", kBidi},
    {0x3000, "IDEOGRAPHIC SPACE", nullptr},
    {0xFEFF, "ZERO WIDTH NO-BREAK SPACE (byte order mark)", kZeroWidth},
};

const Named* FindName(char32_t code_point) {
  for (const Named& named : kNames) {
    if (named.code_point == code_point) return &named;
  }
  return nullptr;
}

std::string CodePointText(char32_t code_point) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(code_point));
  return buffer;
}

// "U+202E RIGHT-TO-LEFT OVERRIDE", or "U+4E00" for a character without a name here.
std::string Describe(char32_t code_point) {
  const Named* named = FindName(code_point);
  return CodePointText(code_point) + (named ? std::string(" ") + named->name : "");
}

bool IsNoncharacter(char32_t code_point) {
  return (code_point >= kNoncharacterRunFirst && code_point <= kNoncharacterRunLast) ||
         (code_point & kPlaneLastTwoMask) == kPlaneLastTwoMask;
}

bool IsWhiteSpace(char32_t code_point) {
  return code_point == kTab || code_point == kLineFeed || code_point == kCarriageReturn ||
         utf8proc_category(static_cast<utf8proc_int32_t>(code_point)) == UTF8PROC_CATEGORY_ZS;
}

// Why `code_point` may not appear in a field of `kind`; "" when it may.
std::string ControlRefusal(char32_t code_point, TextKind kind) {
  if (code_point == kLineFeed || code_point == kCarriageReturn) {
    if (kind == TextKind::kSingleLine) return "is a line break, and this field is a single line";
    if (code_point == kCarriageReturn) return "is a carriage return; lines end with a line feed (U+000A) alone";
    return "";
  }
  if (code_point == kTab) return "is a tab, a control character; use spaces";
  if (code_point == kDelete) return "is a control character (category Cc)";
  if (code_point >= kC1First && code_point <= kC1Last) return "is a C1 control character (category Cc)";
  return "is a C0 control character (category Cc)";
}

std::string Refusal(char32_t code_point, TextKind kind) {
  const utf8proc_property_t* property = utf8proc_get_property(static_cast<utf8proc_int32_t>(code_point));
  switch (property->category) {
    case UTF8PROC_CATEGORY_CC:
      return ControlRefusal(code_point, kind);
    case UTF8PROC_CATEGORY_CF: {
      const Named* named = FindName(code_point);
      return std::string("is ") + (named && named->kind ? named->kind : "an invisible format character") +
             " (category Cf); event text may not hold invisible or reordering characters";
    }
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
      return "is a line or paragraph separator (category Zl/Zp); lines end with a line feed (U+000A) in multi-line "
             "fields only";
    case UTF8PROC_CATEGORY_CO:
      return "is a private-use character (category Co), whose look depends on the font; use its standard code "
             "point (GB 18030-2022 maps the former private-use 生僻字)";
    case UTF8PROC_CATEGORY_CN:
      if (IsNoncharacter(code_point)) return "is a noncharacter (category Cn), reserved for internal use";
      return "is unassigned in Unicode " + std::string(TextRulesUnicodeVersion()) + " (category Cn)";
    case UTF8PROC_CATEGORY_CS:
      return "is a surrogate (category Cs), which UTF-8 never holds";
    default:
      break;
  }
  if (kind == TextKind::kMultiLine) return "";
  if (property->category == UTF8PROC_CATEGORY_ZS && code_point != kSpace && code_point != kIdeographicSpace) {
    return "is a space other than U+0020 and U+3000 IDEOGRAPHIC SPACE (category Zs), which looks like U+0020 "
           "but is not; single-line fields allow only those two";
  }
  if (property->ignorable) {
    return "is default-ignorable (it usually renders as nothing); single-line fields may not hold it";
  }
  return "";
}

// Decodes `text` into code points; nullopt when it is not valid UTF-8.
std::optional<std::u32string> Decode(std::string_view text, size_t* bad_byte = nullptr) {
  std::u32string out;
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  for (size_t offset = 0; offset < text.size();) {
    utf8proc_int32_t code_point = 0;
    const utf8proc_ssize_t length = utf8proc_iterate(bytes + offset, static_cast<utf8proc_ssize_t>(text.size() - offset), &code_point);
    if (length <= 0) {
      if (bad_byte) *bad_byte = offset;
      return std::nullopt;
    }
    out.push_back(static_cast<char32_t>(code_point));
    offset += static_cast<size_t>(length);
  }
  return out;
}

std::optional<std::string> Nfc(std::string_view text) {
  if (text.empty()) return std::string();
  utf8proc_uint8_t* out = nullptr;
  const utf8proc_ssize_t length =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()), static_cast<utf8proc_ssize_t>(text.size()),
                   &out, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (length < 0) return std::nullopt;
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(length));
}

// True when `text` is valid UTF-8 of code points that are all IsNfcWhateverAround: NFC as it is.
bool PlainlyNfc(std::string_view text) {
  const std::optional<std::u32string> code_points = Decode(text);
  return code_points && std::all_of(code_points->begin(), code_points->end(), IsNfcWhateverAround);
}

// The code point at `at` and the combining marks after it, at most kNfcShownCodePointsMax.
std::string Cluster(const std::u32string& code_points, size_t at) {
  std::string out;
  for (size_t i = at; i < code_points.size() && i - at < kNfcShownCodePointsMax; ++i) {
    if (i > at && utf8proc_get_property(static_cast<utf8proc_int32_t>(code_points[i]))->combining_class == 0) break;
    out += (out.empty() ? "" : " ") + CodePointText(code_points[i]);
  }
  return out.empty() ? "nothing" : out;
}

Status NotNfc(const std::u32string& text, const std::string& normalised) {
  const std::u32string nfc = *Decode(normalised);
  size_t at = 0;
  while (at < text.size() && at < nfc.size() && text[at] == nfc[at]) ++at;
  return Status::InvalidArgument("not in Unicode NFC at character " + std::to_string(at + 1) + " (" + Cluster(text, at) +
                                 ", which NFC writes " + Cluster(nfc, at) +
                                 "); creditlog record and creditlog import normalise their input");
}

}  // namespace

bool IsNfcWhateverAround(char32_t code_point) {
  return code_point < kNfcPlainBelow || (code_point >= kCjkPunctuationFirst && code_point <= kCjkPunctuationLast) ||
         (code_point >= kCjkIdeographFirst && code_point <= kCjkIdeographLast) ||
         (code_point >= kFullwidthFirst && code_point <= kFullwidthLast);
}

Status CheckText(std::string_view text, TextKind kind) {
  size_t bad_byte = 0;
  const std::optional<std::u32string> code_points = Decode(text, &bad_byte);
  if (!code_points) return Status::InvalidArgument("is not valid UTF-8 at byte " + std::to_string(bad_byte + 1));
  for (size_t i = 0; i < code_points->size(); ++i) {
    const std::string refusal = Refusal((*code_points)[i], kind);
    if (!refusal.empty()) {
      return Status::InvalidArgument("character " + std::to_string(i + 1) + " (" + Describe((*code_points)[i]) + ") " + refusal);
    }
  }
  if (kind == TextKind::kSingleLine && !code_points->empty()) {
    if (IsWhiteSpace(code_points->front())) {
      return Status::InvalidArgument("begins with a space (character 1, " + Describe(code_points->front()) + ")");
    }
    if (IsWhiteSpace(code_points->back())) {
      return Status::InvalidArgument("ends with a space (character " + std::to_string(code_points->size()) + ", " +
                                     Describe(code_points->back()) + ")");
    }
  }
  if (std::all_of(code_points->begin(), code_points->end(), IsNfcWhateverAround)) return Status::Ok();
  const std::optional<std::string> normalised = Nfc(text);
  if (!normalised) return Status::InvalidArgument("cannot be normalised to NFC");
  if (*normalised != text) return NotNfc(*code_points, *normalised);
  return Status::Ok();
}

std::string NormaliseText(std::string_view text) {
  if (PlainlyNfc(text)) return std::string(text);
  std::optional<std::string> normalised = Nfc(text);
  return normalised ? std::move(*normalised) : std::string(text);
}

bool IsNfc(std::string_view text) {
  if (PlainlyNfc(text)) return true;
  const std::optional<std::string> normalised = Nfc(text);
  return normalised && *normalised == text;
}

std::string_view TrimWhiteSpace(std::string_view text) {
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  // Leading: decode forwards.
  size_t begin = 0;
  while (begin < text.size()) {
    utf8proc_int32_t code_point = 0;
    const utf8proc_ssize_t length = utf8proc_iterate(bytes + begin, static_cast<utf8proc_ssize_t>(text.size() - begin), &code_point);
    if (length <= 0 || !IsWhiteSpace(static_cast<char32_t>(code_point))) break;
    begin += static_cast<size_t>(length);
  }
  // Trailing: step back over continuation bytes (10xxxxxx) to the start of the last character.
  size_t end = text.size();
  while (end > begin) {
    size_t start = end - 1;
    while (start > begin && (bytes[start] & 0xC0) == 0x80) --start;
    utf8proc_int32_t code_point = 0;
    const utf8proc_ssize_t length = utf8proc_iterate(bytes + start, static_cast<utf8proc_ssize_t>(end - start), &code_point);
    if (length != static_cast<utf8proc_ssize_t>(end - start) || !IsWhiteSpace(static_cast<char32_t>(code_point))) break;
    end = start;
  }
  return text.substr(begin, end - begin);
}

std::string_view TextRulesUnicodeVersion() { return utf8proc_unicode_version(); }

}  // namespace creditlog::events
