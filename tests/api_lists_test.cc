// Lists kept between entries (api/http/live_projection.h): a cached list is patched with the
// rows of the subjects new entries changed, and is byte for byte the list computed whole, on a
// real ledger whose entries pass the rules of the log.
#include <atomic>
#include <thread>

#include <catch2/catch.hpp>

#include "api/http/live_projection.h"
#include "api/views.h"
#include "projections/words.h"
#include "story_fixture.h"

using namespace creditlog;
using namespace creditlog::api;
using namespace creditlog::projections;
using namespace creditlog::testing;

namespace {

json ListingNotice(const std::string& id, const char* served, const char* deadline, const std::string& related) {
  return {{"notice_id", id}, {"list", "SeriousDishonesty"}, {"reason", "严重违法失信"}, {"basis", "国办发〔2020〕49号"},
          {"notice_date", served}, {"objection_deadline", deadline}, {"related", {related}}};
}

json Listing(const std::string& id, const std::string& notice, const char* decided) {
  return {{"listing_id", id}, {"notice_id", notice}, {"basis", "国办发〔2020〕49号"}, {"decision_date", decided},
          {"term_end_date", ""}, {"exit_conditions", "履行义务并申请信用修复"}};
}

// The list as the server answers it, which must be the list computed whole from a fresh fold.
std::string Served(Story& s, LiveProjection& live, fb::ListKind kind, const char* day) {
  const Disclosure reader(Role::kPublic);
  auto body = live.ListBody(kind, D(day), reader);
  REQUIRE(body.ok());
  auto state = BuildState(*s.f.ledger, s.f.ledger->size());
  REQUIRE(state.ok());
  auto whole = ListJson(*state, kind, D(day), reader);
  REQUIRE(whole.ok());
  CHECK(*body == DumpJson(*whole));
  return *body;
}

bool Lists(const std::string& body, const std::string& subject) { return body.find("\"subject\":\"" + subject + "\"") != std::string::npos; }

}  // namespace

TEST_CASE("lists: a cached list is patched with the subjects new entries change, and equals the list computed whole", "[lists]") {
  Story s;
  LiveProjection live(*s.f.ledger);
  REQUIRE(live.CatchUp().ok());
  const auto gov = fb::ListKind::GovernmentDishonesty;
  const auto serious = fb::ListKind::SeriousDishonesty;
  CHECK(!Lists(Served(s, live, gov, "2026-03-10"), kPublicBody));
  CHECK(!Lists(Served(s, live, serious, "2026-03-10"), kCompany));
  CHECK(live.lists_computed() == 2);

  // A contract the public body pays late: due 2026-01-31, on the 政务失信 list from 2026-03-03.
  s.Add(kPublicBody, "ContractSigned", {{"contract_id", "HT-L1"}, {"public_body", kPublicBody}, {"counterparty", kCompany},
                                        {"title", "采购"}, {"amount_fen", 1000000}, {"signed_date", "2025-12-01"},
                                        {"delivery_date", "2026-01-01"}, {"payment_term_days", 30}});
  CHECK(Lists(Served(s, live, gov, "2026-03-10"), kPublicBody));
  CHECK(live.lists_computed() == 2);
  CHECK(live.lists_patched() == 1);
  // The day before it counts, and the day it does: a new day is computed whole once.
  CHECK(!Lists(Served(s, live, gov, "2026-03-02"), kPublicBody));
  CHECK(Lists(Served(s, live, gov, "2026-03-03"), kPublicBody));
  CHECK(live.lists_computed() == 4);

  // The serious list: a serious penalty, its notice, the decision (from the day after the
  // objection window's last working day).
  s.Add(kCompany, "PenaltyDecided", [] {
    json p = PenaltyJson("罚〔2025〕81号", "2025-09-01", "Serious");
    p["fine_fen"] = 500000;
    return p;
  }());
  s.Add(kCompany, "ListingNoticeIssued", ListingNotice("N1", "2025-09-26", "2025-10-10", "罚〔2025〕81号"));
  CHECK(!Lists(Served(s, live, serious, "2026-03-10"), kCompany));
  s.Add(kCompany, "SeriousListingDecided", Listing("L1", "N1", "2025-10-11"));
  CHECK(Lists(Served(s, live, serious, "2026-03-10"), kCompany));
  const uint64_t patched = live.lists_patched();
  CHECK(patched >= 3);
  // Asked again with nothing new: the same text, neither patched nor computed.
  const uint64_t computed = live.lists_computed();
  CHECK(Lists(Served(s, live, serious, "2026-03-10"), kCompany));
  CHECK(live.lists_patched() == patched);
  CHECK(live.lists_computed() == computed);

  // The government list again, several entries later: patched, and still the whole list.
  CHECK(Lists(Served(s, live, gov, "2026-03-10"), kPublicBody));
  CHECK(live.lists_patched() == patched + 1);

  // A ruleset adopted can change every subject's lists: computed whole.
  s.Adopt(std::string(DefaultRulesetJson()), "2026-01-01", "again");
  CHECK(Lists(Served(s, live, serious, "2026-03-10"), kCompany));
  CHECK(live.lists_computed() == computed + 1);
}

