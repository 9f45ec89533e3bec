// State::Digest covers the whole state, and State::Apply checks what it reads from disk.
//
// The digest serialises every struct through its Fields() (projections/state.h), whose
// structured binding stops compiling when a member is added and not named. This test walks the
// same Fields() from the State down, changes each member of each struct in turn and requires a
// different digest; every struct it meets must be named below (StructName), so a new struct is
// not covered silently either.
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>
#include <flatbuffers/idl.h>
#include <nlohmann/json.hpp>

#include "events/json.h"
#include "events/uscc.h"
#include "ledger/format.h"
#include "projections/state.h"

using namespace creditlog;
using namespace creditlog::projections;
using nlohmann::json;

namespace {

// ---------------------------------------------------------------- walking every member

template <typename T>
std::string_view StructName() {
  static_assert(sizeof(T) == 0, "a state struct this test does not know: name it here");
  return "";
}
template <> std::string_view StructName<State>() { return "State"; }
template <> std::string_view StructName<Words>() { return "Words"; }
template <> std::string_view StructName<SubjectState>() { return "SubjectState"; }
template <> std::string_view StructName<SubjectRecords>() { return "SubjectRecords"; }
template <> std::string_view StructName<Commitment>() { return "Commitment"; }
template <> std::string_view StructName<Penalty>() { return "Penalty"; }
template <> std::string_view StructName<Notice>() { return "Notice"; }
template <> std::string_view StructName<SeriousListing>() { return "SeriousListing"; }
template <> std::string_view StructName<Contract>() { return "Contract"; }
template <> std::string_view StructName<Repair>() { return "Repair"; }
template <> std::string_view StructName<RatingDay>() { return "RatingDay"; }
template <> std::string_view StructName<RulesetHistory>() { return "RulesetHistory"; }
template <> std::string_view StructName<RulesetHistory::Adopted>() { return "RulesetHistory::Adopted"; }
template <> std::string_view StructName<Ruleset>() { return "Ruleset"; }
template <> std::string_view StructName<Period>() { return "Period"; }
template <> std::string_view StructName<Objection>() { return "Objection"; }
template <> std::string_view StructName<Calendar>() { return "Calendar"; }
template <> std::string_view StructName<MeasureApplication>() { return "MeasureApplication"; }
template <> std::string_view StructName<MeasureDetail>() { return "MeasureDetail"; }
template <> std::string_view StructName<VerificationDuty>() { return "VerificationDuty"; }
template <> std::string_view StructName<IntegrityEntry>() { return "IntegrityEntry"; }
template <> std::string_view StructName<ServiceCase>() { return "ServiceCase"; }
constexpr size_t kStructs = 22;

template <typename T>
concept HasFields = requires(const T& value) { Fields(value); };
template <typename T>
concept Optional = std::same_as<T, std::optional<typename T::value_type>>;
template <typename T>
concept Vector = std::same_as<T, std::vector<typename T::value_type>>;
template <typename T>
concept Map = requires { typename T::key_type; typename T::mapped_type; };
template <typename T>
concept RecordsById = Map<T> && std::same_as<T, IdMap<typename T::mapped_type>>;
template <typename T>
concept Array = std::same_as<T, std::array<typename T::value_type, std::tuple_size<T>::value>>;

template <typename T>
concept SparseValue = requires(const T& value) { requires std::same_as<T, Sparse<std::remove_cvref_t<decltype(*value)>>>; };
template <typename T>
concept Pair = std::same_as<T, std::pair<typename T::first_type, typename T::second_type>>;

template <typename T>
using Report = std::function<void(const T& before, const T& after, const std::string& path)>;

struct Walk {
  std::set<std::string_view> structs;  // the struct types met
  size_t changes = 0;
};

template <typename T, size_t I>
void ForEachMemberChange(Walk& walk, const T& base, const std::string& path, const Report<T>& report);

// Calls report(before, after, path) for pairs of values of T that differ in exactly one leaf
// member, reached from `base` through Fields(), containers (given one default element) and
// optionals (given a value).
template <typename T>
void ForEachChange(Walk& walk, const T& base, const std::string& path, const Report<T>& report) {
  if constexpr (std::is_same_v<T, std::string>) {
    report(base, base + "x", path);
  } else if constexpr (std::is_same_v<T, Interned>) {
    report(base, Interned(base.str() + "x"), path);
  } else if constexpr (std::is_same_v<T, bool>) {
    report(base, !base, path);
  } else if constexpr (std::is_enum_v<T>) {
    report(base, static_cast<T>(static_cast<int>(base) + 1), path);
  } else if constexpr (std::is_integral_v<T>) {
    report(base, static_cast<T>(base + 1), path);
  } else if constexpr (Optional<T>) {
    using U = typename T::value_type;
    const U value = base.value_or(U{});
    if (!base) report(base, value, path + " (absent/present)");
    ForEachChange<U>(walk, value, path, [&](const U& before, const U& after, const std::string& p) { report(before, after, p); });
  } else if constexpr (std::is_same_v<T, OptDay>) {  // as the std::optional<Day> it replaces
    const Day value = base.value_or(Day{});
    if (!base) report(base, OptDay(value), path + " (absent/present)");
    report(OptDay(value), OptDay(value + 1), path);
  } else if constexpr (std::is_same_v<T, Day32>) {  // as the Day it replaces
    report(base, Day32(Day{base} + 1), path);
  } else if constexpr (std::is_same_v<T, OptSeq>) {  // as the std::optional<uint64_t> it replaces
    const uint64_t value = base ? *base : 0;
    if (!base) report(base, OptSeq(value), path + " (absent/present)");
    report(OptSeq(value), OptSeq(value + 1), path);
  } else if constexpr (SparseValue<T>) {
    using U = std::remove_cvref_t<decltype(*base)>;
    ForEachChange<U>(walk, *base, path + "->", [&](const U& before, const U& after, const std::string& p) {
      T b, a;
      b.mut() = before, a.mut() = after;
      report(b, a, p);
    });
  } else if constexpr (Vector<T>) {
    using U = typename T::value_type;
    T longer = base;
    longer.emplace_back();
    report(base, longer, path + "[+]");
    ForEachChange<U>(walk, U{}, path + "[0]", [&](const U& before, const U& after, const std::string& p) {
      T b = base, a = base;
      b.push_back(before), a.push_back(after);
      report(b, a, p);
    });
  } else if constexpr (RecordsById<T>) {  // keyed by each record's own id
    using V = typename T::mapped_type;
    T larger = base;
    larger.insert(V{});
    report(base, larger, path + "{+}");
    ForEachChange<V>(walk, V{}, path + "{record}", [&](const V& before, const V& after, const std::string& p) {
      T b = base, a = base;
      b.insert(before), a.insert(after);
      report(b, a, p);
    });
  } else if constexpr (Map<T>) {
    using K = typename T::key_type;
    using V = typename T::mapped_type;
    T larger = base;
    larger.emplace(K{}, V{});
    report(base, larger, path + "{+}");
    ForEachChange<K>(walk, K{}, path + "{key}", [&](const K& before, const K& after, const std::string& p) {
      T b = base, a = base;
      b.emplace(before, V{}), a.emplace(after, V{});
      report(b, a, p);
    });
    ForEachChange<V>(walk, V{}, path + "{value}", [&](const V& before, const V& after, const std::string& p) {
      T b = base, a = base;
      b.emplace(K{}, before), a.emplace(K{}, after);
      report(b, a, p);
    });
  } else if constexpr (Array<T>) {
    using U = typename T::value_type;
    for (size_t i = 0; i < base.size(); ++i) {
      ForEachChange<U>(walk, base[i], path + "[" + std::to_string(i) + "]",
                       [&](const U& before, const U& after, const std::string& p) {
                         T b = base, a = base;
                         b[i] = before, a[i] = after;
                         report(b, a, p);
                       });
    }
  } else if constexpr (HasFields<T>) {
    walk.structs.insert(StructName<T>());
    [&]<size_t... I>(std::index_sequence<I...>) {
      (ForEachMemberChange<T, I>(walk, base, path + "." + std::string(StructName<T>()) + "#" + std::to_string(I), report),
       ...);
    }(std::make_index_sequence<std::tuple_size_v<decltype(Fields(base))>>());
  } else if constexpr (Pair<T>) {  // Contract::payments, Contract::schedule
    using A = typename T::first_type;
    using B = typename T::second_type;
    ForEachChange<A>(walk, base.first, path + ".first", [&](const A& before, const A& after, const std::string& p) {
      report({before, base.second}, {after, base.second}, p);
    });
    ForEachChange<B>(walk, base.second, path + ".second", [&](const B& before, const B& after, const std::string& p) {
      report({base.first, before}, {base.first, after}, p);
    });
  } else {
    static_assert(sizeof(T) == 0, "a state member type this test cannot change: teach ForEachChange");
  }
}

// Member I of a copy of `object`. The copy is not const, so writing through Fields()'s const
// reference is well-defined.
template <typename T, size_t I>
auto& Member(T& object) {
  const auto& member = std::get<I>(Fields(std::as_const(object)));
  return const_cast<std::remove_cvref_t<decltype(member)>&>(member);
}

template <typename T, size_t I>
void ForEachMemberChange(Walk& walk, const T& base, const std::string& path, const Report<T>& report) {
  T copy = base;
  using M = std::remove_cvref_t<decltype(Member<T, I>(copy))>;
  ForEachChange<M>(walk, Member<T, I>(copy), path, [&](const M& before, const M& after, const std::string& p) {
    T b = base, a = base;
    Member<T, I>(b) = before;
    Member<T, I>(a) = after;
    report(b, a, p);
  });
}

// ---------------------------------------------------------------- events for Apply

std::filesystem::path Examples() { return std::filesystem::path(CREDITLOG_SOURCE_DIR) / "events/examples"; }

json Example(const std::string& type) {
  std::ifstream in(Examples() / (type + ".json"), std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

// The Event bytes for `event` as FlatBuffers' parser builds them, without ValidateEvent: what a
// damaged or altered store could hold.
Bytes Unvalidated(const json& event) {
  flatbuffers::IDLOptions options;
  options.strict_json = true;
  flatbuffers::Parser parser(options);
  const std::string schema(events::EventSchemaText());
  REQUIRE(parser.Parse(schema.c_str()));
  REQUIRE(parser.SetRootType("Event"));
  REQUIRE(parser.ParseJson(event.dump().c_str()));
  return Bytes(parser.builder_.GetBufferPointer(), parser.builder_.GetBufferPointer() + parser.builder_.GetSize());
}

// The date fields of event type `type`, from the schema: strings named *_date or *deadline.
std::vector<std::string> DateFields(const std::string& type) {
  static flatbuffers::Parser* schema = [] {
    auto* parser = new flatbuffers::Parser();
    const std::string text(events::EventSchemaText());
    if (!parser->Parse(text.c_str())) throw std::runtime_error(parser->error_);
    return parser;
  }();
  const flatbuffers::StructDef* table = schema->structs_.Lookup("creditlog.fb." + type);
  REQUIRE(table != nullptr);
  std::vector<std::string> out;
  for (const flatbuffers::FieldDef* field : table->fields.vec) {
    const bool named = field->name.ends_with("_date") || field->name.ends_with("deadline");
    if (named && field->value.type.base_type == flatbuffers::BASE_TYPE_STRING) out.push_back(field->name);
  }
  return out;
}

}  // namespace

TEST_CASE("Changing any member of any state struct changes the digest", "[digest]") {
  Walk walk;
  const State empty;
  ForEachChange<State>(walk, empty, "", [&](const State& before, const State& after, const std::string& path) {
    INFO(path);
    CHECK(before.Digest() != after.Digest());
    ++walk.changes;
  });
  CHECK(walk.structs.size() == kStructs);  // every named struct is reached from the State
  CHECK(walk.changes > 100);
}

TEST_CASE("A snapshot of a state reads back as that state: every member of every struct", "[digest][snapshot]") {
  Walk walk;
  const State empty;
  size_t checked = 0;
  ForEachChange<State>(walk, empty, "", [&](const State&, const State& after, const std::string& path) {
    INFO(path);
    const std::string bytes = after.Snapshot();
    auto read = State::FromSnapshot(bytes);
    REQUIRE(read.ok());
    CHECK(read->Digest() == after.Digest());
    // Cut anywhere, it is Corruption naming where, never a state.
    for (size_t cut : {size_t{0}, bytes.size() / 3, bytes.size() - 1}) {
      auto cut_short = State::FromSnapshot(std::string_view(bytes).substr(0, cut));
      REQUIRE_FALSE(cut_short.ok());
      CHECK(cut_short.status().code() == StatusCode::kCorruption);
      CHECK_THAT(cut_short.status().message(), Catch::Contains("at byte"));
    }
    ++checked;
  });
  CHECK(checked > 100);
}

TEST_CASE("Every adopted ruleset is part of the digest, not only the one in force last", "[digest]") {
  auto adoption = [](const std::string& version, const char* effective) {
    json rules = json::parse(std::string(DefaultRulesetJson()));
    rules["version"] = version;
    auto bytes = events::EventFromJson(json{{"event_id", "ruleset/" + version},
                                            {"subject", ""},
                                            {"body_type", "RulesetAdopted"},
                                            {"body", {{"version", version}, {"rules_json", rules.dump()}, {"effective_date", effective}}}}
                                           .dump());
    REQUIRE(bytes.ok());
    return *bytes;
  };
  const Bytes first = adoption("first", "2021-01-01"), other = adoption("other", "2021-01-01");
  const Bytes last = adoption("last", "2022-01-01");
  State a, b;
  REQUIRE(a.Apply(**events::ParseEvent(first), 0).ok());
  REQUIRE(b.Apply(**events::ParseEvent(other), 0).ok());
  REQUIRE(a.Apply(**events::ParseEvent(last), 1).ok());
  REQUIRE(b.Apply(**events::ParseEvent(last), 1).ok());
  CHECK(a.rulesets().At(std::numeric_limits<Day>::max())->rules.version == "last");
  CHECK(a.Digest() != b.Digest());
}

TEST_CASE("Every event type folds from its example, one with a date that is not a date is Corruption and changes nothing",
          "[digest][fold]") {
  size_t dates = 0;
  for (fb::EventBody type : fb::EnumValuesEventBody()) {
    if (type == fb::EventBody::NONE) continue;
    const std::string name = fb::EnumNameEventBody(type);
    INFO(name);
    const json example = Example(name);
    auto bytes = events::EventFromJson(example.dump());
    REQUIRE(bytes.ok());
    State folded;
    REQUIRE(folded.Apply(**events::ParseEvent(*bytes), 7).ok());
    CHECK(folded.applied() == 8);

    for (const std::string& field : DateFields(name)) {
      INFO(field);
      REQUIRE(example["body"].contains(field));  // the example shows every date its type has
      ++dates;
      json altered = example;
      altered["body"][field] = "2026-02-30";
      const Bytes altered_bytes = Unvalidated(altered);
      auto event = events::ParseEvent(altered_bytes);
      REQUIRE(event.ok());
      State state;
      const std::string digest = state.Digest();
      const Status status = state.Apply(**event, 7);
      CHECK(status.code() == StatusCode::kCorruption);
      CHECK(status.message().starts_with("seq 7: body." + field + ": "));
      CHECK(state.Digest() == digest);
      CHECK(state.applied() == 0);
    }
  }
  CHECK(dates >= 28);  // the schema's dates when this test was written: the walk found them
}

TEST_CASE("An event without a known body type, or with a severity that is not one, is Corruption", "[digest][fold]") {
  const std::string subject = events::MakeUscc("91", "370202", "MA3C4D5E");
  auto build = [&](fb::EventBody type, flatbuffers::FlatBufferBuilder& b, flatbuffers::Offset<void> body) {
    b.Finish(fb::CreateEvent(b, b.CreateString("fold/odd"), b.CreateString(subject), -1, 0, 0, type, body));
    return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  };
  State state;
  {
    flatbuffers::FlatBufferBuilder b;
    const flatbuffers::Offset<void> empty(b.EndTable(b.StartTable()));
    const Bytes none = build(fb::EventBody::NONE, b, empty);
    const Status status = state.Apply(**events::ParseEvent(none), 3);
    CHECK(status.code() == StatusCode::kCorruption);
    CHECK(status.message().starts_with("seq 3: body_type: NONE"));
  }
  {
    flatbuffers::FlatBufferBuilder b;
    const flatbuffers::Offset<void> empty(b.EndTable(b.StartTable()));
    const Bytes unknown = build(static_cast<fb::EventBody>(static_cast<int>(fb::EventBody::MAX) + 1), b, empty);
    const Status status = state.Apply(**events::ParseEvent(unknown), 3);
    CHECK(status.code() == StatusCode::kCorruption);
    CHECK_THAT(status.message(), Catch::Contains("is not an event type this build knows"));
  }
  {
    flatbuffers::FlatBufferBuilder b;
    const auto body = fb::CreatePenaltyDecidedDirect(b, "QF-1", "某公司", "罚款", "事实", "依据", "罚款", 100, 0, "2026-01-05",
                                                     subject.c_str(), nullptr, static_cast<fb::Severity>(9));
    const Bytes odd = build(fb::EventBody::PenaltyDecided, b, body.Union());
    const Status status = state.Apply(**events::ParseEvent(odd), 3);
    CHECK(status.code() == StatusCode::kCorruption);
    CHECK(status.message() == "seq 3: body.severity: 9 is not a severity, in a recorded event");
  }
  CHECK(state.applied() == 0);
  CHECK(state.subjects().empty());
}

TEST_CASE("A subject's rarer records are allocated only once it has one, and a snapshot keeps it so", "[digest][snapshot]") {
  State state;
  uint64_t seq = 0;
  auto fold = [&](const std::string& type) {
    auto bytes = events::EventFromJson(Example(type).dump());
    REQUIRE(bytes.ok());
    REQUIRE(state.Apply(**events::ParseEvent(*bytes), seq++).ok());
  };
  const std::string subject = Example("SubjectRegistered")["subject"];
  fold("SubjectRegistered");
  fold("CommitmentMade");
  fold("PenaltyDecided");
  REQUIRE(state.Subject(subject) != nullptr);
  CHECK(state.Subject(subject)->commitments.size() == 1);
  CHECK_FALSE(state.Subject(subject)->rare.allocated());  // a registration, a commitment, a penalty: no records
  CHECK(state.Subject(subject)->rare->notices.empty());   // read through the null pointer

  auto read = State::FromSnapshot(state.Snapshot());
  REQUIRE(read.ok());
  CHECK_FALSE(read->Subject(subject)->rare.allocated());

  fold("ListingNoticeIssued");
  REQUIRE(state.Subject(subject)->rare.allocated());
  CHECK(state.Subject(subject)->rare->notices.size() == 1);
  read = State::FromSnapshot(state.Snapshot());
  REQUIRE(read.ok());
  CHECK(read->Subject(subject)->rare.allocated());
  CHECK(read->Digest() == state.Digest());

  // A resolution of an objection the subject never filed changes nothing; whatever the fold
  // made for it, the snapshot reads the subject back without records.
  State unknown;
  auto resolved = events::EventFromJson(Example("ObjectionResolved").dump());
  REQUIRE(resolved.ok());
  REQUIRE(unknown.Apply(**events::ParseEvent(*resolved), 0).ok());
  REQUIRE(unknown.Subject(subject) != nullptr);
  CHECK(unknown.Subject(subject)->rare->objections.empty());
  read = State::FromSnapshot(unknown.Snapshot());
  REQUIRE(read.ok());
  CHECK_FALSE(read->Subject(subject)->rare.allocated());
  CHECK(read->Digest() == unknown.Digest());
}

namespace {

// `value` as 8 big-endian bytes, as the digest writes scalars (a negative day as its two's complement).
std::string BigEndian64(int64_t value) {
  std::string out;
  ledger::AppendBigEndian64(&out, static_cast<uint64_t>(value));
  return out;
}

}  // namespace

// A record's day that may be absent (OptDay, 4 bytes) is digested and snapshotted as the
// std::optional<Day> it replaced (16 bytes): a presence byte, then the day as 8 big-endian bytes.
// The bytes are pinned here, so a state's digest and its snapshot's format did not change with it.
TEST_CASE("An optional day is encoded as std::optional<Day> was: pinned canonical bytes", "[digest]") {
  auto text = [](const std::string& s) { return BigEndian64(static_cast<int64_t>(s.size())) + s; };
  // The first and last days of any four-digit year, far beyond the dates the log accepts.
  const Day first = events::DaysFromDate("0000-01-01"), last = events::DaysFromDate("9999-12-31");
  const Day signed_on = events::DaysFromDate("2026-11-30");
  REQUIRE(first < 0);
  Contract c;
  c.id = "HT-1", c.payer = "P", c.payee = "Q", c.amount_fen = 100, c.signed_on = signed_on;
  c.delivered = last;               // present
  c.term_days = 30, c.sme = true;
  c.arrears_cleared = first;        // present and negative
  c.seqs = {7};                     // arrears_recorded stays absent
  const std::string present(1, '\1'), absent(1, '\0');
  const std::string expected = text("HT-1") + text("P") + text("Q") + BigEndian64(100) + BigEndian64(signed_on) +
                               present + BigEndian64(last) +    // delivered
                               BigEndian64(30) + std::string(1, '\1') +  // term_days, sme (true)
                               BigEndian64(0) + BigEndian64(0) +  // no schedule, no payments
                               absent +                          // arrears_recorded
                               present + BigEndian64(first) +   // arrears_cleared
                               BigEndian64(1) + BigEndian64(7);  // seqs
  CHECK(Canonical(c) == expected);

  // It reads and writes as the optional it replaced.
  OptDay day;
  CHECK_FALSE(day.has_value());
  CHECK(day.value_or(5) == 5);
  day = signed_on;
  REQUIRE(day);
  CHECK(*day == signed_on);
  CHECK(std::optional<Day>(day) == std::optional<Day>(signed_on));
  day = std::nullopt;
  CHECK(day == OptDay{});
  CHECK(OptDay(std::optional<Day>()) == OptDay{});
  CHECK(OptDay::Fits(first));
  CHECK(OptDay::Fits(last));
  CHECK_FALSE(OptDay::Fits(std::numeric_limits<int32_t>::min()));
  CHECK_FALSE(OptDay::Fits(int64_t{std::numeric_limits<int32_t>::max()} + 1));
}

// A state of the example events of `types`, folded in order from seq 0.
State FoldExamples(std::initializer_list<const char*> types) {
  State state;
  uint64_t seq = 0;
  for (const char* type : types) {
    auto bytes = events::EventFromJson(Example(type).dump());
    REQUIRE(bytes.ok());
    REQUIRE(state.Apply(**events::ParseEvent(*bytes), seq++).ok());
  }
  return state;
}

TEST_CASE("A snapshot whose optional day does not fit in 32 bits is Corruption, not a state", "[digest][snapshot]") {
  const State state = FoldExamples({"SubjectRegistered", "CommitmentMade", "CommitmentVerified"});
  const std::string subject = Example("CommitmentVerified")["subject"];
  REQUIRE(state.Subject(subject) != nullptr);
  REQUIRE(state.Subject(subject)->commitments.size() == 1);
  const OptDay verified = state.Subject(subject)->commitments[0].verified;
  REQUIRE(verified);
  CHECK(*verified == events::DaysFromDate(Example("CommitmentVerified")["body"]["verified_date"].get<std::string>()));

  const std::string bytes = state.Snapshot();
  const std::string present = std::string(1, '\1') + BigEndian64(*verified);
  const size_t at = bytes.find(present);
  REQUIRE(at != std::string::npos);
  REQUIRE(bytes.find(present, at + 1) == std::string::npos);  // the one day of this value in the state
  REQUIRE(State::FromSnapshot(bytes).ok());
  for (int64_t bad : {int64_t{std::numeric_limits<int32_t>::min()}, int64_t{std::numeric_limits<int32_t>::max()} + 1}) {
    std::string corrupt = bytes;
    corrupt.replace(at + 1, 8, BigEndian64(bad));
    auto read = State::FromSnapshot(corrupt);
    REQUIRE_FALSE(read.ok());
    CHECK(read.status().code() == StatusCode::kCorruption);
    CHECK_THAT(read.status().message(), Catch::Contains("at byte"));
  }
}

TEST_CASE("Contracts are digested and snapshotted in key order, whatever order their table holds them in", "[digest][snapshot]") {
  // The contracts are a hash table (ContractMap): its order depends on its history, the bytes must not.
  auto contracts = [](State& s) -> ContractMap& { return const_cast<ContractMap&>(std::get<1>(Fields(std::as_const(s)))); };
  State forward, backward;
  contracts(backward).rehash(1000);
  constexpr int kContracts = 40;
  auto contract = [](int i) {
    Contract c;
    c.id = "HT-" + std::to_string(i);
    c.payer = "payer", c.payee = "payee";
    c.amount_fen = i;
    return c;
  };
  for (int i = 0; i < kContracts; ++i) contracts(forward).emplace(contract(i).id, contract(i));
  for (int i = kContracts - 1; i >= 0; --i) contracts(backward).emplace(contract(i).id, contract(i));
  auto order = [&](State& s) {
    std::vector<std::string> ids;
    for (const auto& [id, c] : contracts(s)) ids.push_back(id);
    return ids;
  };
  REQUIRE(order(forward) != order(backward));  // the tables do hold them in different orders
  CHECK(forward.Digest() == backward.Digest());
  const std::string bytes = backward.Snapshot();
  CHECK(bytes == forward.Snapshot());
  auto read = State::FromSnapshot(bytes);
  REQUIRE(read.ok());
  CHECK(read->Digest() == forward.Digest());
  REQUIRE(read->FindContract("HT-7") != nullptr);
  CHECK(read->FindContract("HT-7")->amount_fen == 7);
  CHECK(read->FindContract(std::string_view("HT-70").substr(0, 4)) != nullptr);  // looked up by a view, no copy

  // Keys that do not ascend were not written by Snapshot: Corruption, not a state.
  State two;
  contracts(two).emplace("HT-A", contract(1));
  contracts(two).emplace("HT-B", contract(2));
  std::string swapped = two.Snapshot();
  const size_t a = swapped.find("HT-A"), b = swapped.find("HT-B");  // each key; the contracts' own ids are HT-1, HT-2
  REQUIRE(a != std::string::npos);
  REQUIRE(b != std::string::npos);
  REQUIRE(a < b);
  swapped[a + 3] = 'B';
  swapped[b + 3] = 'A';
  auto refused = State::FromSnapshot(swapped);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kCorruption);
}

TEST_CASE("Subjects and service cases are keyed by their own ids: a copy keys its own records and a snapshot key that is not its record's id is Corruption as is a registration seq that no entry has",
          "[digest][snapshot]") {
  // Each key is a view of the id in its own node (IdMap): the id is held once.
  auto keyed_by_own_id = [](const auto& map) {
    for (const auto& [key, record] : map) {
      if (key.data() != record.id.data() || key != record.id) return false;
    }
    return true;
  };
  auto original = std::make_unique<IdMap<ServiceCase>>();
  for (const char* id : {"CASE-longer-than-a-short-string-3", "CASE-1", "CASE-2"}) {
    ServiceCase c;
    c.id = id, c.matter = std::string("matter of ") + id;
    REQUIRE(original->insert(std::move(c)).second);
  }
  ServiceCase again;
  again.id = "CASE-1", again.matter = "another";
  CHECK_FALSE(original->insert(again).second);  // the first record under an id stays
  REQUIRE(original->size() == 3);
  CHECK(original->find("CASE-1")->second.matter == "matter of CASE-1");
  CHECK(keyed_by_own_id(*original));
  IdMap<ServiceCase> copy = *original;
  IdMap<ServiceCase> assigned;
  assigned = *original;
  original.reset();  // the copies' keys must not view the original's records
  for (const IdMap<ServiceCase>* map : {&copy, &assigned}) {
    CHECK(keyed_by_own_id(*map));
    std::vector<std::string> ids;
    for (const auto& [key, record] : *map) ids.emplace_back(key);
    CHECK(ids == std::vector<std::string>{"CASE-1", "CASE-2", "CASE-longer-than-a-short-string-3"});
    CHECK(map->find("CASE-longer-than-a-short-string-3")->second.matter == "matter of CASE-longer-than-a-short-string-3");
  }

  // A state's copy outlives the state it was copied from.
  auto state = std::make_unique<State>();
  auto bytes = events::EventFromJson(Example("SubjectRegistered").dump());
  REQUIRE(bytes.ok());
  REQUIRE(state->Apply(**events::ParseEvent(*bytes), 0).ok());
  const std::string subject = Example("SubjectRegistered")["subject"];
  const std::string digest = state->Digest();
  State copied = *state;
  state.reset();
  CHECK(keyed_by_own_id(copied.subjects()));
  REQUIRE(copied.Subject(subject) != nullptr);
  CHECK(copied.Subject(subject)->id == subject);
  CHECK(copied.Digest() == digest);

  // The snapshot writes each key, then its record (whose id comes first): a record whose id is
  // not its key was not written by Snapshot.
  const std::string snapshot = copied.Snapshot();
  REQUIRE(State::FromSnapshot(snapshot).ok());
  const size_t key = snapshot.find(subject);
  REQUIRE(key != std::string::npos);
  const size_t id = snapshot.find(subject, key + 1);
  REQUIRE(id == key + subject.size() + 8);  // the id's length, then the id
  std::string other = snapshot;
  other[id + subject.size() - 1] = other[id + subject.size() - 1] == '0' ? '1' : '0';
  auto read = State::FromSnapshot(other);
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().code() == StatusCode::kCorruption);
  CHECK_THAT(read.status().message(), Catch::Contains("at byte"));

