#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "events/event.h"
#include "events/json.h"
#include "crypto/text.h"
#include "events/text_rules.h"

#include <utf8proc.h>

using namespace creditlog;
using namespace creditlog::events;
using nlohmann::json;

namespace {

constexpr const char* kRatedSubject = "12370211MB2C3D4E7J";
constexpr const char* kEnterprise = "91370202MA3C4D5E7X";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::filesystem::path Examples() { return std::filesystem::path(CREDITLOG_SOURCE_DIR) / "events/examples"; }

json Example(const std::string& type) { return json::parse(ReadFile(Examples() / (type + ".json"))); }

Bytes Finish(flatbuffers::FlatBufferBuilder& b, const char* subject, fb::EventBody type, flatbuffers::Offset<void> body,
             flatbuffers::Offset<fb::UsccOverride> uscc_override = 0) {
  b.Finish(fb::CreateEventDirect(b, "text-rules/1", subject, -1, 0, uscc_override, type, body));
  return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

// Events built byte by byte, as a client other than creditlog's JSON path could sign them:
// `matter` is a single-line field, `comment` a multi-line one, `rating_id` an id.
Bytes Rating(const std::string& matter, const std::string& comment = "办理快捷", const std::string& rating_id = "PJ-1") {
  flatbuffers::FlatBufferBuilder b;
  auto body = fb::CreateServiceRatedDirect(b, rating_id.c_str(), 5, matter.c_str(), "2026-03-02",
                                           fb::ServiceChannel::Online, comment.c_str());
  return Finish(b, kRatedSubject, fb::EventBody::ServiceRated, body.Union());
}

Bytes Registration(const std::string& name) {
  flatbuffers::FlatBufferBuilder b;
  auto body = fb::CreateSubjectRegisteredDirect(b, fb::SubjectKind::Enterprise, name.c_str(), "370202");
  return Finish(b, kEnterprise, fb::EventBody::SubjectRegistered, body.Union());
}

Status Validate(const Bytes& bytes, FieldRules rules = FieldRules::kNew) {
  auto event = ParseEvent(bytes);
  REQUIRE(event.ok());
  return ValidateEvent(**event, rules);
}

struct Refused {
  const char* text;         // UTF-8 of one code point
  const char* code_point;   // as the message writes it
  const char* explanation;  // part of the message
};

// One example of each class the text rules refuse in every field, all accepted before them.
constexpr Refused kRefusedEverywhere[] = {
    {"\x7F", "U+007F DELETE", "is a control character (category Cc)"},
    {"\xC2\x85", "U+0085 NEXT LINE", "is a C1 control character"},
    {"\xC2\xAD", "U+00AD SOFT HYPHEN", "is an invisible hyphenation point (category Cf)"},
    {"\xE2\x80\x8B", "U+200B ZERO WIDTH SPACE", "is an invisible zero-width character (category Cf)"},
    {"\xE2\x80\x8C", "U+200C ZERO WIDTH NON-JOINER", "zero-width"},
    {"\xE2\x80\x8D", "U+200D ZERO WIDTH JOINER", "zero-width"},
    {"\xE2\x81\xA0", "U+2060 WORD JOINER", "zero-width"},
    {"\xEF\xBB\xBF", "U+FEFF ZERO WIDTH NO-BREAK SPACE (byte order mark)", "zero-width"},
    {"\xE2\x80\x8F", "U+200F RIGHT-TO-LEFT MARK", "is a bidirectional control (category Cf)"},
    {"\xE2\x80\xAE", "U+202E RIGHT-TO-LEFT OVERRIDE", "is a bidirectional control (category Cf)"},
    {"\xE2\x81\xA6", "U+2066 LEFT-TO-RIGHT ISOLATE", "is a bidirectional control (category Cf)"},
    {"\xE2\x81\xA9", "U+2069 POP DIRECTIONAL ISOLATE", "is a bidirectional control (category Cf)"},
    {"\xF3\xA0\x81\x81", "U+E0041", "is an invisible format character (category Cf)"},  // TAG LATIN CAPITAL LETTER A
    {"\xE2\x80\xA8", "U+2028 LINE SEPARATOR", "is a line or paragraph separator (category Zl/Zp)"},
    {"\xE2\x80\xA9", "U+2029 PARAGRAPH SEPARATOR", "is a line or paragraph separator (category Zl/Zp)"},
    {"\xCD\xB8", "U+0378", "is unassigned in Unicode"},
    {"\xEF\xB7\x90", "U+FDD0", "is a noncharacter"},
    {"\xEF\xBF\xBE", "U+FFFE", "is a noncharacter"},
    {"\xEE\x80\x80", "U+E000", "is a private-use character (category Co)"},
    {"\xF3\xB0\x80\x80", "U+F0000", "is a private-use character (category Co)"},
};

}  // namespace

TEST_CASE("Each refused character class is named with the field and position, entries recorded before stay valid", "[events][text]") {
  for (const Refused& refused : kRefusedEverywhere) {
    INFO(refused.code_point);
    const std::string text = std::string("甲") + refused.text + "乙";
    const std::string where = std::string("character 2 (") + refused.code_point + ") ";
    REQUIRE_THAT(Validate(Rating(text)).message(),
                 Catch::StartsWith("body.matter: " + where) && Catch::Contains(refused.explanation));
    REQUIRE_THAT(Validate(Rating("营业执照变更登记", text)).message(),
                 Catch::StartsWith("body.comment: " + where) && Catch::Contains(refused.explanation));
    REQUIRE_THAT(Validate(Registration(text)).message(), Catch::StartsWith("body.name: " + where));
    CHECK(Validate(Rating(text, text), FieldRules::kRecorded).ok());
    CHECK(Validate(Registration(text), FieldRules::kRecorded).ok());
  }
}

TEST_CASE("A line feed breaks lines in multi-line fields only, tab and carriage return nowhere", "[events][text]") {
  REQUIRE_THAT(Validate(Registration("青岛\n蓝海")).message(),
               Catch::StartsWith("body.name: character 3 (U+000A LINE FEED) is a line break, and this field is a single line"));
  REQUIRE(Validate(Registration("青岛\n蓝海"), FieldRules::kRecorded).ok());
  REQUIRE(Validate(Rating("营业执照变更登记", "第一行\n第二行\n")).ok());
  // The id rule already refused line feeds; now it says where.
  REQUIRE_THAT(Validate(Rating("营业执照变更登记", "好", "PJ\n1")).message(), Catch::StartsWith("body.rating_id: character 3 (U+000A"));
  REQUIRE_THAT(Validate(Rating("营业执照变更登记", "好", "PJ\n1"), FieldRules::kRecorded).message(),
               Catch::StartsWith("body.rating_id: must not contain spaces or line breaks"));

  REQUIRE_THAT(Validate(Rating("营业执照\r变更")).message(), Catch::StartsWith("body.matter: character 5 (U+000D CARRIAGE RETURN) is a line break"));
  REQUIRE_THAT(Validate(Rating("营业执照变更登记", "第一行\r\n第二行")).message(),
               Catch::StartsWith("body.comment: character 4 (U+000D CARRIAGE RETURN) is a carriage return"));
  REQUIRE_THAT(Validate(Rating("营业执照变更登记", "甲\t乙")).message(),
               Catch::StartsWith("body.comment: character 2 (U+0009 CHARACTER TABULATION) is a tab"));
  REQUIRE_THAT(Validate(Rating("营业执照变更登记", std::string("甲\x01乙"))).message(),
               Catch::StartsWith("body.comment: character 2 (U+0001) is a C0 control character"));
  // Refused before the text rules too: recorded entries never hold them.
  for (const char* text : {"甲\r乙", "甲\t乙", "甲\x01乙"}) {
    INFO(text);
    REQUIRE_THAT(Validate(Rating("营业执照变更登记", text), FieldRules::kRecorded).message(),
                 Catch::StartsWith("body.comment: must be valid UTF-8 without control characters"));
  }
}

TEST_CASE("Only facts, content, findings, reasons, bases, notes, outcomes, comments, rectifications and the ruleset hold line breaks", "[events][text]") {
  const std::set<std::string> multi_line = {"reason", "facts", "basis", "content", "finding", "note",
                                            "outcome", "exit_conditions", "comment", "rules_json", "rectification"};
  std::set<std::string> seen_multi_line;
  size_t single_line_fields = 0;
  for (const auto& entry : std::filesystem::directory_iterator(Examples())) {
    if (entry.path().extension() != ".json") continue;
    const json example = json::parse(ReadFile(entry.path()));
    for (const auto& [field, value] : example["body"].items()) {
      const bool list = value.is_array() && !value.empty() && value[0].is_string();
      if (!value.is_string() && !list) continue;
      INFO(entry.path().filename().string() << " body." << field);
      json changed = example;
      (list ? changed["body"][field][0] : changed["body"][field]) = "第一行\n第二行";
      const Status status = EventFromJson(changed.dump()).status();
      if (multi_line.count(field)) {
        REQUIRE(status.ok());
        seen_multi_line.insert(field);
      } else {
        REQUIRE_FALSE(status.ok());  // a line break, or not a date, USCC, division or event type at all
        if (Catch::contains(status.message(), "line break")) {
          ++single_line_fields;
          REQUIRE_THAT(status.message(), Catch::StartsWith("body." + field + (list ? "[0]" : "") + ": character 4 (U+000A"));
        }
      }
    }
  }
  REQUIRE(seen_multi_line == multi_line);
  REQUIRE(single_line_fields >= 30);  // every id, name, number, title, category and matter of the examples
}

TEST_CASE("Chinese text, full-width punctuation and the ideographic space are allowed", "[events][text]") {
  for (const char* matter : {"青岛市市场监督管理局", "食品经营许可（告知承诺）", "青市监罚〔2026〕1号", "“引号”、《条例》；：？！",
                             "甲　乙",          // U+3000 IDEOGRAPHIC SPACE between words
                             "Café Zürich",     // precomposed, as NFC writes them
                             "\xF0\xA0\x80\x80",  // U+20000, CJK Extension B
                             "\xF0\xB1\x8D\x90"}) {  // U+31350, CJK Extension H (Unicode 15)
    INFO(matter);
    CHECK(Validate(Rating(matter)).ok());
    CHECK(Validate(Registration(matter)).ok());
  }
  for (const char* comment : {"　　段落首行缩进两个全角空格。", "甲\xC2\xA0乙",  // NO-BREAK SPACE
                              "服务很好👍", "\xE2\x9D\xA4\xEF\xB8\x8F",    // U+2764 U+FE0F, an emoji with its selector
                              " 前后有空格 "}) {
    INFO(comment);
    CHECK(Validate(Rating("营业执照变更登记", comment)).ok());
  }
}

TEST_CASE("Single-line fields refuse look-alike spaces, invisible fillers and spaces at either end", "[events][text]") {
  struct Case {
    std::string text;
    std::string message;
  };
  const Case cases[] = {
      {"甲\xC2\xA0乙", "character 2 (U+00A0 NO-BREAK SPACE) is a space other than U+0020 and U+3000"},
      {"甲\xE2\x80\x83乙", "character 2 (U+2003) is a space other than"},
      {"甲\xEF\xB8\x8F", "character 2 (U+FE0F) is default-ignorable"},
      {"甲\xE3\x85\xA4乙", "character 2 (U+3164) is default-ignorable"},  // HANGUL FILLER, a letter that shows nothing
      {" 甲", "begins with a space (character 1, U+0020)"},
      {"甲　", "ends with a space (character 2, U+3000 IDEOGRAPHIC SPACE)"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    REQUIRE_THAT(Validate(Registration(c.text)).message(), Catch::StartsWith("body.name: " + c.message));
    CHECK(Validate(Rating("营业执照变更登记", "乙" + c.text + "丙")).ok());  // inside multi-line text they are fine
    CHECK(Validate(Registration(c.text), FieldRules::kRecorded).ok());
  }
}

TEST_CASE("Text not in NFC is refused with where, and the JSON path normalises it", "[events][text]") {
  const std::string combining = "Cafe\xCC\x81";             // 'e' + U+0301 COMBINING ACUTE ACCENT
  const std::string compatibility = "丽\xEF\xA4\x80";        // U+F900, a CJK compatibility ideograph
  const std::string reordered = "a\xCC\x81\xCC\xA3";        // marks out of canonical order
  REQUIRE(Validate(Rating(combining)).message() ==
          "body.matter: not in Unicode NFC at character 4 (U+0065 U+0301, which NFC writes U+00E9); "
          "creditlog record and creditlog import normalise their input");
  REQUIRE_THAT(Validate(Registration(compatibility)).message(),
               Catch::StartsWith("body.name: not in Unicode NFC at character 2 (U+F900, which NFC writes U+8C48)"));
  REQUIRE_THAT(Validate(Rating("营业执照变更登记", reordered)).message(),
               Catch::StartsWith("body.comment: not in Unicode NFC at character 1 (U+0061 U+0301 U+0323, which NFC writes U+1EA1 U+0301)"));
  for (const std::string& text : {combining, compatibility, reordered}) {
    CHECK(Validate(Rating(text, text), FieldRules::kRecorded).ok());
    CHECK(Validate(Registration(text), FieldRules::kRecorded).ok());
  }

  // The same text through EventFromJson, raw and as \u escapes, is recorded in NFC.
  json e = Example("ServiceRated");
  e["body"]["matter"] = combining;
  e["body"]["comment"] = compatibility;
  std::string text = e.dump();
  for (const std::string& json_text : {text, std::string(R"({"event_id":"x","subject":"12370211MB2C3D4E7J","body_type":"ServiceRated",)"
                                                          R"("body":{"rating_id":"r","rating":5,"matter":"Cafe\u0301",)"
                                                          R"("rated_date":"2026-03-02","comment":"\u4e3d\uf900"}})")}) {
    INFO(json_text);
    auto bytes = EventFromJson(json_text);
    REQUIRE(bytes.ok());
    const fb::ServiceRated* body = (*ParseEvent(*bytes))->body_as_ServiceRated();
    CHECK(body->matter()->str() == "Caf\xC3\xA9");
    CHECK(body->comment()->str() == "丽\xE8\xB1\x88");  // U+8C48
    CHECK(Validate(*bytes).ok());
  }
}

TEST_CASE("The default rules are the new rules", "[events][text]") {
  const auto bytes = Registration("甲\xE2\x80\x8B");  // the event points into it
  auto event = ParseEvent(bytes);
  REQUIRE(event.ok());
  REQUIRE_FALSE(ValidateEvent(**event).ok());
  REQUIRE(ValidateEvent(**event).message() == ValidateEvent(**event, FieldRules::kNew).message());
}

TEST_CASE("USCC override codes and reasons follow the text rules", "[events][text]") {
  flatbuffers::FlatBufferBuilder b;
  const std::vector<flatbuffers::Offset<flatbuffers::String>> codes = {b.CreateString(std::string(kRatedSubject) + "\xE2\x80\xAE")};
  auto uscc_override = fb::CreateUsccOverride(b, b.CreateVector(codes), b.CreateString("早期试点代码"));
  auto body = fb::CreateServiceRatedDirect(b, "PJ-1", 5, "营业执照变更登记", "2026-03-02");
  const Bytes bytes = Finish(b, kRatedSubject, fb::EventBody::ServiceRated, body.Union(), uscc_override);
  REQUIRE_THAT(Validate(bytes).message(), Catch::StartsWith("uscc_override.codes[0]: character 19 (U+202E RIGHT-TO-LEFT OVERRIDE)"));
  REQUIRE(Validate(bytes, FieldRules::kRecorded).ok());
}

TEST_CASE("Every example event is already in NFC and obeys the text rules", "[events][text]") {
  int examples = 0;
  for (const auto& entry : std::filesystem::directory_iterator(Examples())) {
    if (entry.path().extension() != ".json") continue;
    ++examples;
    INFO(entry.path().filename().string());
    const std::string text = ReadFile(entry.path());
    REQUIRE(NormaliseJsonStrings(text) == text);
    auto bytes = EventFromJson(text);
    REQUIRE(bytes.ok());
    REQUIRE(Validate(*bytes, FieldRules::kRecorded).ok());
  }
  REQUIRE(examples == 33);  // one per event type
}

TEST_CASE("NormaliseJsonStrings rewrites only the string literals NFC changes", "[events][text]") {
  // Untouched: already NFC, escapes kept as written, text outside literals byte for byte.
  for (const char* text : {R"({"a": "x\"y\\z\/", "b" : [1, 2.5e3, true, null], "c":"\ud83d\ude00\u4e2d"})",
                           R"({"bad escape": "\x", "lone surrogate": "\ud800e\u0301", "raw": "e)" "\xCC\x81\t\"}",
                           R"({"unterminated": "e\u0301)", ""}) {
    INFO(text);
    CHECK(NormaliseJsonStrings(text) == text);
  }
  // Rewritten: the literal re-encoded, quotes, backslashes and control characters escaped.
  const std::string normalised = NormaliseJsonStrings(R"({"k": "\"e\u0301\"\\\n", "n": 1})");
  CHECK(normalised == "{\"k\": \"\\\"\xC3\xA9\\\"\\\\\\u000a\", \"n\": 1}");
  CHECK(json::parse(normalised)["k"] == "\"\xC3\xA9\"\\\n");
  // FlatBuffers' parser also takes single-quoted strings: they are normalised too.
  CHECK(NormaliseJsonStrings("{'k': 'e\xCC\x81\"', \"q\": \"'\"}") == "{'k': \"\xC3\xA9\\\"\", \"q\": \"'\"}");
}

