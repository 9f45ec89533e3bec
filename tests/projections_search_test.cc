// The search index (projections/search_index.h) against a scan of every subject: the same hits
// for every fragment of every name, renames, divisions, payees and copies of the state; and the
// Chinese numerals generated names use (第一千零五中学) at a city's scale.
#include <algorithm>
#include <set>

#include <catch2/catch.hpp>

#include "ledger/format.h"
#include "projections/words.h"
#include "story_fixture.h"

using namespace creditlog;
using namespace creditlog::projections;
using namespace creditlog::testing;

namespace {

// The same, by a scan of every subject, in the index's order for comparison.
std::vector<std::string> Scanned(const State& state, std::string_view query) {
  std::vector<std::string> ids;
  for (const auto& [id, s] : state.subjects()) {
    if (s.kind != fb::SubjectKind::CivilServant && !query.empty() && s.name.find(query) != std::string::npos) ids.emplace_back(id);
  }
  return ids;
}

std::vector<std::string> Sorted(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> InDivision(const State& state, std::string_view digits) {
  std::vector<std::string> ids;
  state.search().ForEachInDivision(digits, [&](const SubjectState& s) {
    ids.push_back(s.id);
    return true;
  });
  return ids;
}

// Every substring of `text` that starts and ends on a character boundary.
std::vector<std::string> Fragments(const std::string& text) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(text.size());
  std::vector<std::string> out;
  for (size_t a = 0; a + 1 < starts.size(); ++a) {
    for (size_t b = a + 1; b < starts.size(); ++b) out.push_back(text.substr(starts[a], starts[b] - starts[a]));
  }
  return out;
}

const char* kNames[] = {"青岛蓝海食品有限公司", "青岛海蓝食品有限公司", "山东ABC科技有限公司", "崂山茶业合作社", "蓝蓝蓝商贸",
                        "青岛北方建材有限公司", "北京青岛办事处", "abc便利店"};

}  // namespace

TEST_CASE("search index: every fragment of every name finds what a scan finds", "[search]") {
  Story story;
  for (int i = 0; i < 8; ++i) story.Register(Uscc(i % 2 ? "370202" : "370211", 600 + i), "Enterprise", kNames[i]);
  story.At(kCompany, "2026-11-30");
  const State& state = story.state_;

  std::set<std::string> queries;
  for (const char* name : kNames) {
    for (const std::string& fragment : Fragments(name)) queries.insert(fragment);
  }
  // Pairs that every name lacks, and pairs each present in some name but not together.
  for (const char* miss : {"蓝品", "海海", "青岛北京", "食品青岛", "ABCD", "abc科技", "无此企业", "x", "有限公司有限"}) queries.insert(miss);
  for (const std::string& q : queries) {
    INFO("query " << q);
    const std::vector<std::string> hits = NameHits(state, q);
    CHECK(Sorted(hits) == Scanned(state, q));
    CHECK(std::set<std::string>(hits.begin(), hits.end()).size() == hits.size());  // each subject once
  }
  CHECK(NameHits(state, "蓝蓝").size() == 1);
  CHECK(NameHits(state, "有限公司").size() == 5);  // the story's own company and four of these
  CHECK(NameHits(state, "青岛北京").empty());
  CHECK(NameHits(state, "").empty());
  // In the order the subjects entered the log.
  const std::vector<std::string> food = NameHits(state, "食品");
  REQUIRE(food.size() == 3);
  CHECK(food == std::vector<std::string>{kCompany, Uscc("370211", 600), Uscc("370202", 601)});
}

