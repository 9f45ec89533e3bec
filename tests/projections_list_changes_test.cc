// List changes (projections/list_changes.h): what each entry changes in its subject's lists,
// judged on the day the entry is recorded, at the boundary days of a listing's term (the day
// before, on and after the recording day); and the same changes however the fold is cut.
#include <future>

#include <catch2/catch.hpp>

#include "base/clock.h"
#include "projections/list_changes.h"
#include "story_fixture.h"

using namespace creditlog;
using namespace creditlog::projections;
using namespace creditlog::testing;
using nlohmann::json;

namespace {

// Three companies, each with a serious penalty, a notice and a listing decided a year before
// the recording day, whose terms end the day before it, on it, and the day after it.
struct Listed {
  Story s;
  const Day today = TodayInChina();
  const Day decided = today - 365;
  std::vector<std::string> subjects = {Uscc("370202", 611), Uscc("370202", 612), Uscc("370203", 613)};
  std::vector<Day> until = {today - 1, today, today + 1};
  std::vector<uint64_t> listing_seqs;

  Listed() {
    for (size_t i = 0; i < subjects.size(); ++i) {
      const std::string n = std::to_string(i);
      const std::string name = "青岛名单测试企业" + n;
      s.Register(subjects[i], "Enterprise", name);
      const std::string penalty = "罚〔2025〕7" + n + "号";
      json p = PenaltyJson(penalty, "2025-01-01", "Serious");
      p["decision_date"] = Date(decided - 60);
      p["subject_name"] = name;
      s.Add(subjects[i], "PenaltyDecided", p);
      s.Add(subjects[i], "ListingNoticeIssued",
            {{"notice_id", "N" + n}, {"list", "SeriousDishonesty"}, {"reason", "严重违法失信"}, {"basis", "国办发〔2020〕49号"},
             {"notice_date", Date(decided - 30)}, {"objection_deadline", Date(decided - 10)}, {"related", {penalty}}});
      listing_seqs.push_back(s.Add(subjects[i], "SeriousListingDecided",
                                   {{"listing_id", "L" + n}, {"notice_id", "N" + n}, {"basis", "国办发〔2020〕49号"},
                                    {"decision_date", Date(decided)}, {"term_end_date", Date(until[i])},
                                    {"exit_conditions", "履行义务并申请信用修复"}}));
    }
  }

  std::vector<ListChange> Fold(uint64_t from = 0) {
    ListChangeDetector detector(from);
    State state;
    REQUIRE(CatchUp(*s.f.ledger, s.f.ledger->size(), &state, {}, &detector).ok());
    CHECK(detector.observed() == s.f.ledger->size());
    return detector.Take();
  }
};

std::vector<ListChange> At(const std::vector<ListChange>& changes, uint64_t seq, fb::ListKind list) {
  std::vector<ListChange> out;
  for (const ListChange& c : changes) {
    if (c.seq == seq && c.list == list) out.push_back(c);
  }
  return out;
}

std::string Key(const ListChange& c) {
  return std::to_string(c.seq) + "." + std::to_string(c.index) + " " + c.change + " " + std::string(ListName(c.list)) + " " +
         c.subject + " " + Date(c.since) + ".." + (c.until ? Date(*c.until) : "") + " " + c.rule + " " + Date(c.day);
}

}  // namespace

TEST_CASE("list changes: a listing joins the list on its recorded day only while its term has not ended", "[list_changes]") {
  Listed l;
  const std::vector<ListChange> changes = l.Fold();
  // The term ended the day before the listing was recorded: nothing changes on the recording day.
  CHECK(At(changes, l.listing_seqs[0], fb::ListKind::SeriousDishonesty).empty());
  // Ending on the recording day, or the day after: the company joins the list, until then.
  for (size_t i : {1, 2}) {
    const std::vector<ListChange> joined = At(changes, l.listing_seqs[i], fb::ListKind::SeriousDishonesty);
    REQUIRE(joined.size() == 1);
    const ListChange& c = joined[0];
    CHECK(c.change == "added");
    CHECK(c.subject == l.subjects[i]);
    CHECK(c.division == l.subjects[i].substr(2, 6));
    CHECK(c.day == l.today);
    CHECK(c.since == l.decided);
    REQUIRE(c.until.has_value());
    CHECK(*c.until == l.until[i]);
    CHECK(c.rule == "serious_list.decision");
    CHECK_FALSE(c.measures.empty());  // what the serious list imposes
  }
  // Changes are numbered within their entry, in the log's order.
  for (size_t k = 1; k < changes.size(); ++k) {
    const bool next = changes[k].seq > changes[k - 1].seq ? changes[k].index == 0 : changes[k].index == changes[k - 1].index + 1;
    CHECK(next);
  }
}

TEST_CASE("list changes: an exit removes the subject from the list at the exit's entry", "[list_changes]") {
  Listed l;
  const uint64_t exit = l.s.Add(l.subjects[2], "SeriousListingExited", {{"listing_id", "L2"}, {"exit_date", Date(l.today - 1)}, {"reason", "信用修复"}});
  const std::vector<ListChange> changes = l.Fold();
  const std::vector<ListChange> left = At(changes, exit, fb::ListKind::SeriousDishonesty);
  REQUIRE(left.size() == 1);
  CHECK(left[0].change == "removed");
  CHECK(left[0].subject == l.subjects[2]);
  CHECK(left[0].since == l.decided);  // the membership as it was
  // An entry about another subject changes nothing of this one's.
  const uint64_t other = l.s.Register(Uscc("370202", 614), "Enterprise", "青岛名单测试企业3");
  CHECK(l.Fold(other).empty());
}