TEST_CASE("White space is trimmed from both ends of a cell, whatever its kind", "[events][text]") {
  CHECK(TrimWhiteSpace("\xE3\x80\x80 \t甲 乙\xC2\xA0\r\n") == "甲 乙");
  CHECK(TrimWhiteSpace(" \xE3\x80\x80 ").empty());
  CHECK(TrimWhiteSpace("甲") == "甲");
  CHECK(TrimWhiteSpace("甲 \xE3\x80") == "甲 \xE3\x80");  // a cut character is not white space
  CHECK(NormaliseText("Cafe\xCC\x81") == "Caf\xC3\xA9");
  CHECK(NormaliseText("\xFF") == "\xFF");  // not UTF-8: left for the rules to refuse
  CHECK(IsNfc("Caf\xC3\xA9"));
  CHECK_FALSE(IsNfc("Cafe\xCC\x81"));
  CHECK_FALSE(IsNfc("\xFF"));
  CHECK_THAT(CheckText("甲\xFF", TextKind::kMultiLine).message(), Catch::StartsWith("is not valid UTF-8 at byte 4"));
}

// IsNfcWhateverAround is a table of our own beside libutf8proc's: every code point in it must be a
// starter that NFC keeps, and no canonical decomposition may hold one after its first code point
// (the second of every composition pair is one), so no character before it can compose with it.
TEST_CASE("A code point NFC keeps whatever stands around it is so by libutf8proc, over every code point", "[events][text]") {
  constexpr utf8proc_int32_t kCodePointLast = 0x10FFFF;
  constexpr utf8proc_int32_t kSurrogateFirst = 0xD800, kSurrogateLast = 0xDFFF;
  size_t in_table = 0;
  for (utf8proc_int32_t cp = 0; cp <= kCodePointLast; ++cp) {
    if (cp >= kSurrogateFirst && cp <= kSurrogateLast) continue;
    utf8proc_int32_t parts[8];
    int boundclass = 0;
    const utf8proc_ssize_t n = utf8proc_decompose_char(cp, parts, 8, UTF8PROC_DECOMPOSE, &boundclass);
    REQUIRE(n >= 1);
    for (utf8proc_ssize_t i = 1; i < n; ++i) {
      INFO("U+" << std::hex << cp << " decomposes with U+" << parts[i] << " after its first code point");
      REQUIRE_FALSE(IsNfcWhateverAround(static_cast<char32_t>(parts[i])));
    }
    if (!IsNfcWhateverAround(static_cast<char32_t>(cp))) continue;
    ++in_table;
    INFO("U+" << std::hex << cp);
    REQUIRE(utf8proc_get_property(cp)->combining_class == 0);
    utf8proc_uint8_t alone[5] = {};
    const utf8proc_ssize_t bytes = utf8proc_encode_char(cp, alone);  // and a NUL after it
    utf8proc_uint8_t* nfc = utf8proc_NFC(alone);  // NUL-terminated: U+0000 is NFC's as it is
    REQUIRE(nfc != nullptr);
    const std::string kept(reinterpret_cast<const char*>(nfc));
    std::free(nfc);
    if (cp != 0) REQUIRE(kept == std::string(reinterpret_cast<const char*>(alone), static_cast<size_t>(bytes)));
  }
  CHECK(in_table == 0x300 + 0x2A + (0x9FFF - 0x4E00 + 1) + (0xFF5E - 0xFF01 + 1));
  // Text made of them is taken as NFC without normalising; one code point outside the table
  // sends it through NFC, and a composing mark after a code point in the table is refused.
  CHECK(CheckText("信用承诺（2026年）：按期履行、不拖欠", TextKind::kSingleLine).ok());
  const Status composed = CheckText("Cafe\xCC\x81", TextKind::kSingleLine);
  CHECK_FALSE(composed.ok());
  CHECK(composed.message().find("not in Unicode NFC at character 4") != std::string::npos);
  CHECK_FALSE(CheckText("\xEF\xA4\x80", TextKind::kSingleLine).ok());  // U+F900, which NFC writes U+8C48
}

// A new event's strings are checked by the text rules alone (events/checker.h): they must refuse
// every string the recorded-entry rule (IsValidNoteText) refuses.
TEST_CASE("The text rules refuse every string that is not UTF-8 without control characters", "[events][text]") {
  size_t refused = 0;
  auto both = [&](const std::string& text) {
    if (IsValidNoteText(text)) return;
    ++refused;
    INFO("bytes " << json(std::vector<uint8_t>(text.begin(), text.end())).dump());
    REQUIRE_FALSE(CheckText(text, TextKind::kMultiLine).ok());
  };
  for (int a = 0; a < 256; ++a) {
    both(std::string(1, static_cast<char>(a)));
    for (int b = 0; b < 256; ++b) {
      both({static_cast<char>(a), static_cast<char>(b)});
      // Three bytes after the lead bytes where overlong forms, surrogates and the end lie.
      for (int lead : {0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5}) {
        both({static_cast<char>(lead), static_cast<char>(a), static_cast<char>(b)});
        both({static_cast<char>(lead), static_cast<char>(a), static_cast<char>(b), '\x80'});
      }
    }
  }
  CHECK(refused > 500'000);
}
