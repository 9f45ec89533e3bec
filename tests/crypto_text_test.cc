// The UTF-8 rules of signed notes and key names (crypto/text.h).
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "crypto/text.h"

namespace creditlog {

TEST_CASE("Note text accepts UTF-8 of every length and newlines") {
  CHECK(IsValidNoteText(""));
  CHECK(IsValidNoteText("plain ASCII\nsecond line\n"));
  CHECK(IsValidNoteText("caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x98\x80\n"));  // 2, 3 and 4 bytes
  CHECK(IsValidNoteText("\xF4\x8F\xBF\xBF"));                            // U+10FFFF
  CHECK(IsValidNoteText("\xEF\xBF\xBD"));                                // U+FFFD itself
  CHECK(IsValidNoteText("\x7F"));  // DEL is not below U+0020 (Go's note.Open agrees)
}

TEST_CASE("Note text rejects control characters and malformed UTF-8") {
  for (std::string_view text : {
           std::string_view("\t"), std::string_view("\r\n"), std::string_view("a\0b", 3),
           std::string_view("\x1F"),
           std::string_view("\x80"),              // continuation byte first
           std::string_view("\xC3"),              // truncated 2-byte sequence
           std::string_view("\xE2\x80"),          // truncated 3-byte sequence
           std::string_view("\xC3\x28"),          // bad continuation
           std::string_view("\xC0\xAF"),          // overlong '/'
           std::string_view("\xE0\x80\xAF"),      // overlong '/'
           std::string_view("\xED\xA0\x80"),      // surrogate U+D800
           std::string_view("\xF4\x90\x80\x80"),  // past U+10FFFF
           std::string_view("\xF8\x88\x80\x80\x80"),  // 5-byte form
           std::string_view("\xFF"),
       }) {
    CHECK_FALSE(IsValidNoteText(text));
  }
}

TEST_CASE("Key names reject spaces, plus signs, controls and excess length") {
  CHECK(IsValidKeyName("PeterNeumann"));
  CHECK(IsValidKeyName("example.com/log42"));
  CHECK(IsValidKeyName("caf\xC3\xA9"));
  CHECK(IsValidKeyName(std::string(kKeyNameBytesMax, 'a')));
  CHECK_FALSE(IsValidKeyName(std::string(kKeyNameBytesMax + 1, 'a')));
  for (std::string_view name : {
           std::string_view(""), std::string_view("a b"), std::string_view("a+b"),
           std::string_view("a\tb"), std::string_view("a\nb"), std::string_view("a\x7F"),
           std::string_view("a\xC2\xA0" "b"),      // no-break space
           std::string_view("a\xE2\x80\x83" "b"),  // em space
           std::string_view("a\xE3\x80\x80" "b"),  // ideographic space
           std::string_view("a\xC2\x85" "b"),      // next line
           std::string_view("\xFF"),
       }) {
    CHECK_FALSE(IsValidKeyName(name));
  }
}

}  // namespace creditlog