TEST_CASE("list changes: one fold or many, from the start or from a seq, the same changes", "[list_changes]") {
  Listed l;
  std::vector<std::string> whole;
  for (const ListChange& c : l.Fold()) whole.push_back(Key(c));
  REQUIRE_FALSE(whole.empty());
  // Folded three entries at a time, as the server's projection catches up.
  ListChangeDetector detector;
  State state;
  for (uint64_t from = 0; from < l.s.f.ledger->size(); from += 3) {
    auto read = EntriesRead::Read(*l.s.f.ledger, from, std::min(l.s.f.ledger->size(), from + 3));
    REQUIRE(read.ok());
    REQUIRE(read->ApplyTo(&state, &detector).ok());
  }
  std::vector<std::string> stepped;
  for (const ListChange& c : detector.Take()) stepped.push_back(Key(c));
  CHECK(stepped == whole);
  // From a seq: only the changes of the entries from there on, the same ones.
  const uint64_t from = l.listing_seqs[2];
  std::vector<std::string> later;
  for (const ListChange& c : l.Fold(from)) later.push_back(Key(c));
  std::vector<std::string> expected;
  for (const ListChange& c : l.Fold()) {
    if (c.seq >= from) expected.push_back(Key(c));
  }
  CHECK(later == expected);
  CHECK_FALSE(later.empty());
}

TEST_CASE("list changes: a term's end is a change on the first entry recorded after its last day", "[list_changes]") {
  Listed l;  // terms ending the day before the recording day, on it, and the day after it
  // Entries recorded on later days arrive through the stream, whose time is their recorded time.
  uint64_t stream_seq = 0;
  auto record_on = [&](Day day, int n) {
    const int64_t noon_in_china_ms = (day * 86400 + 4 * 3600) * 1000;  // 12:00 UTC+8
    const std::string subject = Uscc("370202", 700 + n);
    const json event = {{"event_id", "later/" + std::to_string(n)}, {"subject", subject}, {"body_type", "SubjectRegistered"},
                        {"body", {{"kind", "Enterprise"}, {"name", "青岛后来企业" + std::to_string(n)}, {"division", "370202"}}},
                        {"signed_at_ms", noon_in_china_ms}};
    std::promise<Result<ledger::AppendResult>> appended;
    l.s.f.ledger->AppendFromStream(Sign(event, l.s.agency, LedgerFixture::kOrigin), {.stream_seq = ++stream_seq, .stream_time_ms = noon_in_china_ms},
                                   [&](Result<ledger::AppendResult> r) { appended.set_value(std::move(r)); });
    auto r = appended.get_future().get();
    REQUIRE(r.ok());
    CHECK(DayInChina(r->recorded_at_ms) == day);
    return r->seq;
  };
  const uint64_t next_day = record_on(l.today + 1, 1);
  const uint64_t same_day = record_on(l.today + 1, 2);
  const uint64_t day_after_next = record_on(l.today + 2, 3);
  const std::vector<ListChange> changes = l.Fold();
  // The day after the recording day: the term that ended on it is over, the one ending the next
  // day is not.
  const std::vector<ListChange> ended = At(changes, next_day, fb::ListKind::SeriousDishonesty);
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].change == "removed");
  CHECK(ended[0].subject == l.subjects[1]);
  CHECK(ended[0].day == l.today + 1);
  CHECK(*ended[0].until == l.today);
  CHECK(At(changes, same_day, fb::ListKind::SeriousDishonesty).empty());  // the day's changes are its first entry's
  const std::vector<ListChange> later = At(changes, day_after_next, fb::ListKind::SeriousDishonesty);
  REQUIRE(later.size() == 1);
  CHECK(later[0].change == "removed");
  CHECK(later[0].subject == l.subjects[2]);
  CHECK(later[0].day == l.today + 2);
  // A fold that begins at an entry (a snapshot's end), told the day of the entry before it,
  // finds the same; not told it, it cannot see that a day began there.
  auto from_snapshot = [&](uint64_t from, std::optional<Day> day_before) {
    State state;
    REQUIRE(CatchUp(*l.s.f.ledger, from, &state).ok());
    ListChangeDetector detector(from, day_before);
    REQUIRE(CatchUp(*l.s.f.ledger, l.s.f.ledger->size(), &state, {}, &detector).ok());
    std::vector<std::string> keys;
    for (const ListChange& c : detector.Take()) keys.push_back(Key(c));
    return keys;
  };
  std::vector<std::string> expected;
  for (const ListChange& c : changes) {
    if (c.seq >= day_after_next) expected.push_back(Key(c));
  }
  REQUIRE_FALSE(expected.empty());
  CHECK(from_snapshot(day_after_next, l.today + 1) == expected);
  CHECK(from_snapshot(day_after_next, std::nullopt).empty());
}