  // The registration's seq (OptSeq, 8 bytes) is written as the std::optional<uint64_t> it
  // replaced: after the id, the name and the kind, a presence byte and the seq (0 here). The
  // largest seq stands for none in memory, so no entry has it: Corruption.
  const std::string name = copied.Subject(subject)->name;
  const size_t registered = id + subject.size() + 8 + name.size() + 8;
  REQUIRE(snapshot.substr(id + subject.size() + 8, name.size()) == name);
  CHECK(snapshot.substr(registered, 9) == std::string(1, '\1') + BigEndian64(0));
  std::string none = snapshot;
  none.replace(registered + 1, 8, std::string(8, '\xff'));
  read = State::FromSnapshot(none);
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().code() == StatusCode::kCorruption);
}

TEST_CASE("A commitment's days are 4 bytes in memory and 8 in the digest and the snapshot as Day was", "[digest][snapshot]") {
  const State state = FoldExamples({"SubjectRegistered", "CommitmentMade", "CommitmentVerified"});
  const nlohmann::json made = Example("CommitmentMade")["body"];
  const Commitment& c = state.Subject(Example("CommitmentMade")["subject"].get<std::string>())->commitments.at(0);
  CHECK(c.made == events::DaysFromDate(made["made_date"].get<std::string>()));
  CHECK(c.deadline == events::DaysFromDate(made["deadline"].get<std::string>()));
  REQUIRE(c.verified);
  auto text = [](const std::string& s) { return BigEndian64(static_cast<int64_t>(s.size())) + s; };
  // The digest's order: id, type, matter, made, deadline, verified, ... whatever the members' order in memory.
  const std::string pinned = text(c.id) + BigEndian64(static_cast<int64_t>(c.type)) + text(c.matter) + BigEndian64(c.made) +
                             BigEndian64(c.deadline) + std::string(1, '\1') + BigEndian64(*c.verified);
  const std::string bytes = state.Snapshot();
  const size_t at = bytes.find(pinned);
  REQUIRE(at != std::string::npos);
  REQUIRE(State::FromSnapshot(bytes).ok());
  // A day beyond 32 bits was not written by Snapshot.
  std::string corrupt = bytes;
  const size_t made_at = at + pinned.size() - 9 - 16;
  corrupt.replace(made_at, 8, BigEndian64(int64_t{1} << 40));
  auto read = State::FromSnapshot(corrupt);
  REQUIRE_FALSE(read.ok());
  CHECK(read.status().code() == StatusCode::kCorruption);
}