TEST_CASE("lists: the change journal names each subject an entry changed, a contract's payee with its payer", "[lists]") {
  Story s;
  s.At(kCompany, "2026-03-10");
  const uint64_t before = s.state_.applied();
  s.Add(kPublicBody, "ContractSigned", {{"contract_id", "HT-J1"}, {"public_body", kPublicBody}, {"counterparty", kCompany},
                                        {"title", "采购"}, {"amount_fen", 1000000}, {"signed_date", "2025-12-01"},
                                        {"delivery_date", "2026-01-01"}, {"payment_term_days", 30}});
  const uint64_t signed_at = s.f.ledger->size();
  s.Add(kOtherBody, "ServiceRated", {{"rating_id", "R-J1"}, {"rating", 5}, {"matter", "不动产登记"}, {"rated_date", "2026-03-02"},
                                     {"channel", "Window"}});
  s.At(kCompany, "2026-03-10");
  std::vector<std::string_view> changed;
  REQUIRE(s.state_.ChangedSince(before, &changed));
  CHECK(changed == std::vector<std::string_view>{std::min(kPublicBody, kOtherBody), std::max(kPublicBody, kOtherBody), kCompany});
  REQUIRE(s.state_.ChangedSince(signed_at, &changed));
  CHECK(changed == std::vector<std::string_view>{kOtherBody});
  REQUIRE(s.state_.ChangedSince(s.state_.applied(), &changed));
  CHECK(changed.empty());
  CHECK(!s.state_.ChangedSince(s.state_.applied() + 1, &changed));  // not yet folded

  // A copy tells changes only from the size it was copied at.
  State copy = s.state_;
  CHECK(!copy.ChangedSince(before, &changed));
  CHECK(copy.ChangedSince(copy.applied(), &changed));

  // A ruleset adopted, or a person's information erased: every subject may have changed.
  const uint64_t adopted_before = s.f.ledger->size();
  s.Adopt(std::string(DefaultRulesetJson()), "2026-01-01", "again");
  s.At(kCompany, "2026-03-10");
  CHECK(!s.state_.ChangedSince(before, &changed));
  CHECK(!s.state_.ChangedSince(adopted_before, &changed));
  CHECK(s.state_.ChangedSince(s.state_.applied(), &changed));
}

