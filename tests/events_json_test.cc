#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "events/event.h"
#include "events/json.h"
#include "events/labels.h"
#include "events/uscc.h"

using namespace creditlog;
using namespace creditlog::events;
using nlohmann::json;

namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

json Example(const std::string& type) {
  return json::parse(ReadFile(std::filesystem::path(CREDITLOG_SOURCE_DIR) / "events/examples" / (type + ".json")));
}

Status Check(const json& event) { return EventFromJson(event.dump()).status(); }

}  // namespace

TEST_CASE("Every event type has an example that round-trips JSON to binary to JSON", "[events]") {
  int types = 0;
  for (int t = static_cast<int>(fb::EventBody::MIN) + 1; t <= static_cast<int>(fb::EventBody::MAX); ++t, ++types) {
    const std::string type(EventTypeName(static_cast<fb::EventBody>(t)));
    INFO(type);
    const json example = Example(type);
    auto bytes = EventFromJson(example.dump());
    REQUIRE(bytes.ok());
    auto event = ParseEvent(*bytes);
    REQUIRE(event.ok());
    REQUIRE((*event)->body_type() == static_cast<fb::EventBody>(t));
    auto text = EventToJson(*bytes);
    REQUIRE(text.ok());
    const json back = json::parse(*text);
    REQUIRE(back["body_type"] == type);
    REQUIRE(back["event_id"] == example["event_id"]);
    for (const auto& [field, value] : example["body"].items()) REQUIRE(back["body"][field] == value);
    // JSON printed from binary parses back to an event that prints the same.
    auto again = EventFromJson(*text);
    REQUIRE(again.ok());
    REQUIRE(*EventToJson(*again) == *text);
  }
  REQUIRE(types == 33);  // one per event type
}

TEST_CASE("Impossible dates are rejected naming the field", "[events]") {
  for (const char* date : {"2026-02-29", "2024-02-30", "2026-13-01", "2026-1-1", "1800-01-01", "2026-04-31"}) {
    json e = Example("CommitmentMade");
    e["body"]["deadline"] = date;
    Status s = Check(e);
    INFO(date << ": " << s.message());
    REQUIRE(s.code() == StatusCode::kInvalidArgument);
    REQUIRE_THAT(s.message(), Catch::StartsWith("body.deadline:") && Catch::Contains("calendar date"));
  }
  json leap = Example("CommitmentMade");
  leap["body"]["deadline"] = "2028-02-29";
  REQUIRE(Check(leap).ok());
  json backwards = Example("CommitmentMade");
  backwards["body"]["deadline"] = "2025-02-01";  // the example's commitment is made on 2025-03-01
  REQUIRE_THAT(Check(backwards).message(), Catch::Contains("before body.made_date"));
}

TEST_CASE("Money must be integer fen within limits", "[events]") {
  json e = Example("PenaltyDecided");
  e["body"]["fine_fen"] = -5;
  REQUIRE_THAT(Check(e).message(), Catch::StartsWith("body.fine_fen: -5 is negative"));
  e["body"]["fine_fen"] = kAmountFenMax + 1;
  REQUIRE_THAT(Check(e).message(), Catch::StartsWith("body.fine_fen:") && Catch::Contains("exceeds"));
  e["body"]["fine_fen"] = 12.5;
  REQUIRE_FALSE(Check(e).ok());
}

TEST_CASE("Strings over their limit and bad text are rejected", "[events]") {
  json e = Example("PenaltyDecided");
  e["body"]["facts"] = std::string(kTextBytesMax + 1, 'x');
  REQUIRE_THAT(Check(e).message(), Catch::StartsWith("body.facts:") && Catch::Contains("limit"));
  e = Example("PenaltyDecided");
  e["body"]["subject_name"] = "";
  REQUIRE_THAT(Check(e).message(), Catch::StartsWith("body.subject_name: is required"));
  e = Example("ServiceRated");
  e["body"]["rating"] = 9;
  REQUIRE_THAT(Check(e).message(), Catch::StartsWith("body.rating: 9 is outside 1..5"));
  e = Example("ContractSigned");
  e["body"]["payment_term_days"] = 61;  // the example's counterparty is a small or medium enterprise
  REQUIRE_THAT(Check(e).message(), Catch::StartsWith("body.payment_term_days:") && Catch::Contains("maximum of 60"));
  e["body"]["counterparty_is_sme"] = false;
  e["body"].erase("schedule");
  REQUIRE(Check(e).ok());  // the cap is the SME regulation's
  e["body"]["payment_term_days"] = kPaymentTermDaysAnyMax + 1;
  REQUIRE_THAT(Check(e).message(), Catch::StartsWith("body.payment_term_days:"));
  e = Example("CommitmentMade");
  e["event_id"] = "has space";
  REQUIRE_THAT(Check(e).message(), Catch::StartsWith("event_id:"));
}