TEST_CASE("search index: a renamed subject is found by its new name only, and a penalty names it until registered", "[search]") {
  Story story(false);  // a log from before registration came first (projections/admission.h)
  const std::string firm = Uscc("370203", 700);
  // A penalty names its subject (行政相对人名称) before any registration does.
  story.Add(firm, "PenaltyDecided", [&] {
    json p = PenaltyJson("青市监罚〔2026〕700号", "2026-03-02", "General");
    p["subject_name"] = "青岛老名字餐饮店";
    return p;
  }());
  story.At(kCompany, "2026-11-30");
  CHECK(NameHits(story.state_, "老名字") == std::vector<std::string>{firm});
  story.Register(firm, "Enterprise", "青岛新名称餐饮有限公司");
  story.At(kCompany, "2026-11-30");
  CHECK(NameHits(story.state_, "新名称") == std::vector<std::string>{firm});
  CHECK(NameHits(story.state_, "老名字").empty());
  CHECK(NameHits(story.state_, "餐饮") == std::vector<std::string>{firm});
  CHECK(InDivision(story.state_, "370203") == std::vector<std::string>{firm});
  // Registered again under another name (a change of name, 名称变更).
  story.Register(firm, "Enterprise", "青岛第三名称餐饮有限公司");
  story.At(kCompany, "2026-11-30");
  CHECK(NameHits(story.state_, "第三名称") == std::vector<std::string>{firm});
  CHECK(NameHits(story.state_, "新名称").empty());
  CHECK(NameHits(story.state_, "名称餐饮") == std::vector<std::string>{firm});
}

TEST_CASE("search index: divisions by their code or its first digits, payees included", "[search]") {
  Story story;
  const std::string a = Uscc("370202", 801), b = Uscc("370211", 802), c = Uscc("370281", 803);
  story.Register(a, "Enterprise", "甲公司");
  story.Register(b, "Enterprise", "乙公司");
  // A payee named only by a contract is a subject too.
  story.Add(kPublicBody, "ContractSigned", {{"contract_id", "HT-S1"}, {"public_body", kPublicBody}, {"counterparty", c},
                                           {"title", "采购"}, {"amount_fen", 1000000}, {"signed_date", "2025-12-01"},
                                           {"delivery_date", "2026-01-01"}, {"payment_term_days", 30}});
  story.At(kCompany, "2026-11-30");
  const State& state = story.state_;
  for (const std::string& digits : {std::string("370281"), std::string("37028"), std::string("3702"), std::string("37"),
                                    std::string("370299"), std::string("44")}) {
    INFO("division " << digits);
    std::vector<std::string> scanned;
    for (const auto& [id, s] : state.subjects()) {
      if (events::SubjectDivision(id).starts_with(digits)) scanned.emplace_back(id);
    }
    CHECK(Sorted(InDivision(state, digits)) == scanned);
  }
  CHECK(InDivision(state, "370281") == std::vector<std::string>{c});
  CHECK(InDivision(state, "370299").empty());
  CHECK(InDivision(state, "3702").size() >= 5);
}

TEST_CASE("search index: a copy of the state searches its own subjects", "[search]") {
  Story story;
  story.Register(Uscc("370202", 901), "Enterprise", "复制测试有限公司");
  story.At(kCompany, "2026-11-30");
  State copy = story.state_;
  story.state_ = State();  // the original is gone: the copy must not point into it
  std::vector<const SubjectState*> found;
  copy.search().ForEachNameHit("复制", [&](const SubjectState& s) {
    found.push_back(&s);
    return true;
  });
  REQUIRE(found.size() == 1);
  CHECK(found[0] == copy.Subject(Uscc("370202", 901)));
  CHECK(found[0]->name == "复制测试有限公司");
  State moved = std::move(copy);
  CHECK(NameHits(moved, "复制测试") == std::vector<std::string>{Uscc("370202", 901)});
}