TEST_CASE("lists: pages of a list, by subject after a cursor, join to the whole list", "[lists]") {
  Story s;
  // Five public bodies paying late: each on the 政务失信 list from 2026-03-03.
  std::vector<std::string> bodies;
  for (int i = 0; i < 5; ++i) {
    const std::string body = events::MakeUscc("11", "370211", "MBP0000" + std::to_string(i));
    bodies.push_back(body);
    s.Register(body, "PublicBody", "青岛市市南区第" + ChineseNumeral(i + 1) + "局");
    s.Add(body, "ContractSigned", {{"contract_id", "HT-P" + std::to_string(i)}, {"public_body", body}, {"counterparty", kCompany},
                                   {"title", "采购"}, {"amount_fen", 1000000}, {"signed_date", "2025-12-01"},
                                   {"delivery_date", "2026-01-01"}, {"payment_term_days", 30}});
  }
  std::sort(bodies.begin(), bodies.end());
  LiveProjection live(*s.f.ledger);
  REQUIRE(live.CatchUp().ok());
  const auto gov = fb::ListKind::GovernmentDishonesty;
  const Disclosure reader(Role::kPublic);
  const json whole = json::parse(*live.ListBody(gov, D("2026-03-10"), reader));
  REQUIRE(whole["entries"].size() == 5);

  json joined = json::array();
  std::string after;
  std::vector<std::string> cursors;
  for (int pages = 0; pages < 10; ++pages) {
    const ListPageRequest page{after, 2};
    auto body = live.ListBody(gov, D("2026-03-10"), reader, &page);
    REQUIRE(body.ok());
    const json p = json::parse(*body);
    CHECK(p["list"] == whole["list"]);
    CHECK(p["as_of"] == "2026-03-10");
    CHECK(p["subjects"] == 5);
    CHECK(p["limit"] == 2);
    CHECK(p["entries"].size() <= 2);
    for (const json& row : p["entries"]) joined.push_back(row);
    if (p["next_after"].is_null()) break;
    after = p["next_after"].get<std::string>();
    cursors.push_back(after);
  }
  CHECK(joined == whole["entries"]);
  CHECK(cursors == std::vector<std::string>{bodies[1], bodies[3]});
  // After the last subject: an empty last page.
  const ListPageRequest past{bodies.back(), 2};
  const json empty = json::parse(*live.ListBody(gov, D("2026-03-10"), reader, &past));
  CHECK(empty["entries"].empty());
  CHECK(empty["next_after"].is_null());
  // The day before the list applies: no rows, on a page as on the whole.
  const ListPageRequest first{"", 2};
  CHECK(json::parse(*live.ListBody(gov, D("2026-03-02"), reader, &first))["entries"].empty());
  CHECK(json::parse(*live.ListBody(gov, D("2026-03-03"), reader, &first))["entries"].size() == 2);

  // A sixth body paying late, first seen by a page (the cached list patched, its whole body
  // not rebuilt), then by a request for the whole list: which has all six.
  const std::string sixth = events::MakeUscc("11", "370211", "MBP00005");
  s.Register(sixth, "PublicBody", "青岛市市南区第六局");
  s.Add(sixth, "ContractSigned", {{"contract_id", "HT-P5"}, {"public_body", sixth}, {"counterparty", kCompany},
                                  {"title", "采购"}, {"amount_fen", 1000000}, {"signed_date", "2025-12-01"},
                                  {"delivery_date", "2026-01-01"}, {"payment_term_days", 30}});
  const uint64_t patched = live.lists_patched();
  const uint64_t computed = live.lists_computed();
  CHECK(json::parse(*live.ListBody(gov, D("2026-03-10"), reader, &first))["subjects"] == 6);
  CHECK(live.lists_patched() == patched + 1);
  const std::string all = Served(s, live, gov, "2026-03-10");
  CHECK(Lists(all, sixth));
  CHECK(json::parse(all)["entries"].size() == 6);
  CHECK(live.lists_computed() == computed);
}

TEST_CASE("live projection: a reader whose size the state has already passed reads the newer state", "[lists]") {
  // A read takes the log's size, then waits for the lock to catch up to it; meanwhile another
  // reader, or the server's catch-up after a write, may fold past that size. The read gets the
  // newer state (it once got "the projection is already past size N": a 400 under load).
  Story s;
  LiveProjection live(*s.f.ledger);
  REQUIRE(live.CatchUp().ok());
  const uint64_t read_size = s.f.ledger->size();
  s.Register(Uscc("370202", 907), "Enterprise", "追赶测试有限公司");
  REQUIRE(live.CatchUp().ok());
  REQUIRE(live.CatchUpTo(read_size).ok());
  REQUIRE(live.CatchUpTo(s.f.ledger->size()).ok());
  uint64_t applied = 0;
  REQUIRE(live.Read([&](const State& state) { applied = state.applied(); }).ok());
  CHECK(applied == s.f.ledger->size());
  // A size beyond the log is still refused, and changes nothing.
  const Status beyond = live.CatchUpTo(s.f.ledger->size() + 1);
  CHECK(beyond.code() == StatusCode::kInvalidArgument);
  REQUIRE(live.Read([&](const State& state) { applied = state.applied(); }).ok());
  CHECK(applied == s.f.ledger->size());

  // Readers racing the server's catch-up while entries arrive: every read succeeds, and sees
  // at least the entries recorded before it began.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> failed{0}, reads{0};
  auto reader = [&] {
    while (!stop.load()) {
      const uint64_t before = s.f.ledger->size();
      uint64_t seen = 0;
      const Status status = live.Read([&](const State& state) { seen = state.applied(); });
      if (!status.ok() || seen < before) failed.fetch_add(1);
      reads.fetch_add(1);
    }
  };
  std::thread first(reader), second(reader);
  std::thread catching([&] {
    while (!stop.load()) (void)live.TryCatchUp();
  });
  for (int i = 0; i < 60; ++i) s.Register(Uscc("370202", 910 + i), "Enterprise", "并发追赶测试" + std::to_string(i) + "有限公司");
  stop = true;
  first.join(), second.join(), catching.join();
  CHECK(failed.load() == 0);
  CHECK(reads.load() > 0);
}

