// The rules of docs/projections.md at their boundary days (the day before, on and after), on a
// real ledger whose appends pass the rules of the log (projections/admission.h), with dates in
// the past of the recording clock as a credit office records them.
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "base/clock.h"
#include "story_fixture.h"

using namespace creditlog;
using namespace creditlog::projections;
using namespace creditlog::testing;
using nlohmann::json;

namespace {

json NoticeJson(const std::string& id, const char* served, const char* deadline, const std::string& related) {
  return {{"notice_id", id}, {"list", "SeriousDishonesty"}, {"reason", "严重违法失信"}, {"basis", "国办发〔2020〕49号"},
          {"notice_date", served}, {"objection_deadline", deadline}, {"related", {related}}};
}

json ListingJson(const std::string& id, const std::string& notice, const char* decided, const std::string& term_end) {
  return {{"listing_id", id}, {"notice_id", notice}, {"basis", "国办发〔2020〕49号"}, {"decision_date", decided},
          {"term_end_date", term_end}, {"exit_conditions", "履行义务并申请信用修复"}};
}

json PenaltyWith(const std::string& number, const char* date, const char* severity, const char* discretion = "Standard",
             int64_t fine_fen = 500000) {
  json p = PenaltyJson(number, date, severity);
  p["discretion"] = discretion;
  p["fine_fen"] = fine_fen;
  return p;
}

std::string Message(const Status& s) { return s.ToString(); }

bool Disregards(const Profile& p, const std::string& rule, const std::string& text) {
  for (const Disregarded& d : p.disregarded) {
    if (d.rule == rule && d.reason.en.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

// ---------------------------------------------------------------- the working-day calendar

TEST_CASE("The calendar counts 调休 make-up days and skips public holidays", "[rules][calendar]") {
  auto rules = ParseRuleset(DefaultRulesetJson());
  REQUIRE(rules.ok());
  const Calendar& cal = rules->calendar;
  CHECK(cal.first_year == 2020);
  CHECK(cal.last_year >= 2026);
  CHECK(Calendar::Weekday(D("2025-09-28")) == 0);  // a Sunday …
  CHECK(cal.IsWorkingDay(D("2025-09-28")));         // … worked (国办发明电〔2024〕12号)
  CHECK_FALSE(cal.IsWorkingDay(D("2025-10-08")));   // 国庆节、中秋节, a Wednesday
  CHECK(cal.IsWorkingDay(D("2025-10-11")));         // a Saturday worked
  CHECK_FALSE(cal.IsWorkingDay(D("2025-10-12")));   // an ordinary Sunday
  // Served on Friday 26 September 2025: 28, 29, 30 September, then 9 and 10 October.
  CHECK(Date(cal.WorkingDaysAfter(D("2025-09-26"), 5)) == "2025-10-10");
  // The day of service does not count, even when it is a working day.
  CHECK(Date(cal.WorkingDaysAfter(D("2025-10-09"), 1)) == "2025-10-10");
  // A year no notice covers: Monday to Friday.
  CHECK_FALSE(cal.Covers(D("2019-10-01")));
  CHECK(Date(cal.WorkingDaysAfter(D("2019-09-27"), 5)) == "2019-10-04");
}

TEST_CASE("A notice must leave the ruleset's working days to object, counted by the calendar", "[rules][due_process]") {
  Story s;
  s.Add(kCompany, "PenaltyDecided", PenaltyWith("罚〔2025〕81号", "2025-09-01", "Serious"));
  // Served on 2025-09-26: five working days end on 2025-10-10, after 国庆节.
  const Status short_by_a_day = s.Try(kCompany, "ListingNoticeIssued", NoticeJson("N1", "2025-09-26", "2025-10-09", "罚〔2025〕81号"));
  REQUIRE(short_by_a_day.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(Message(short_by_a_day), Catch::Contains("body.objection_deadline") && Catch::Contains("2025-10-10"));
  const Status same_day = s.Try(kCompany, "ListingNoticeIssued", NoticeJson("N1", "2025-09-26", "2025-09-26", "罚〔2025〕81号"));
  CHECK(same_day.code() == StatusCode::kInvalidArgument);
  REQUIRE(s.Try(kCompany, "ListingNoticeIssued", NoticeJson("N1", "2025-09-26", "2025-10-10", "罚〔2025〕81号")).ok());

  // The decision: not on the window's last day, from the day after.
  const Status inside = s.Try(kCompany, "SeriousListingDecided", ListingJson("L1", "N1", "2025-10-10", ""));
  REQUIRE(inside.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(Message(inside), Catch::Contains("body.decision_date") && Catch::Contains("earliest lawful decision date is 2025-10-11"));
  REQUIRE(s.Try(kCompany, "SeriousListingDecided", ListingJson("L1", "N1", "2025-10-11", "")).ok());
  CHECK(Story::On(s.At(kCompany, "2025-10-10"), fb::ListKind::SeriousDishonesty) == nullptr);
  const Profile on = s.At(kCompany, "2025-10-11");
  const Membership* listed = Story::On(on, fb::ListKind::SeriousDishonesty);
  REQUIRE(listed != nullptr);
  // Without a term in the decision: the default term, 36 months, whose last day is the day before the anniversary.
  CHECK(listed->why.rule == "serious_list.decision+default_term_months");
  CHECK(Date(*listed->until) == "2028-10-10");
  CHECK(Story::On(s.At(kCompany, "2028-10-10"), fb::ListKind::SeriousDishonesty) != nullptr);
  CHECK(Story::On(s.At(kCompany, "2028-10-11"), fb::ListKind::SeriousDishonesty) == nullptr);
}

TEST_CASE("No listing while an objection is unresolved, a term is at most the ruleset's maximum and ends on its last day",
          "[rules][due_process]") {
  Story s;
  s.Add(kCompany, "PenaltyDecided", PenaltyWith("罚〔2025〕60号", "2025-05-20", "Serious"));
  // Served on 2 June 2025, the last day of 端午节: 3, 4, 5, 6 and 9 June.
  s.Add(kCompany, "ListingNoticeIssued", NoticeJson("N2", "2025-06-02", "2025-06-09", "罚〔2025〕60号"));
  s.Add(kCompany, "ObjectionFiled", {{"objection_id", "O2"}, {"notice_id", "N2"}, {"content", "对事实有异议"}, {"filed_date", "2025-06-05"}});
  const Status pending = s.Try(kCompany, "SeriousListingDecided", ListingJson("L2", "N2", "2025-06-16", "2028-06-15"));
  REQUIRE(pending.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(Message(pending), Catch::Contains("objection O2") && Catch::Contains("unresolved"));
  s.Add(kCompany, "ObjectionResolved", {{"objection_id", "O2"}, {"upheld", false}, {"outcome", "异议不成立"}, {"resolved_date", "2025-06-20"}});
  // The day before the resolution: still unresolved on the decision day.
  CHECK(s.Try(kCompany, "SeriousListingDecided", ListingJson("L2", "N2", "2025-06-19", "2028-06-18")).code() ==
        StatusCode::kInvalidArgument);
  // A term one day over 36 months, or ten years: refused, naming the last lawful day.
  const Status over = s.Try(kCompany, "SeriousListingDecided", ListingJson("L2", "N2", "2025-06-20", "2028-06-20"));
  REQUIRE(over.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(Message(over), Catch::Contains("body.term_end_date") && Catch::Contains("2028-06-19"));
  CHECK(s.Try(kCompany, "SeriousListingDecided", ListingJson("L2", "N2", "2025-06-20", "2035-06-19")).code() ==
        StatusCode::kInvalidArgument);
  // On the day of the resolution, with the longest lawful term.
  REQUIRE(s.Try(kCompany, "SeriousListingDecided", ListingJson("L2", "N2", "2025-06-20", "2028-06-19")).ok());
  const Profile listed = s.At(kCompany, "2025-06-20");
  const Membership* m = Story::On(listed, fb::ListKind::SeriousDishonesty);
  REQUIRE(m != nullptr);
  CHECK(m->why.rule == "serious_list.decision");
  CHECK(Date(*m->until) == "2028-06-19");
  CHECK(listed.grade == 'D');
  CHECK(listed.grade_rule == "grade.D");
  CHECK(Story::On(s.At(kCompany, "2028-06-19"), fb::ListKind::SeriousDishonesty) != nullptr);
  CHECK(Story::On(s.At(kCompany, "2028-06-20"), fb::ListKind::SeriousDishonesty) == nullptr);
}

TEST_CASE("A listing is repaired only with the year passed, a commitment and the fine paid", "[rules][repair]") {
  Story s;
  s.Add(kCompany, "PenaltyDecided", PenaltyWith("罚〔2025〕61号", "2025-05-20", "Serious"));
  s.Add(kCompany, "ListingNoticeIssued", NoticeJson("N3", "2025-06-02", "2025-06-09", "罚〔2025〕61号"));
  s.Add(kCompany, "SeriousListingDecided", ListingJson("L3", "N3", "2025-06-10", "2028-06-09"));
  s.Add(kCompany, "CommitmentMade", CommitmentJson("CR3", "2026-06-01", "2027-06-01", "CreditRepair"));
  s.Add(kCompany, "RepairApplied", {{"repair_id", "R3"}, {"target", "L3"}, {"commitment_id", "CR3"}, {"applied_date", "2026-06-05"}});
  s.Add(kCompany, "RepairDecided", {{"repair_id", "R3"}, {"approved", true}, {"decided_date", "2026-06-10"}, {"reason", "满一年"}});
  // The fine is unpaid: the approved repair does not end the listing, and the profile says why.
  const Profile unpaid = s.At(kCompany, "2026-07-01");
  CHECK(Story::On(unpaid, fb::ListKind::SeriousDishonesty) != nullptr);
  CHECK(Disregards(unpaid, "serious_list.repair", "罚〔2025〕61号 were not fulfilled"));
  s.Add(kCompany, "PenaltyFulfilled", {{"decision_number", "罚〔2025〕61号"}, {"fulfilled_date", "2026-07-01"}});
  s.Add(kCompany, "RepairApplied", {{"repair_id", "R4"}, {"target", "L3"}, {"commitment_id", "CR3"}, {"applied_date", "2026-07-02"}});
  s.Add(kCompany, "RepairDecided", {{"repair_id", "R4"}, {"approved", true}, {"decided_date", "2026-07-10"}, {"reason", "已履行"}});
  CHECK(Story::On(s.At(kCompany, "2026-07-09"), fb::ListKind::SeriousDishonesty) != nullptr);
  CHECK(Story::On(s.At(kCompany, "2026-07-10"), fb::ListKind::SeriousDishonesty) == nullptr);  // the repair decision: the first day off
  CHECK(Story::On(s.At(kCompany, "2026-07-11"), fb::ListKind::SeriousDishonesty) == nullptr);
}

TEST_CASE("A log written before the rules: the projection disregards an unlawful listing and says why", "[rules][due_process]") {
  Story s(/*admitted=*/false);
  s.Add(kCompany, "PenaltyDecided", PenaltyWith("罚〔2025〕82号", "2025-09-01", "Serious"));
  s.Add(kCompany, "ListingNoticeIssued", NoticeJson("N5", "2025-09-26", "2025-09-29", "罚〔2025〕82号"));
  const uint64_t early = s.Add(kCompany, "SeriousListingDecided", ListingJson("L5", "N5", "2025-09-30", "2035-09-29"));
  const Profile p = s.At(kCompany, "2025-11-01");
  CHECK(Story::On(p, fb::ListKind::SeriousDishonesty) == nullptr);
  REQUIRE(Disregards(p, "serious_list.due_process", "earliest lawful decision date is 2025-10-11"));
  CHECK(p.disregarded.front().seq == early);
  // A lawful decision with a ten-year term: listed, to the last day of 36 months, and the cut is explained.
  s.Add(kCompany, "SeriousListingDecided", ListingJson("L6", "N5", "2025-10-13", "2035-10-12"));
  const Profile later = s.At(kCompany, "2025-11-01");
  const Membership* m = Story::On(later, fb::ListKind::SeriousDishonesty);
  REQUIRE(m != nullptr);
  CHECK(Date(*m->until) == "2028-10-12");
  CHECK(Disregards(later, "serious_list.max_term_months", "the last lawful day on the list is 2028-10-12"));
  CHECK(Story::On(s.At(kCompany, "2028-10-13"), fb::ListKind::SeriousDishonesty) == nullptr);
}

// ---------------------------------------------------------------- watch list and grade

TEST_CASE("The watch list lasts twelve months after the latest trigger, a repaired penalty stops counting", "[rules][watch]") {
  Story s;
  s.Add(kCompany, "PenaltyDecided", PenaltyWith("罚〔2025〕1号", "2025-01-15", "General"));
  s.Add(kCompany, "PenaltyDecided", PenaltyWith("罚〔2025〕2号", "2025-06-10", "General"));
  CHECK(Story::On(s.At(kCompany, "2025-06-09"), fb::ListKind::Watch) == nullptr);
  const Profile entered = s.At(kCompany, "2025-06-10");
  const Membership* m = Story::On(entered, fb::ListKind::Watch);
  REQUIRE(m != nullptr);
  CHECK(m->why.rule == "watch_list.general_penalties");
  CHECK(Date(m->since) == "2025-06-10");
  CHECK(Date(*m->until) == "2026-06-09");
  // The older penalty leaves the window on 2026-01-15; membership lasts to the latest trigger's twelve months.
  CHECK(Story::On(s.At(kCompany, "2026-01-15"), fb::ListKind::Watch) != nullptr);
  CHECK(Story::On(s.At(kCompany, "2026-06-09"), fb::ListKind::Watch) != nullptr);
  CHECK(Story::On(s.At(kCompany, "2026-06-10"), fb::ListKind::Watch) == nullptr);

  // Repairing the later penalty on the day its minimum publicity ends: it stops counting.
  s.Add(kCompany, "PenaltyFulfilled", {{"decision_number", "罚〔2025〕2号"}, {"fulfilled_date", "2025-06-20"}});
  s.Add(kCompany, "CommitmentMade", CommitmentJson("CR9", "2025-09-01", "2026-09-01", "CreditRepair"));
  s.Add(kCompany, "RepairApplied", {{"repair_id", "R9"}, {"target", "罚〔2025〕2号"}, {"commitment_id", "CR9"}, {"applied_date", "2025-09-01"}});
  s.Add(kCompany, "RepairDecided", {{"repair_id", "R9"}, {"approved", true}, {"decided_date", "2025-09-10"}, {"reason", "已修复"}});
  CHECK(Story::On(s.At(kCompany, "2025-09-09"), fb::ListKind::Watch) != nullptr);
  const Profile repaired = s.At(kCompany, "2025-09-10");
  CHECK(Story::On(repaired, fb::ListKind::Watch) == nullptr);
  CHECK(repaired.grade == 'C');  // the older general penalty is still in publicity
  CHECK(repaired.grade_rule == "grade.C.general_penalty");
}

TEST_CASE("An unrepaired serious penalty grades C before any listing, a public body on 政务失信 grades D", "[rules][grade]") {
  Story s;
  s.Add(kCompany, "PenaltyDecided", PenaltyWith("罚〔2026〕3号", "2026-03-02", "Serious"));
  CHECK(s.At(kCompany, "2026-03-01").grade == 'B');
  const Profile serious = s.At(kCompany, "2026-03-02");
  CHECK(serious.grade == 'C');
  CHECK(serious.grade_rule == "grade.C.serious_penalty");
  CHECK(serious.grade_seqs == serious.penalties[0].penalty->seqs);
  CHECK(s.At(kCompany, "2026-03-03").grade == 'C');

  s.Add(kPublicBody, "ContractSigned", {{"contract_id", "HT9"}, {"public_body", kPublicBody}, {"counterparty", kCompany},
                                        {"title", "采购"}, {"amount_fen", 1000000}, {"signed_date", "2025-12-01"},
                                        {"delivery_date", "2026-01-01"}, {"payment_term_days", 30}});
  CHECK(s.At(kPublicBody, "2026-03-02").grade == 'B');  // due 2026-01-31: 30 days overdue
  const Profile d = s.At(kPublicBody, "2026-03-03");
  CHECK(d.grade == 'D');
  CHECK(d.grade_rule == "grade.D.government_dishonesty");
  CHECK(s.At(kPublicBody, "2026-03-04").grade == 'D');

  // Every reason is said in Chinese too, and every rule has a display name.
  CHECK(serious.grade_reason_zh == "严重行政处罚 罚〔2026〕3号 未修复");
  CHECK(serious.grade_rule_name->zh == "信用等级 C：未修复的严重行政处罚");
  CHECK(d.grade_reason_zh.starts_with("公共机构列入政务失信名单（合同 HT9：10000.00 元未支付，逾期 31 天"));
  const Membership* listed = Story::On(d, fb::ListKind::GovernmentDishonesty);
  REQUIRE(listed != nullptr);
  CHECK(listed->reason_zh == "合同 HT9：10000.00 元未支付，逾期 31 天");
  CHECK(listed->why.name->zh == "政务失信：逾期未支付款项");
  CHECK(listed->why.name->en == "Government dishonesty: payment overdue");
}

TEST_CASE("Every rule a projection names has a display name in both languages, and a ruleset may rename it", "[rules][ruleset]") {
  for (std::string_view rule : KnownRules()) {
    INFO(rule);
    const Words name = RuleName(rule);
    CHECK(name.zh != rule);
    CHECK(name.en != rule);
    CHECK(name.zh.find_first_of("abcdefghijklmnopqrstuvwxyz") == std::string::npos);  // no English in the Chinese name
  }
  CHECK(RuleName("no.such_rule").zh == "no.such_rule");  // an unknown id is shown as it is

  auto renamed = ParseRuleset(R"({"version": "x", "rule_names": {"red_list": {"zh": "诚信红名单", "en": "Red list"}}})");
  REQUIRE(renamed.ok());
  CHECK(renamed->NameOf("red_list")->zh == "诚信红名单");
  CHECK(renamed->NameOf("grade.B")->zh == "信用等级 B：未列入名单");  // the others keep the built-in names
  auto unknown = ParseRuleset(R"({"version": "x", "rule_names": {"red.list": {"zh": "a", "en": "b"}}})");
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.status().message(), Catch::Contains(".rule_names.red.list: not a rule this build derives"));
  auto half = ParseRuleset(R"({"version": "x", "rule_names": {"red_list": {"zh": "诚信红名单"}}})");
  REQUIRE_FALSE(half.ok());
  CHECK_THAT(half.status().message(), Catch::Contains(".rule_names.red_list.en"));
}

TEST_CASE("不予处罚 is recorded and shown, never published, graded or counted, with a fine it is refused", "[rules][discretion]") {
  Story s;
  const Status fined = s.Try(kCompany, "PenaltyDecided", PenaltyWith("罚〔2026〕10号", "2026-02-01", "General", "NoPenalty", 500000));
  REQUIRE(fined.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(Message(fined), Catch::Contains("body.fine_fen"));
  s.Add(kCompany, "PenaltyDecided", PenaltyWith("罚〔2026〕10号", "2026-02-01", "General", "NoPenalty", 0));
  s.Add(kCompany, "PenaltyDecided", PenaltyWith("罚〔2026〕11号", "2026-03-01", "General", "Heavier"));
  const Profile p = s.At(kCompany, "2026-03-01");
  REQUIRE(p.penalties.size() == 2);
  CHECK(p.penalties[0].state == "not_published");
  CHECK(p.penalties[0].penalty->discretion == fb::Discretion::NoPenalty);
  CHECK(p.penalties[1].penalty->discretion == fb::Discretion::Heavier);
  CHECK(Story::On(p, fb::ListKind::Watch) == nullptr);  // one counting general penalty, not two
  CHECK(p.grade_rule == "grade.C.general_penalty");
  CHECK_THAT(p.grade_reason, Catch::Contains("罚〔2026〕11号"));
  CHECK(s.At(kCompany, "2026-02-01").grade == 'B');  // 不予处罚 alone does not grade
}

// ---------------------------------------------------------------- rulesets

TEST_CASE("Rulesets: every key has a default, an unknown key or a broken document is refused when recorded", "[rules][ruleset]") {
  auto minimal = ParseRuleset(R"({"version": "minimal-1"})");
  REQUIRE(minimal.ok());
  CHECK(minimal->objection_window_working_days == 5);
  CHECK(minimal->serious_default_term_months == 36);
  CHECK(minimal->serious_max_term_months == 36);
  CHECK(minimal->penalty_publicity[static_cast<int>(fb::Severity::General)].max_months == 12);
  CHECK(minimal->measures[static_cast<int>(fb::ListKind::Watch)] == std::vector<std::string>{"提高抽查比例"});
  CHECK(minimal->calendar.version.empty());
  auto unknown = ParseRuleset(R"({"version": "x", "watch_list": {"window_month": 6}})");
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.status().message(), Catch::Contains(".watch_list.window_month: not a ruleset key"));
  auto weekday = ParseRuleset(R"({"version": "x", "calendar": {"version": "c", "years": [{"year": 2026, "notice": "n", "workdays": ["2026-01-05"]}]}})");
  REQUIRE_FALSE(weekday.ok());
  CHECK_THAT(weekday.status().message(), Catch::Contains("2026-01-05 is a weekday"));
  // The example a clerk copies is a valid ruleset.
  const json example = json::parse(ReadFile(CREDITLOG_SOURCE_DIR "/events/examples/RulesetAdopted.json"));
  CHECK(ParseRuleset(example["body"]["rules_json"].get<std::string>()).ok());

  Story s;
  const Status broken = s.Try("", "RulesetAdopted", {{"version", "v9"}, {"rules_json", R"({"version": "v9", "measures": 5})"},
                                                     {"effective_date", "2026-01-01"}}, &s.f.root);
  REQUIRE(broken.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(Message(broken), Catch::Contains("body.rules_json") && Catch::Contains(".measures"));
  const Status mismatch = s.Try("", "RulesetAdopted", {{"version", "v9"}, {"rules_json", R"({"version": "v8"})"},
                                                       {"effective_date", "2026-01-01"}}, &s.f.root);
  CHECK_THAT(Message(mismatch), Catch::Contains("body.version"));
  CHECK(s.Try("", "RulesetAdopted", {{"version", "v9"}, {"rules_json", R"({"version": "v9"})"}, {"effective_date", "2026-01-01"}},
              &s.f.root).ok());
}

// ---------------------------------------------------------------- subjects, contracts, records

TEST_CASE("Subjects are what their registration says, and events need one", "[rules][subjects]") {
  Story s;
  const std::string unregistered = Uscc("370203", 77);
  const Status none = s.Try(unregistered, "CommitmentMade", CommitmentJson("C7", "2026-01-05", "2026-02-05", "Voluntary"));
  REQUIRE(none.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(Message(none), Catch::Contains("subject") && Catch::Contains("not registered"));
  // A code that reads like a public body's (11…) registered as an enterprise is not on the board,
  // nor is a civil servant's file under a public body's code.
  const std::string looks_public = events::MakeUscc("11", "370202", "MB5E6F7G");
  s.Register(looks_public, "Enterprise", "青岛某某有限公司");
  s.Add(looks_public, "CommitmentMade", CommitmentJson("G8", "2026-01-01", "2026-02-01", "GovernmentService"));
  const std::string civil_servant = kPublicBody + "/0042";
  s.Add(civil_servant, "SubjectRegistered", {{"kind", "CivilServant"}, {"name", "张某"}, {"staff_number", "0042"},
                                             {"employer_uscc", kPublicBody}});
  s.Add(civil_servant, "CivilServantIntegrityEntry", {{"entry_id", "E1"}, {"category", "考核"}, {"content", "优秀"},
                                                      {"entry_date", "2026-01-10"}});
  auto state = BuildState(*s.f.ledger, s.f.ledger->size());
  REQUIRE(state.ok());
  std::vector<std::string> board;
  for (const auto& row : IntegrityBoard(*state, D("2026-03-01"))) board.push_back(row.subject);
  CHECK(board == std::vector<std::string>{kPublicBody, kOtherBody});  // by rate, then code
  // A kind never changes; a civil servant's file needs the USCC/staff-number form.
  CHECK(s.Try(kCompany, "SubjectRegistered", {{"kind", "PublicBody"}, {"name", kCompanyName}}).code() == StatusCode::kInvalidArgument);
  CHECK(s.Try(kCompany, "SubjectRegistered", {{"kind", "CivilServant"}, {"name", "李某"}}).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("The 60-day cap binds small and medium counterparties, each instalment is due on its own date", "[rules][contracts]") {
  Story s;
  auto contract = [&](const std::string& id, bool sme, int term, json schedule = json::array()) {
    json body = {{"contract_id", id}, {"public_body", kPublicBody}, {"counterparty", kCompany}, {"counterparty_is_sme", sme},
                 {"title", "物业服务"}, {"amount_fen", 1000000}, {"signed_date", "2025-12-01"},
                 {"delivery_date", "2026-01-01"}, {"payment_term_days", term}};
    if (!schedule.empty()) body["schedule"] = schedule;
    return s.Try(kPublicBody, "ContractSigned", body);
  };
  CHECK(contract("SME-60", true, 60).ok());
  const Status over = contract("SME-61", true, 61);
  REQUIRE(over.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(Message(over), Catch::Contains("body.payment_term_days") && Catch::Contains("small or medium"));
  CHECK(contract("LARGE-90", false, 90).ok());
  CHECK(contract("SUM", false, 30, json::array({{{"due_days_after_delivery", 30}, {"amount_fen", 1}}})).code() ==
        StatusCode::kInvalidArgument);
  REQUIRE(contract("INST", false, 30,
                   json::array({{{"due_days_after_delivery", 30}, {"amount_fen", 400000}},
                                {{"due_days_after_delivery", 90}, {"amount_fen", 600000}}})).ok());
  auto inst = [&](const char* date) {
    for (const ContractView& v : s.At(kPublicBody, date).contracts) {
      if (v.contract->id == "INST") return v;
    }
    FAIL("no contract INST");
    return ContractView{};
  };
  // The first instalment is due on 2026-01-31, the second on 2026-04-01.
  CHECK(inst("2026-01-31").outstanding_fen == 0);
  CHECK(inst("2026-02-01").outstanding_fen == 400000);
  CHECK(inst("2026-02-01").days_overdue == 1);
  s.Add(kPublicBody, "PaymentMade", {{"contract_id", "INST"}, {"amount_fen", 400000}, {"paid_date", "2026-02-10"}});
  CHECK(inst("2026-04-01").outstanding_fen == 0);
  CHECK(inst("2026-04-02").outstanding_fen == 600000);
  CHECK(inst("2026-04-02").days_overdue == 1);
  CHECK_FALSE(inst("2026-04-02").paid_on_time);
}

TEST_CASE("A correction supersedes named fields of a record, the profile shows them, the history keeps both", "[rules][records]") {
  Story s;
  const uint64_t decided = s.Add(kCompany, "PenaltyDecided", PenaltyWith("罚〔2026〕40号", "2026-02-01", "General"));
  auto correction = [](const char* number, json fields, const char* date = "2026-02-10") {
    return json{{"record_type", "PenaltyDecided"}, {"record_id", number}, {"fields", std::move(fields)},
                {"reason", "金额误录"}, {"basis", "《行政处罚法》第七十二条"}, {"corrected_date", date}};
  };
  // Refused: an unknown record, a field no correction changes, a date before the record, another agency.
  CHECK(s.Try(kCompany, "RecordCorrected", correction("罚〔2026〕99号", json::array({{{"field", "fine_fen"}, {"number", 1}}}))).code() ==
        StatusCode::kInvalidArgument);
  const Status field = s.Try(kCompany, "RecordCorrected", correction("罚〔2026〕40号", json::array({{{"field", "facts"}, {"text", "x"}}})));
  CHECK_THAT(Message(field), Catch::Contains("body.fields[0].field") && Catch::Contains("fine_fen"));
  CHECK_THAT(Message(s.Try(kCompany, "RecordCorrected", correction("罚〔2026〕40号", json::array({{{"field", "fine_fen"}, {"number", 1}}}), "2026-01-31"))),
             Catch::Contains("body.corrected_date"));
  KeyPair other = GenerateKeyPair();
  s.Record(s.f.root, RegisterEvent("other-agency", other.public_key, "3702", {"RecordCorrected"}, events::MakeUscc("11", "370200", "MB1B0009")));
  const Status foreign = s.Try(kCompany, "RecordCorrected", correction("罚〔2026〕40号", json::array({{{"field", "fine_fen"}, {"number", 1}}})), &other);
  CHECK_THAT(Message(foreign), Catch::Contains("only that agency corrects it"));
  CHECK_THAT(Message(s.Try(kCompany, "RecordCorrected", correction("罚〔2026〕40号", json::array({{{"field", "discretion"}, {"text", "NoPenalty"}}})))),
             Catch::Contains("不予处罚"));
  CHECK(Story::On(s.At(kCompany, "2026-02-10"), fb::ListKind::Watch) == nullptr);
  // The fine was 5,000 元 and is corrected to 3,000 元, the severity to minor: the grade follows.
  CHECK(s.At(kCompany, "2026-02-10").grade == 'C');
  const uint64_t corrected = s.Add(kCompany, "RecordCorrected",
                                   correction("罚〔2026〕40号", json::array({{{"field", "fine_fen"}, {"number", 300000}},
                                                                           {{"field", "severity"}, {"text", "Minor"}}})));
  const Profile p = s.At(kCompany, "2026-02-10");
  REQUIRE(p.penalties.size() == 1);
  CHECK(p.penalties[0].penalty->fine_fen == 300000);
  CHECK(p.penalties[0].penalty->severity == fb::Severity::Minor);
  CHECK(p.penalties[0].penalty->seqs == std::vector<uint64_t>{decided, corrected});
  CHECK(p.grade == 'B');
  // Both stay in the subject's history.
  auto seqs = s.f.ledger->StreamSeqs(kCompany);
  REQUIRE(seqs.ok());
  CHECK(std::count(seqs->begin(), seqs->end(), decided) == 1);
  CHECK(std::count(seqs->begin(), seqs->end(), corrected) == 1);
}

TEST_CASE("A record is never recorded twice, and a correction must name what it corrects", "[rules][records]") {
  Story s;
  const uint64_t first = s.Add(kCompany, "PenaltyDecided", PenaltyWith("罚〔2026〕20号", "2026-02-01", "General"));
  const Status twice = s.Try(kCompany, "PenaltyDecided", PenaltyWith("罚〔2026〕20号", "2026-02-02", "Minor"));
  REQUIRE(twice.code() == StatusCode::kConflict);
  CHECK_THAT(Message(twice), Catch::Contains("body.decision_number") && Catch::Contains("seq " + std::to_string(first)));
  s.Add(kCompany, "CommitmentMade", CommitmentJson("C20", "2026-02-01", "2026-03-01", "Voluntary"));
  CHECK(s.Try(kCompany, "CommitmentMade", CommitmentJson("C20", "2026-02-05", "2026-03-01", "Voluntary")).code() == StatusCode::kConflict);
}

TEST_CASE("Implausible records are refused with the field named", "[rules][plausibility]") {
  Story s;
  const Day today = TodayInChina();
  // Dated after the day of recording: refused; on it: recorded.
  const std::string tomorrow = Date(today + 1);
  const Status ahead = s.Try(kCompany, "PenaltyDecided", PenaltyWith("罚〔F〕1号", tomorrow.c_str(), "Minor"));
  REQUIRE(ahead.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(Message(ahead), Catch::Contains("body.decision_date") && Catch::Contains("after the day of recording"));
  CHECK(s.Try(kCompany, "PenaltyDecided", PenaltyWith("罚〔F〕1号", "2099-01-01", "Minor")).code() == StatusCode::kInvalidArgument);
  const std::string today_date = Date(today);
  CHECK(s.Try(kCompany, "PenaltyDecided", PenaltyWith("罚〔F〕1号", today_date.c_str(), "Minor")).ok());

  // A name other than the registered one, until a registration records the change.
  json renamed = PenaltyWith("罚〔2026〕30号", "2026-03-01", "Minor");
  renamed["subject_name"] = "青岛蓝海食品股份有限公司";
  const Status name = s.Try(kCompany, "PenaltyDecided", renamed);
  REQUIRE(name.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(Message(name), Catch::Contains("body.subject_name") && Catch::Contains(kCompanyName));
  s.Register(kCompany, "Enterprise", "青岛蓝海食品股份有限公司");
  CHECK(s.Try(kCompany, "PenaltyDecided", renamed).ok());

  // A verification before its commitment: the day before is refused, the same day recorded.
  s.Add(kCompany, "CommitmentMade", CommitmentJson("V1", "2026-04-10", "2026-05-10", "Voluntary"));
  const Status early = s.Try(kCompany, "CommitmentVerified", {{"commitment_id", "V1"}, {"verified_date", "2026-04-09"}});
  REQUIRE(early.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(Message(early), Catch::Contains("body.verified_date"));
  CHECK(s.Try(kCompany, "CommitmentVerified", {{"commitment_id", "V1"}, {"verified_date", "2026-04-10"}}).ok());
  CHECK(s.Try(kCompany, "CommitmentVerified", {{"commitment_id", "NOPE"}, {"verified_date", "2026-04-10"}}).code() ==
        StatusCode::kInvalidArgument);

  // A penalty decided by another agency than the one that signs it.
  json foreign = PenaltyWith("罚〔2026〕31号", "2026-03-01", "Minor");
  foreign["deciding_agency"] = events::MakeUscc("11", "370200", "MB1B0009");
  foreign["subject_name"] = "青岛蓝海食品股份有限公司";
  const Status agency = s.Try(kCompany, "PenaltyDecided", foreign);
  REQUIRE(agency.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(Message(agency), Catch::Contains("body.deciding_agency"));
}

TEST_CASE("A 告知承诺 from a subject that may not make one that day is refused, naming the listing", "[rules][plausibility]") {
  Story s;
  s.Add(kCompany, "CommitmentMade", CommitmentJson("F1", "2025-02-01", "2025-03-01"));
  s.Add(kCompany, "CommitmentBreached", {{"commitment_id", "F1"}, {"finding", "承诺不实"}, {"breach_date", "2025-03-10"},
                                         {"false_commitment", true}});
  // Ineligible from 2025-03-10 to 2026-03-09.
  const Status last_day = s.Try(kCompany, "CommitmentMade", CommitmentJson("F2", "2026-03-09", "2026-04-09"));
  REQUIRE(last_day.code() == StatusCode::kInvalidArgument);
  CHECK_THAT(Message(last_day), Catch::Contains("body.commitment_type") && Catch::Contains("告知承诺不适用名单") &&
                                    Catch::Contains("false commitment F1") && Catch::Contains("until 2026-03-09"));
  CHECK(s.Try(kCompany, "CommitmentMade", CommitmentJson("F2", "2025-03-09", "2025-04-09")).ok());  // the day before the breach
  CHECK(s.Try(kCompany, "CommitmentMade", CommitmentJson("F3", "2026-03-10", "2026-04-10")).ok());  // the day after it ends
  CHECK(s.Try(kCompany, "CommitmentMade", CommitmentJson("F4", "2026-03-09", "2026-04-09", "Voluntary")).ok());  // other kinds
}

TEST_CASE("Every example event is recorded through the rules, in the order a clerk would record them", "[rules][examples]") {
  Story s(/*admitted=*/true);
  KeyPair all = GenerateKeyPair();
  std::vector<std::string> every = kAllTypes;
  for (const char* t : {"CommitmentWithdrawn", "ContractCompleted", "CivilServantIntegrityEntry", "MeasureApplied",
                        "ServiceCaseHandled", "ServiceRectified", "ServiceFollowedUp"}) {
    every.push_back(t);
  }
  // Genesis is the one example that cannot be appended: seq 0 of every ledger is its own.
  const json example_agency = json::parse(ReadFile(CREDITLOG_SOURCE_DIR "/events/examples/PenaltyDecided.json"))["body"]["deciding_agency"];
  s.Record(s.f.root, RegisterEvent("examples", all.public_key, "", every, example_agency.get<std::string>()));
  const std::string body = "12370211MB2C3D4E7J";  // the examples' public body, and a civil servant of it
  s.Register(body, "PublicBody", "青岛市市南区机关事务服务中心");
  s.Add(body + "/A0123", "SubjectRegistered", {{"kind", "CivilServant"}, {"name", "王某"}, {"staff_number", "A0123"},
                                               {"employer_uscc", body}});
  const char* order[] = {"RulesetAdopted", "SubjectRegistered", "CommitmentMade", "CommitmentVerified",
                         "ContractSigned", "PaymentMade", "ArrearsRecorded", "ArrearsCleared", "ContractCompleted",
                         "PenaltyDecided", "PenaltyFulfilled", "ListingNoticeIssued", "ObjectionFiled",
                         "ObjectionResolved", "SeriousListingDecided", "SeriousListingExited", "RepairApplied",
                         "RepairDecided", "ServiceRated", "RecordCorrected", "PenaltyRevoked", "CommitmentBreached", "CommitmentWithdrawn",
                         "CivilServantIntegrityEntry", "MeasureApplied", "ServiceCaseHandled", "ServiceRectified",
                         "ServiceFollowedUp", "ErasureRecorded", "AgencyKeyRegistered", "KeyRevoked"};
  for (const char* type : order) {
    INFO(type);
    json event = json::parse(ReadFile(std::string(CREDITLOG_SOURCE_DIR "/events/examples/") + type + ".json"));
    if (std::string_view(type) == "ServiceRectified") {  // the 差评 it rectifies, on the example case
      s.Record(all, {{"event_id", "examples/bad-rating"}, {"subject", event["subject"]}, {"body_type", "ServiceRated"},
                     {"body", {{"rating_id", "PJ-2026-90001"}, {"rating", 2}, {"matter", "食品经营许可"}, {"rated_date", "2026-03-03"},
                               {"channel", "Window"}, {"case_id", event["body"]["case_id"]}}}});
    }
    const bool administrative = event.value("subject", "").empty();
    auto r = s.f.ledger->Append(Sign(event, administrative ? s.f.root : all, LedgerFixture::kOrigin));
    CHECK(r.status().ToString() == "ok");
  }
}