TEST_CASE("Unknown types, unknown fields, missing fields and bad JSON are rejected", "[events]") {
  json e = Example("ServiceRated");
  e["body_type"] = "CreditScoreChanged";
  REQUIRE(Check(e).code() == StatusCode::kInvalidArgument);
  e = Example("ServiceRated");
  e["body"]["stars"] = 5;
  REQUIRE_THAT(Check(e).message(), Catch::Contains("stars"));
  e = Example("ServiceRated");
  e["body"].erase("matter");
  REQUIRE_THAT(Check(e).message(), Catch::Contains("matter"));
  REQUIRE_THAT(EventFromJson("{\"event_id\": ").status().message(), Catch::StartsWith("event JSON:"));
  REQUIRE(EventFromJson(std::string(kEventJsonBytesMax + 1, ' ')).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Subjects must be valid USCCs unless overridden with a reason", "[events]") {
  json e = Example("ServiceRated");
  std::string bad = e["subject"];
  bad[17] = bad[17] == '0' ? '1' : '0';
  e["subject"] = bad;
  Status s = Check(e);
  REQUIRE_THAT(s.message(), Catch::StartsWith("subject:") && Catch::Contains("uscc_override"));
  e["uscc_override"] = {{"codes", {bad}}, {"reason", "早期试点代码，经登记机关确认合法"}};
  REQUIRE(Check(e).ok());
  e["uscc_override"]["reason"] = "";
  REQUIRE_FALSE(Check(e).ok());
  json admin = Example("KeyRevoked");
  admin["subject"] = Example("ServiceRated")["subject"];
  REQUIRE_THAT(Check(admin).message(), Catch::StartsWith("subject: must be empty"));
}

TEST_CASE("Dates convert to and from day numbers", "[events]") {
  REQUIRE(DaysFromDate("1970-01-01") == 0);
  REQUIRE(DaysFromDate("2026-11-24") - DaysFromDate("2025-11-24") == 365);
  for (int64_t d = -30000; d < 80000; d += 7) REQUIRE(DaysFromDate(DateFromDays(d)) == d);
}

TEST_CASE("Adding calendar months clamps to the end of shorter months", "[events]") {
  auto add = [](const char* date, int months) { return DateFromDays(AddMonthsToDays(DaysFromDate(date), months)); };
  REQUIRE(add("2026-01-31", 1) == "2026-02-28");
  REQUIRE(add("2028-01-31", 1) == "2028-02-29");
  REQUIRE(add("2026-03-15", -3) == "2025-12-15");
  REQUIRE(add("2026-03-15", 12) == "2027-03-15");
  REQUIRE(add("2024-02-29", 12) == "2025-02-28");
  REQUIRE(add("2000-02-29", -12) == "1999-02-28");
  REQUIRE(add("2026-12-31", 2) == "2027-02-28");
  REQUIRE(add("2026-01-01", -1) == "2025-12-01");
  REQUIRE(add("2026-05-31", -15) == "2025-02-28");
  // Against the month arithmetic done on the written date, over a century of days.
  for (int64_t d = DaysFromDate("1950-01-01"); d < DaysFromDate("2050-01-01"); d += 3) {
    const std::string date = DateFromDays(d);
    const int year = std::stoi(date.substr(0, 4)), month = std::stoi(date.substr(5, 2)), day = std::stoi(date.substr(8, 2));
    for (int months : {-121, -25, -13, -12, -1, 0, 1, 11, 12, 36, 120}) {
      const int total = year * 12 + (month - 1) + months;
      char first[32];
      std::snprintf(first, sizeof first, "%04d-%02d-01", total / 12, total % 12 + 1);
      // The same day of the target month, or its last day.
      int64_t expected = DaysFromDate(first) + day - 1;
      while (DateFromDays(expected).substr(0, 7) != std::string(first).substr(0, 7)) --expected;
      REQUIRE(AddMonthsToDays(d, months) == expected);
    }
  }
}

// Found by fuzz_event_json after 7.7M runs: FlatBuffers' parser, reused across calls, kept
// part of its state after each failed parse, so a long run of bad input (a CSV import, a
// fuzzer) grew without bound until a 2.7 GB allocation. Each failure now starts a fresh parser.
TEST_CASE("Bad event JSON again and again does not grow memory", "[events]") {
  // A ContractSigned cut inside its schedule (by a NUL byte): every field before it was parsed.
  const std::string example = ReadFile(std::filesystem::path(CREDITLOG_SOURCE_DIR) / "events/examples/ContractSigned.json");
  const std::string bad = example.substr(0, example.find("\"due_days")) + std::string("\"due\0\"", 6);
  auto peak_kib = [] {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
  };
  REQUIRE_FALSE(EventFromJson(bad).ok());
  const long before = peak_kib();
  for (int i = 0; i < 5'000; ++i) REQUIRE_FALSE(EventFromJson(bad).ok());
#ifdef CREDITLOG_ASAN
  (void)before;  // AddressSanitizer keeps freed memory in quarantine: peak memory says nothing there
#else
  CHECK(peak_kib() - before < 2 * 1024);
#endif
  // And the parser still parses.
  CHECK(EventFromJson(example).ok());
}

// ---------------------------------------------------------------- the forms people write

namespace {

// The example as a person writes it: pretty-printed, two spaces, one field per line.
std::string Pretty(const json& event) { return event.dump(2); }

// The 1-based line of `text` holding `needle` first.
size_t LineOf(const std::string& text, const std::string& needle) {
  const size_t at = text.find(needle);
  REQUIRE(at != std::string::npos);
  return static_cast<size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n')) + 1;
}

json Parsed(const Result<Bytes>& bytes) {
  REQUIRE(bytes.ok());
  return json::parse(*EventToJson(*bytes));
}

}  // namespace

TEST_CASE("A public key may be given as base64, as keys generate prints it", "[events][json]") {
  const json example = Example("AgencyKeyRegistered");
  const Bytes key = example["body"]["public_key"].get<Bytes>();
  json as_text = example;
  as_text["body"]["public_key"] = Base64Encode(key);
  // The same event, byte for byte, as with the array of numbers (which keeps working).
  auto from_text = EventFromJson(as_text.dump());
  REQUIRE(from_text.ok());
  REQUIRE(*from_text == *EventFromJson(example.dump()));
  // Every byte field takes it: the key a rotation replaces, a revoked key, the genesis keys.
  as_text["body"]["replaces_public_key"] = Base64Encode(Bytes(32, 7));
  REQUIRE(Parsed(EventFromJson(as_text.dump()))["body"]["replaces_public_key"] == json(Bytes(32, 7)));
  json revoked = Example("KeyRevoked");
  revoked["body"]["public_key"] = Base64Encode(key);
  REQUIRE(Parsed(EventFromJson(revoked.dump()))["body"]["public_key"] == json(key));
  json genesis = Example("Genesis");
  genesis["body"]["root_public_key"] = Base64Encode(genesis["body"]["root_public_key"].get<Bytes>());
  REQUIRE(EventFromJson(genesis.dump()).ok());
  // Not base64, or the wrong length: refused naming the field and its line.
  as_text["body"]["public_key"] = "not base64!";
  const std::string text = Pretty(as_text);
  size_t line = 0;
  Status bad = EventFromJson(text, &line).status();
  REQUIRE_THAT(bad.message(), Catch::StartsWith("body.public_key: 'not base64!' is not standard base64"));
  REQUIRE(line == LineOf(text, "\"public_key\""));
  as_text["body"]["public_key"] = Base64Encode(Bytes(31, 1));
  REQUIRE_THAT(EventFromJson(as_text.dump()).status().message(), Catch::StartsWith("body.public_key:"));
}

TEST_CASE("A wrong field name is refused with its path, its line and the nearest name", "[events][json]") {
  json e = Example("PenaltyDecided");
  e["body"]["fine"] = e["body"]["fine_fen"];
  e["body"].erase("fine_fen");
  const std::string text = Pretty(e);
  size_t line = 0;
  Status s = EventFromJson(text, &line).status();
  REQUIRE(s.code() == StatusCode::kInvalidArgument);
  REQUIRE(s.message() == "body.fine: unknown field; did you mean fine_fen?");
  REQUIRE(line == LineOf(text, "\"fine\""));
  // A near miss anywhere: a misspelt top-level field, a wrong case.
  json top = Example("ServiceRated");
  top["evnt_id"] = top["event_id"];
  top.erase("event_id");
  REQUIRE(Check(top).message() == "evnt_id: unknown field; did you mean event_id?");
  json cased = Example("CommitmentMade");
  cased["body"]["Deadline"] = cased["body"]["deadline"];
  cased["body"].erase("deadline");
  REQUIRE(Check(cased).message() == "body.Deadline: unknown field; did you mean deadline?");
  // Nothing near: the fields of the table are listed.
  json far = Example("PaymentMade");
  far["body"]["zzzzzz"] = 1;
  REQUIRE_THAT(Check(far).message(), Catch::StartsWith("body.zzzzzz: unknown field; the fields of PaymentMade are contract_id, amount_fen, paid_date"));
  // The parser's grammar never shows through.
  for (const json& refused : {e, top, cased, far}) {
    const std::string message = Check(refused).message();
    INFO(message);
    REQUIRE_THAT(message, !Catch::Contains("error:") && !Catch::Contains("trivial ASCII"));
  }
}

TEST_CASE("An enum value is taken by its Chinese name, and a wrong one lists the accepted values", "[events][json]") {
  json e = Example("PenaltyDecided");
  e["body"]["discretion"] = "从轻处罚";
  e["body"]["severity"] = "严重";
  REQUIRE(Parsed(EventFromJson(e.dump()))["body"]["discretion"] == "Lighter");
  REQUIRE(*EventFromJson(e.dump()) == *EventFromJson(Example("PenaltyDecided").dump()));
  e["body"]["discretion"] = "从轻";  // the short form of the 双公示 exports
  REQUIRE(Parsed(EventFromJson(e.dump()))["body"]["discretion"] == "Lighter");
  e["body"]["discretion"] = "不予处罚";
  e["body"]["fine_fen"] = 0;
  e["body"]["confiscated_fen"] = 0;
  REQUIRE(Parsed(EventFromJson(e.dump()))["body"]["discretion"] == "NoPenalty");
  json rating = Example("ServiceRated");
  rating["body"]["channel"] = "网上";
  REQUIRE(Parsed(EventFromJson(rating.dump()))["body"]["channel"] == "Online");

  e["body"]["discretion"] = "不处罚";
  const std::string text = Pretty(e);
  size_t line = 0;
  Status s = EventFromJson(text, &line).status();
  REQUIRE(s.message() ==
          "body.discretion: '不处罚' is not a Discretion value; accepted: Standard (标准), NoPenalty (不予处罚), "
          "Mitigated (减轻处罚), Lighter (从轻处罚), Heavier (从重处罚)");
  REQUIRE(line == LineOf(text, "\"discretion\""));
  e["body"]["discretion"] = "lighter";
  REQUIRE_THAT(Check(e).message(), Catch::StartsWith("body.discretion: 'lighter' is not a Discretion value; did you mean Lighter?"));
  json made = Example("CommitmentMade");
  made["body"]["commitment_type"] = true;
  REQUIRE_THAT(Check(made).message(), Catch::StartsWith("body.commitment_type: true is not a CommitmentType value; accepted: ApprovalSubstitute (审批替代型（告知承诺）)"));
}

TEST_CASE("Chinese enum names are the console's", "[events][json]") {
  // web/i18n.js labels the values the console shows; the catalogue here must say the same.
  const std::string i18n = ReadFile(std::filesystem::path(CREDITLOG_SOURCE_DIR) / "web/i18n.js");
  const std::map<std::string, std::string> prefixes = {
      {"CommitmentType", "ctype."}, {"Severity", "severity."}, {"Discretion", "discretion."}, {"ListKind", "list."}};
  int compared = 0;
  for (const EnumLabel& label : EnumLabels()) {
    auto prefix = prefixes.find(std::string(label.enum_name));
    if (prefix == prefixes.end()) continue;
    const std::string key = "'" + prefix->second + std::string(label.value) + "': '";
    const size_t at = i18n.find(key);  // the Chinese table comes first
    if (at == std::string::npos) continue;
    const size_t begin = at + key.size();
    INFO(key);
    REQUIRE(i18n.substr(begin, i18n.find('\'', begin) - begin) == label.chinese);
    ++compared;
  }
  REQUIRE(compared >= 18);  // the values of CommitmentType, Severity, Discretion and ListKind
  // Every value of every enum of the schema has a label.
  auto labelled = [](std::string_view enum_name, const char* const* names) {
    for (; *names != nullptr; ++names) {
      INFO(enum_name << "." << *names);
      if (**names != '\0') REQUIRE_FALSE(ChineseLabel(enum_name, *names).empty());
    }
  };
  labelled("SubjectKind", fb::EnumNamesSubjectKind());
  labelled("CommitmentType", fb::EnumNamesCommitmentType());
  labelled("Severity", fb::EnumNamesSeverity());
  labelled("Discretion", fb::EnumNamesDiscretion());
  labelled("ListKind", fb::EnumNamesListKind());
  labelled("ServiceChannel", fb::EnumNamesServiceChannel());
}

TEST_CASE("Wrong kinds of value, a bad event type and a missing field name their path and line", "[events][json]") {
  json e = Example("PenaltyDecided");
  e["body"]["fine_fen"] = "五百";
  REQUIRE(Check(e).message() == "body.fine_fen: expected a whole number, found the text '五百'");
  e["body"]["fine_fen"] = "50000";  // digits in quotes were always taken
  REQUIRE(Check(e).ok());
  e["body"]["fine_fen"] = true;
  REQUIRE(Check(e).message() == "body.fine_fen: expected a whole number, found true");
  e = Example("PenaltyDecided");
  e["body"]["facts"] = 5;
  REQUIRE(Check(e).message() == "body.facts: expected text in quotes, found 5");
  e = Example("PenaltyDecided");
  e["body"].erase("facts");
  REQUIRE(Check(e).message() == "body.facts: is required");
  json rating = Example("ServiceRated");
  rating["body"]["rating"] = 300;
  REQUIRE(Check(rating).message() == "body.rating: 300 does not fit (0..255)");
  e = Example("PenaltyDecided");
  e["body_type"] = "PenaltyDecide";
  const std::string text = Pretty(e);
  size_t line = 0;
  REQUIRE(EventFromJson(text, &line).status().message() == "body_type: 'PenaltyDecide' is not an event type; did you mean PenaltyDecided?");
  REQUIRE(line == LineOf(text, "\"body_type\""));
  e.erase("body_type");
  REQUIRE_THAT(Check(e).message(), Catch::StartsWith("body: has no body_type beside it"));
  json contract = Example("ContractSigned");
  contract["body"]["schedule"][0].erase("amount_fen");
  REQUIRE_THAT(Check(contract).message(), Catch::StartsWith("body.schedule[0].amount_fen: is required"));
}

TEST_CASE("Errors found after parsing are placed on their field's line", "[events][json]") {
  json e = Example("CommitmentMade");
  e["body"]["deadline"] = "2026-02-30";
  const std::string text = Pretty(e);
  size_t line = 0;
  REQUIRE_THAT(EventFromJson(text, &line).status().message(), Catch::StartsWith("body.deadline:"));
  REQUIRE(line == LineOf(text, "\"deadline\""));
  // JSON that is not JSON: the parser's line, in plain words.
  const std::string cut = text.substr(0, text.rfind('}'));
  Status s = EventFromJson(cut, &line).status();
  REQUIRE(s.message() == "event JSON: expected ',', found end of file");
  REQUIRE_THAT(s.message(), !Catch::Contains("error:"));
  REQUIRE(line >= LineOf(text, "\"deadline\""));
  REQUIRE(EventFromJson("", &line).status().message() == "event JSON: the event JSON is empty");
  // Whatever is broken, the parser's grammar and position never show through.
  for (const std::string& broken : {std::string("{\"event_id\": \"a\tb\"}"), std::string("{\"event_id\": 'a' 'b'}"),
                                   std::string("{\"event_id\": \"\\q\"}"), std::string("{\"event_id\": \"\xff\"}"), std::string("[1]")}) {
    const std::string message = EventFromJson(broken, &line).status().message();
    INFO(broken << " → " << message);
    REQUIRE_THAT(message, Catch::StartsWith("event JSON: ") && !Catch::Contains("error:"));
    REQUIRE_THAT(message, !Catch::Matches(".*[0-9]+: [0-9]+:.*"));
  }
}