TEST_CASE("search index: copies fold on apart, each indexing and finding its own subjects", "[search]") {
  // Each subject carries its place in its state's index: a copy's subjects carry theirs, and a
  // subject the copy folds later takes the copy's next place, not the original's.
  Story story;
  const std::string first = Uscc("370202", 904), second = Uscc("370202", 905), third = Uscc("370202", 906);
  story.Register(first, "Enterprise", "分叉测试甲有限公司");
  story.At(kCompany, "2026-11-30");
  State copy = story.state_;
  story.Register(second, "Enterprise", "分叉测试乙有限公司");
  State other = copy;
  REQUIRE(CatchUp(*story.f.ledger, story.f.ledger->size(), &copy).ok());  // folds `second` into the copy alone
  CHECK(NameHits(copy, "分叉测试") == std::vector<std::string>{first, second});
  CHECK(NameHits(other, "分叉测试") == std::vector<std::string>{first});
  CHECK(NameHits(story.state_, "分叉测试") == std::vector<std::string>{first});
  story.Register(third, "Enterprise", "分叉测试丙有限公司");
  REQUIRE(CatchUp(*story.f.ledger, story.f.ledger->size(), &other).ok());  // `second` and `third`, in order
  REQUIRE(CatchUp(*story.f.ledger, story.f.ledger->size(), &copy).ok());
  story.At(kCompany, "2026-11-30");  // folded afresh
  for (const State* state : {&copy, &other, &story.state_}) {
    CHECK(NameHits(*state, "分叉测试") == std::vector<std::string>{first, second, third});
    CHECK(state->search().entered().size() == state->subjects().size());
    for (const SubjectState* s : state->search().entered()) CHECK(s == state->Subject(s->id));  // its own subjects
    CHECK(state->Digest() == story.state_.Digest());
  }
  const SubjectState* pointed[] = {copy.Subject(third), other.Subject(third), story.state_.Subject(third)};
  CHECK(pointed[0] != pointed[1]);
  CHECK(pointed[1] != pointed[2]);
}