TEST_CASE("live projection: the writer's catch-up gives way to a query holding the state and its reading is folded later", "[lists]") {
  Story s;
  LiveProjection live(*s.f.ledger);
  REQUIRE(live.CatchUp().ok());
  for (int i = 0; i < 5; ++i) s.Register(Uscc("370202", 980 + i), "Enterprise", "让路测试" + std::to_string(i) + "有限公司");
  const uint64_t logged = s.f.ledger->size();
  // A query holds the state (Peek: no catch-up of its own) while the writer's catch-up runs: it
  // reads the new entries, does not wait, and folds nothing.
  Result<bool> folded = false;
  uint64_t held_at = 0;
  live.Peek([&](const State& state) {
    held_at = state.applied();
    std::thread writer([&] { folded = live.TryCatchUp(); });
    writer.join();
  });
  REQUIRE(folded.ok());
  CHECK_FALSE(*folded);
  CHECK(held_at < logged);
  // One more entry; the next catch-up folds the entries read before and the new one after them.
  s.Register(Uscc("370202", 990), "Enterprise", "让路测试后来有限公司");
  std::string digest;
  REQUIRE(live.Read([&](const State& state) { digest = state.Digest(); }).ok());
  auto rebuilt = BuildState(*s.f.ledger, s.f.ledger->size());
  REQUIRE(rebuilt.ok());
  CHECK(digest == rebuilt->Digest());
  // With nothing holding the state, the writer's catch-up folds.
  s.Register(Uscc("370202", 991), "Enterprise", "让路测试最后有限公司");
  folded = live.TryCatchUp();
  REQUIRE(folded.ok());
  CHECK(*folded);
  live.Peek([&](const State& state) { CHECK(state.applied() == s.f.ledger->size()); });
}

namespace {

// A search as the server answers it, its hits' standings kept between entries, which must be the
// search evaluated whole on a fresh fold; returns its number of hits.
size_t Searched(Story& s, LiveProjection& live, const std::string& query, Role role, const char* day, std::string* text) {
  const Disclosure reader(role);
  REQUIRE(live.Read([&](const State& state) {
                const StandingsFn standings = [&](auto subjects, auto* out) { live.Standings(state, D(day), subjects, out); };
                *text = DumpJson(SearchJson(state, query, kSearchResultsMax, reader, D(day), &standings));
              }).ok());
  auto state = BuildState(*s.f.ledger, s.f.ledger->size());
  REQUIRE(state.ok());
  CHECK(*text == DumpJson(SearchJson(*state, query, kSearchResultsMax, reader, D(day))));
  return json::parse(*text)["results"].size();
}

}  // namespace

TEST_CASE("search: a hit's grade and lists are kept for the day, and evaluated again once an entry changes its subject", "[lists][search]") {
  Story s;
  LiveProjection live(*s.f.ledger);
  REQUIRE(live.CatchUp().ok());
  std::string text;
  // Division 3702's subjects: the company and both public bodies, among others.
  const size_t hits = Searched(s, live, "3702", Role::kPublic, "2026-03-10", &text);
  REQUIRE(hits >= 3);
  CHECK(text.find("GovernmentDishonesty") == std::string::npos);
  CHECK(live.standings_evaluated() == hits);
  CHECK(live.standings_kept() == 0);
  // Asked again, by another reader (who sees the whole grade): nothing evaluated.
  CHECK(Searched(s, live, "3702", Role::kInspector, "2026-03-10", &text) == hits);
  CHECK(live.standings_evaluated() == hits);
  CHECK(live.standings_kept() == hits);

  // A contract the public body pays late (on the 政务失信 list from 2026-03-03) changes the body
  // and its payee: those two are evaluated again, the others kept.
  s.Add(kPublicBody, "ContractSigned", {{"contract_id", "HT-S1"}, {"public_body", kPublicBody}, {"counterparty", kCompany},
                                        {"title", "采购"}, {"amount_fen", 1000000}, {"signed_date", "2025-12-01"},
                                        {"delivery_date", "2026-01-01"}, {"payment_term_days", 30}});
  CHECK(Searched(s, live, "3702", Role::kPublic, "2026-03-10", &text) == hits);
  CHECK(text.find("GovernmentDishonesty") != std::string::npos);
  CHECK(live.standings_evaluated() == hits + 2);
  CHECK(live.standings_kept() == 2 * hits - 2);

  // Another day is evaluated whole: the day before the listing, then the day it begins.
  CHECK(Searched(s, live, "3702", Role::kPublic, "2026-03-02", &text) == hits);
  CHECK(text.find("GovernmentDishonesty") == std::string::npos);
  CHECK(Searched(s, live, "3702", Role::kPublic, "2026-03-03", &text) == hits);
  CHECK(text.find("GovernmentDishonesty") != std::string::npos);
  CHECK(live.standings_evaluated() == 3 * hits + 2);

  // A ruleset adopted can change every subject's standing: all evaluated again.
  s.Adopt(std::string(DefaultRulesetJson()), "2026-01-01", "again");
  CHECK(Searched(s, live, "3702", Role::kPublic, "2026-03-03", &text) == hits);
  CHECK(live.standings_evaluated() == 4 * hits + 2);
}

