// The text rules every string field of a new event obeys (docs/events.md, "Text rules"): text
// that looks like what it says. Two strings that render alike must be the same code points,
// so the rules refuse what is invisible or rearranges the text around it and require NFC.
//
// Code points are classified by libutf8proc (its Unicode version: TextRulesUnicodeVersion()),
// never by tables of our own. Positions in messages count code points from 1.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"

namespace creditlog::events {

// Names, ids, numbers, titles, categories, matters: one line. Facts, content, findings,
// reasons, bases, notes, comments, outcomes and the ruleset document: several lines.
enum class TextKind { kSingleLine, kMultiLine };

inline constexpr char32_t kLineFeed = U'\n';           // the only line break, multi-line only
inline constexpr char32_t kSpace = U' ';
inline constexpr char32_t kIdeographicSpace = U'\u3000';  // 全角空格, allowed in every field
// How many code points a message shows on each side of an NFC difference (a base character
// and the combining marks after it).
inline constexpr size_t kNfcShownCodePointsMax = 4;

// OK when `text` (valid UTF-8 or not) obeys every rule for `kind`; otherwise InvalidArgument
// saying which character breaks which rule, without the field name, e.g.
//   "character 3 (U+202E RIGHT-TO-LEFT OVERRIDE) is a bidirectional control (format
//    character, category Cf); event text may not hold invisible or reordering characters"
//   "not in Unicode NFC at character 2 (U+F900, which NFC writes U+8C48); creditlog record
//    and creditlog import normalise their input"
Status CheckText(std::string_view text, TextKind kind);

// True for a code point that is in NFC whatever stands around it: a starter (combining class
// 0) that NFC keeps as it is and that never composes with a character before it. Text made only
// of these is in NFC without normalising it. This is a short list of ranges — Latin below
// U+0300, CJK punctuation U+3000..U+3029, the CJK Unified Ideographs U+4E00..U+9FFF and the
// fullwidth forms U+FF01..U+FF5E, which is most of what a credit record holds — and is a
// shortcut only: tests/events_text_rules_test.cc checks each range against libutf8proc.
bool IsNfcWhateverAround(char32_t code_point);

// The NFC form of `text`; `text` unchanged when it is not valid UTF-8 (the rules refuse it).
std::string NormaliseText(std::string_view text);

// True when `text` is valid UTF-8 already in NFC.
bool IsNfc(std::string_view text);

// `text` without the white space (category Zs, tab, CR, LF) at either end.
std::string_view TrimWhiteSpace(std::string_view text);

// The Unicode version of the classification, e.g. "15.0.0".
std::string_view TextRulesUnicodeVersion();

}  // namespace creditlog::events