TEST_CASE("search index: a state that keeps none folds alike and finds nothing", "[search]") {
  // The admission rules' fold (projections/admission.h) keeps no search index.
  Story story;
  const std::string first = Uscc("370202", 902), second = Uscc("370202", 903);
  story.Register(first, "Enterprise", "无索引测试有限公司");
  story.At(kCompany, "2026-11-30");
  State unsearchable(story.state_, Searchable::kNo);
  CHECK(story.state_.searchable());
  CHECK_FALSE(unsearchable.searchable());
  CHECK(unsearchable.Digest() == story.state_.Digest());
  CHECK(NameHits(story.state_, "无索引") == std::vector<std::string>{first});
  CHECK(NameHits(unsearchable, "无索引").empty());
  CHECK(unsearchable.search().entered().empty());
  // Entries after the copy fold into it as into the searchable state; a copy of it keeps none.
  story.Register(second, "Enterprise", "无索引后来有限公司");
  for (int i = 0; i < 8; ++i) story.Register(Uscc("370202", 910 + i), "Enterprise", "补充主体有限公司");
  REQUIRE(CatchUp(*story.f.ledger, story.f.ledger->size(), &unsearchable).ok());
  story.At(kCompany, "2026-11-30");
  CHECK(unsearchable.Digest() == story.state_.Digest());
  CHECK(unsearchable.Subject(second) != nullptr);
  const State copy = unsearchable;
  CHECK_FALSE(copy.searchable());
  CHECK(copy.search().entered().empty());
  CHECK(NameHits(story.state_, "无索引") == std::vector<std::string>{first, second});
  // A searchable copy of an unsearchable state cannot make an index up: it keeps none either.
  CHECK_FALSE(State(unsearchable, Searchable::kYes).searchable());
  // Read from a snapshot without one, the state is the same and searches nothing.
  auto read = State::FromSnapshot(story.state_.Snapshot(), Searchable::kNo);
  REQUIRE(read.ok());
  CHECK(read->Digest() == story.state_.Digest());
  CHECK(NameHits(*read, "无索引").empty());
  // Either way, ForEachSubject visits every subject once (the index's array or the map).
  auto visited = [](const State& state) {
    std::vector<std::string> ids;
    state.ForEachSubject([&](const SubjectState& subject) { ids.push_back(subject.id); });
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  std::vector<std::string> all;
  for (const auto& [id, subject] : story.state_.subjects()) all.emplace_back(id);
  REQUIRE(all.size() > kForEachSubjectPrefetch);  // past the prefetch's reach
  CHECK(visited(story.state_) == all);
  CHECK(visited(unsearchable) == all);
  CHECK(visited(*read) == all);
}

TEST_CASE("snapshot: subjects decoded in chunks on several threads read back as one decoder reads them", "[search][snapshot]") {
  Story story;
  for (int i = 0; i < 8; ++i) story.Register(Uscc(i % 2 ? "370202" : "370211", 600 + i), "Enterprise", kNames[i]);
  story.At(kCompany, "2026-11-30");
  const State& state = story.state_;
  const uint64_t subjects = state.subjects().size();
  REQUIRE(subjects > 8);
  // Every chunk size: one subject a chunk (as many runs as threads), sizes that leave a short
  // last chunk, the whole in one chunk, and more than there are.
  for (uint64_t chunk = 1; chunk <= subjects + 1; ++chunk) {
    INFO("chunk " << chunk);
    auto read = State::FromSnapshot(state.Snapshot(chunk));
    REQUIRE(read.ok());
    CHECK(read->Digest() == state.Digest());
    CHECK(read->subjects().size() == subjects);
    // The index in the order subjects entered the log, as the state folded it.
    CHECK(NameHits(*read, "食品") == NameHits(state, "食品"));
    CHECK(NameHits(*read, "有限公司") == NameHits(state, "有限公司"));
    CHECK(InDivision(*read, "370202") == InDivision(state, "370202"));
  }
  // The chunks' starts are checked against the subjects: a start moved or two swapped is
  // Corruption naming where, never a state with subjects lost, doubled or out of order.
  const std::string bytes = state.Snapshot(2);
  auto u64_at = [&bytes](size_t at) { return ledger::ReadBigEndian64(std::string_view(bytes).substr(at)); };
  auto with_u64_at = [&bytes](size_t at, uint64_t value) {
    std::string changed = bytes;
    std::string encoded;
    ledger::AppendBigEndian64(&encoded, value);
    changed.replace(at, 8, encoded);
    return changed;
  };
  REQUIRE(u64_at(0) == 2);                              // subjects a chunk
  REQUIRE(u64_at(8) == (subjects + 1) / 2);             // chunks
  const size_t second_start = 24, third_start = 32;     // the chunks' starts follow
  for (const std::string& damaged : {with_u64_at(second_start, u64_at(second_start) + 1), with_u64_at(second_start, u64_at(third_start)),
                                     with_u64_at(third_start, u64_at(second_start)), with_u64_at(8, u64_at(8) + 1),
                                     with_u64_at(0, 0), with_u64_at(0, 3), with_u64_at(second_start, bytes.size() * 2),
                                     // the search index's last position made the one before it: a subject twice
                                     with_u64_at(bytes.size() - 8, u64_at(bytes.size() - 16))}) {
    auto read = State::FromSnapshot(damaged);
    REQUIRE_FALSE(read.ok());
    CHECK(read.status().code() == StatusCode::kCorruption);
    CHECK_THAT(read.status().message(), Catch::Contains("at byte"));
  }
}

TEST_CASE("Chinese numerals as official documents write them, past a thousand too", "[words]") {
  const std::pair<uint64_t, const char*> cases[] = {
      {1, "一"},           {10, "十"},           {11, "十一"},         {20, "二十"},         {105, "一百零五"},
      {110, "一百一十"},   {999, "九百九十九"},  {1000, "一千"},       {1005, "一千零五"},   {1010, "一千零一十"},
      {1100, "一千一百"},  {9999, "九千九百九十九"}, {10000, "一万"},  {10001, "一万零一"},  {12000, "一万二千"},
      {100010, "十万零一十"}, {162122, "十六万二千一百二十二"}, {99999999, "九千九百九十九万九千九百九十九"}};
  for (const auto& [n, text] : cases) {
    INFO(n);
    CHECK(ChineseNumeral(n) == text);
  }
  CHECK(ChineseNumeral(0) == "0");
  CHECK(ChineseNumeral(kChineseNumeralMax + 1) == "100000000");
}