namespace {

// The board as the server answers it, which must be the board counted whole from a fresh fold.
std::string ServedBoard(Story& s, LiveProjection& live, const char* day) {
  auto body = live.IntegrityBody(D(day));
  REQUIRE(body.ok());
  auto state = BuildState(*s.f.ledger, s.f.ledger->size());
  REQUIRE(state.ok());
  CHECK(*body == DumpJson(IntegrityJson(IntegrityBoard(*state, D(day)), D(day))));
  return *body;
}

}  // namespace

TEST_CASE("integrity: a kept board is counted again for the subjects new entries change, and equals the board counted whole", "[lists]") {
  Story s;
  LiveProjection live(*s.f.ledger);
  REQUIRE(live.CatchUp().ok());
  const std::string quiet = ServedBoard(s, live, "2026-05-02");
  CHECK(live.boards_computed() == 1);
  CHECK(ServedBoard(s, live, "2026-05-02") == quiet);  // no entry since: the same answer, kept
  CHECK(live.boards_computed() == 1);
  CHECK(live.boards_updated() == 0);

  // Another subject's commitment, accepted by the public body and not verified by 2026-05-01:
  // the body's failure from 2026-05-02, though no entry names the body as its subject.
  json commitment = CommitmentJson("GZ-B1", "2026-03-02", "2026-12-31");
  commitment["accepting_agency"] = kPublicBody;
  s.Add(kCompany, "CommitmentMade", commitment);
  const std::string owed = ServedBoard(s, live, "2026-05-02");
  CHECK(owed != quiet);
  CHECK(owed.find("integrity.verification_overdue") != std::string::npos);
  CHECK(live.boards_computed() == 1);
  CHECK(live.boards_updated() == 1);

  // The body pays a contract late (its own row: arrears), then the commitment is verified.
  s.Add(kPublicBody, "ContractSigned", {{"contract_id", "HT-B1"}, {"public_body", kPublicBody}, {"counterparty", kCompany},
                                        {"title", "采购"}, {"amount_fen", 1000000}, {"signed_date", "2025-12-01"},
                                        {"delivery_date", "2026-01-01"}, {"payment_term_days", 30}});
  CHECK(ServedBoard(s, live, "2026-05-02").find("\"arrears_fen\":1000000") != std::string::npos);
  s.Add(kCompany, "CommitmentVerified", {{"commitment_id", "GZ-B1"}, {"verified_date", "2026-05-06"}});
  CHECK(ServedBoard(s, live, "2026-05-02").find("integrity.verification_overdue") != std::string::npos);  // verified after that day
  CHECK(live.boards_computed() == 1);
  CHECK(live.boards_updated() == 3);

  // Other days are counted whole: the day it was verified, and the last day it was not yet overdue.
  CHECK(ServedBoard(s, live, "2026-05-06").find("integrity.verification_overdue") == std::string::npos);
  CHECK(ServedBoard(s, live, "2026-05-01").find("integrity.verification_overdue") == std::string::npos);
  CHECK(live.boards_computed() == 3);

  // A ruleset adopted can change every duty's days: counted whole.
  s.Adopt(std::string(DefaultRulesetJson()), "2026-01-01", "again");
  ServedBoard(s, live, "2026-05-01");
  CHECK(live.boards_computed() == 4);
  CHECK(live.boards_updated() == 3);
}
