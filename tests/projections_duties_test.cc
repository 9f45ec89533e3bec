// The seeds' processes past the recording: verification duties of the accepting agency (先证后核,
// 谁审批谁监管), the lapse of a 容缺受理, objections to any record with their handling deadline, and
// the measures of 联合奖惩 with their feedback and a department's check. Each at its boundary days.
#include "story_fixture.h"

#include "projections/duties.h"
#include "projections/services.h"

using namespace creditlog;
using namespace creditlog::testing;

namespace {

json AcceptedBy(json commitment, const std::string& agency) {
  commitment["accepting_agency"] = agency;
  return commitment;
}

const IntegrityRow* RowOf(const std::vector<IntegrityRow>& board, const std::string& subject) {
  for (const IntegrityRow& r : board) {
    if (r.subject == subject) return &r;
  }
  return nullptr;
}

int Failures(const IntegrityRow& row, const std::string& rule) {
  for (const auto& f : row.failures) {
    if (f.rule == rule) return f.count;
  }
  return 0;
}

}  // namespace

TEST_CASE("The draw of commitments for verification is the documented hash, the same for everyone", "[duties]") {
  CHECK(SampledForVerification("anything", 100));
  CHECK_FALSE(SampledForVerification("anything", 0));
  // SHA-256("creditlog-sample-v1" 0 id), first four bytes big-endian, mod 100: CN-1 → 14, CN-2 → 29.
  CHECK(SampledForVerification("CN-1", 15));
  CHECK_FALSE(SampledForVerification("CN-1", 14));
  CHECK(SampledForVerification("CN-2", 30));
  CHECK_FALSE(SampledForVerification("CN-2", 29));
  int drawn = 0;
  for (int i = 0; i < 2000; ++i) drawn += SampledForVerification("V-" + std::to_string(i), 10) ? 1 : 0;
  CHECK(drawn > 150);
  CHECK(drawn < 250);
}

TEST_CASE("A 告知承诺 is due for verification 60 days after it is made, and overdue it is the accepting body's failure", "[duties]") {
  Story s;
  // Made 2026-03-02 and accepted by the district's approval bureau: verify by 2026-05-01.
  s.Add(kCompany, "CommitmentMade", AcceptedBy(CommitmentJson("GZ-1", "2026-03-02", "2026-12-31"), kPublicBody));
  s.At(kCompany, "2026-03-02");  // builds the state
  const State& state = s.state_;

  auto due = DueVerifications(state, kPublicBody, D("2026-05-01"));
  REQUIRE(due.size() == 1);
  CHECK(due[0].commitment->id == "GZ-1");
  CHECK(due[0].due_by == D("2026-05-01"));
  CHECK_FALSE(due[0].overdue);
  CHECK(DueVerifications(state, kOtherBody, D("2026-05-01")).empty());  // another body owes nothing
  CHECK(DueVerifications(state, kPublicBody, D("2026-03-01")).empty());  // not yet made
  due = DueVerifications(state, kPublicBody, D("2026-05-02"));
  REQUIRE(due.size() == 1);
  CHECK(due[0].overdue);

  // On the board: no failure on the last day, one the day after, named and with its seqs.
  const auto last_board = IntegrityBoard(state, D("2026-05-01"));
  const IntegrityRow* last_day = RowOf(last_board, kPublicBody);
  REQUIRE(last_day != nullptr);
  CHECK(Failures(*last_day, "integrity.verification_overdue") == 0);
  const auto board = IntegrityBoard(state, D("2026-05-02"));
  const IntegrityRow* after = RowOf(board, kPublicBody);
  REQUIRE(after != nullptr);
  REQUIRE(Failures(*after, "integrity.verification_overdue") == 1);
  CHECK(after->failures[0].name->zh == "政务诚信：承诺核查逾期（谁审批谁监管）");
  CHECK(after->failures[0].seqs == s.state_.Subject(kCompany)->commitments[0].seqs);
  // The other body, with no failure, now ranks above it.
  CHECK(RowOf(board, kOtherBody)->rank < after->rank);

  // The profile says the same of the commitment.
  CHECK(s.At(kCompany, "2026-05-01").commitments[0].verification == "due");
  CHECK(s.At(kCompany, "2026-05-02").commitments[0].verification == "overdue");

  // Verified late: off the work list, off the board, and shown as done late.
  s.Add(kCompany, "CommitmentVerified", {{"commitment_id", "GZ-1"}, {"verified_date", "2026-05-06"}});
  const Profile verified = s.At(kCompany, "2026-05-06");
  CHECK(verified.commitments[0].verification == "done_late");
  CHECK(*verified.commitments[0].verify_by == D("2026-05-01"));
  CHECK(DueVerifications(s.state_, kPublicBody, D("2026-05-06")).empty());
  CHECK(Failures(*RowOf(IntegrityBoard(s.state_, D("2026-05-06")), kPublicBody), "integrity.verification_overdue") == 0);
  CHECK(DueVerifications(s.state_, kPublicBody, D("2026-05-05")).size() == 1);  // the day before it was still owed
}

TEST_CASE("A commitment kind without a duty, or not drawn, owes no verification", "[duties]") {
  Story s;
  // 政务服务承诺: the body's own promise, judged on the board; no verification by an agency.
  s.Add(kPublicBody, "CommitmentMade",
        AcceptedBy(CommitmentJson("ZW-1", "2026-03-02", "2026-04-30", "GovernmentService"), kOtherBody));
  // 行业自律型 at 5 %: CN-2 draws 29, so it is not drawn.
  s.Add(kCompany, "CommitmentMade", AcceptedBy(CommitmentJson("CN-2", "2026-03-02", "2026-12-31", "IndustrySelfDiscipline"), kOtherBody));
  s.At(kCompany, "2026-03-02");
  CHECK(DueVerifications(s.state_, kOtherBody, D("2026-12-01")).empty());
  CHECK_FALSE(s.At(kCompany, "2026-12-01").commitments[0].verify_by.has_value());
}

TEST_CASE("A 容缺受理 whose materials did not come by the deadline is breached the day after", "[duties][commitments]") {
  Story s;
  s.Add(kCompany, "CommitmentMade", CommitmentJson("RQ-1", "2026-04-01", "2026-04-30", "IncompleteAcceptance"));
  const Profile on_deadline = s.At(kCompany, "2026-04-30");
  CHECK(on_deadline.commitments[0].state == "open");
  CHECK_FALSE(on_deadline.commitments[0].lapsed.has_value());
  CHECK(Story::On(on_deadline, fb::ListKind::Watch) == nullptr);

  const Profile after = s.At(kCompany, "2026-05-01");
  CHECK(after.commitments[0].state == "breached");
  CHECK(*after.commitments[0].lapsed == D("2026-05-01"));
  const Membership* watch = Story::On(after, fb::ListKind::Watch);
  REQUIRE(watch != nullptr);  // one breach within the window: the default ruleset's watch trigger
  CHECK(watch->since == D("2026-05-01"));

  // Materials supplied on the deadline day: fulfilled, no lapse.
  Story kept;
  kept.Add(kCompany, "CommitmentMade", CommitmentJson("RQ-2", "2026-04-01", "2026-04-30", "IncompleteAcceptance"));
  kept.Add(kCompany, "CommitmentVerified", {{"commitment_id", "RQ-2"}, {"verified_date", "2026-04-30"}});
  const Profile fulfilled = kept.At(kCompany, "2026-05-01");
  CHECK(fulfilled.commitments[0].state == "fulfilled");
  CHECK(Story::On(fulfilled, fb::ListKind::Watch) == nullptr);
}

TEST_CASE("An objection to any record is handled within 10 working days, counted by the holiday calendar", "[duties][objections]") {
  Story s;
  s.Add(kCompany, "PenaltyDecided", PenaltyJson("罚〔2026〕41号", "2026-06-01", "General"));
  // Filed on 2026-09-30, before the National Day holidays (10-01..10-07) and the make-up
  // Saturday 10-10: the tenth working day after it is 2026-10-20.
  s.Add(kCompany, "ObjectionFiled", {{"objection_id", "YY-1"}, {"notice_id", ""}, {"record_type", "PenaltyDecided"},
                                     {"record_id", "罚〔2026〕41号"}, {"content", "处罚认定的事实有误"}, {"filed_date", "2026-09-30"},
                                     {"handling_agency", kOtherBody}});
  const Profile last_day = s.At(kCompany, "2026-10-20");
  REQUIRE(last_day.objections.size() == 1);
  CHECK(last_day.objections[0].due_by == D("2026-10-20"));
  CHECK(last_day.objections[0].state == "pending");
  CHECK(last_day.objections[0].objection->record_type == "PenaltyDecided");
  CHECK(last_day.objections[0].objection->handling_agency == kOtherBody);
  CHECK(Failures(*RowOf(IntegrityBoard(s.state_, D("2026-10-20")), kOtherBody), "integrity.objection_overdue") == 0);

  const Profile overdue = s.At(kCompany, "2026-10-21");
  CHECK(overdue.objections[0].state == "overdue");
  CHECK(Failures(*RowOf(IntegrityBoard(s.state_, D("2026-10-21")), kOtherBody), "integrity.objection_overdue") == 1);

  s.Add(kCompany, "ObjectionResolved", {{"objection_id", "YY-1"}, {"upheld", false}, {"outcome", "维持原处罚"},
                                        {"resolved_date", "2026-10-22"}});
  const Profile resolved = s.At(kCompany, "2026-10-22");
  CHECK(resolved.objections[0].state == "rejected");
  CHECK(resolved.objections[0].late);
  CHECK(Failures(*RowOf(IntegrityBoard(s.state_, D("2026-10-22")), kOtherBody), "integrity.objection_overdue") == 0);
  // Handled by the record's own agency when the objection names none.
  s.Add(kCompany, "ObjectionFiled", {{"objection_id", "YY-2"}, {"notice_id", ""}, {"record_type", "PenaltyDecided"},
                                     {"record_id", "罚〔2026〕41号"}, {"content", "罚款金额有误"}, {"filed_date", "2026-10-23"}});
  CHECK(s.At(kCompany, "2026-10-23").objections[1].objection->handling_agency == kAgency);
}

TEST_CASE("An objection names a record the subject has, once, not before it was made, and a notice or a record but not both", "[duties][objections]") {
  Story s;
  s.Add(kCompany, "PenaltyDecided", PenaltyJson("罚〔2026〕42号", "2026-06-01", "General"));
  json objection = {{"objection_id", "YY-9"}, {"notice_id", ""}, {"record_type", "PenaltyDecided"},
                    {"record_id", "罚〔2026〕99号"}, {"content", "异议"}, {"filed_date", "2026-07-01"}};
  Status unknown = s.Try(kCompany, "ObjectionFiled", objection);
  CHECK_THAT(unknown.message(), Catch::Contains("body.record_id") && Catch::Contains("罚〔2026〕99号"));
  objection["record_id"] = "罚〔2026〕42号";
  objection["filed_date"] = "2026-05-31";
  CHECK_THAT(s.Try(kCompany, "ObjectionFiled", objection).message(), Catch::Contains("body.filed_date"));
  objection["filed_date"] = "2026-06-01";
  objection["notice_id"] = "GZ-1";
  CHECK_THAT(s.Try(kCompany, "ObjectionFiled", objection).message(), Catch::Contains("body.notice_id"));
  objection["notice_id"] = "";
  objection["record_type"] = "ServiceRated";
  CHECK_THAT(s.Try(kCompany, "ObjectionFiled", objection).message(), Catch::Contains("body.record_type"));
  objection["record_type"] = "PenaltyDecided";
  CHECK(s.Try(kCompany, "ObjectionFiled", objection).ok());
  CHECK(s.Try(kCompany, "ObjectionFiled", objection).code() == StatusCode::kConflict);
}

TEST_CASE("联合奖惩: a department's check answers from the day a list applies, and feedback needs a measure in force", "[duties][measures]") {
  Story s;
  s.Add(kPublicBody, "ContractSigned", {{"contract_id", "HT9"}, {"public_body", kPublicBody}, {"counterparty", kCompany},
                                        {"title", "采购"}, {"amount_fen", 1000000}, {"signed_date", "2025-12-01"},
                                        {"delivery_date", "2026-01-01"}, {"payment_term_days", 30}});
  const auto everything = [](fb::ListKind) { return true; };
  // Due 2026-01-31; on 政务失信 from 2026-03-03, 31 days overdue.
  const Profile before = s.At(kPublicBody, "2026-03-02");
  CHECK_FALSE(CheckAction(before, "财政资金", everything).restricted);
  const Profile listed = s.At(kPublicBody, "2026-03-03");
  const ActionCheck funds = CheckAction(listed, "财政资金", everything);
  REQUIRE(funds.restricted);
  REQUIRE(funds.restrictions.size() == 1);
  CHECK(funds.restrictions[0].measure == "限制申请财政资金");
  CHECK_THAT(funds.restrictions[0].detail->basis, Catch::Contains("国发〔2016〕33号"));
  CHECK(funds.restrictions[0].membership->list == fb::ListKind::GovernmentDishonesty);
  CHECK(funds.restrictions[0].membership->why.rule == "government_dishonesty.payment_overdue");
  CHECK_FALSE(funds.restrictions[0].membership->why.seqs.empty());
  CHECK(CheckAction(listed, "限制申请财政资金", everything).restricted);  // by the measure's name too
  CHECK(CheckAction(listed, "评优评先", everything).restricted);          // added in default-2026.3
  CHECK_FALSE(CheckAction(listed, "政府采购", everything).restricted);    // not a measure of 政务失信
  // An asker who may not see the list is not told of its measures.
  CHECK_FALSE(CheckAction(listed, "财政资金", [](fb::ListKind l) { return l != fb::ListKind::GovernmentDishonesty; }).restricted);

  // Feedback: refused the day before the measure applied, and from another agency's key.
  json applied = {{"feedback_id", "FK-1"}, {"measure", "限制申请财政资金"}, {"matter", "2026年中小企业发展专项资金申报"},
                  {"implemented_date", "2026-03-02"}, {"implementing_agency", kAgency}};
  Status early = s.Try(kPublicBody, "MeasureApplied", applied);
  CHECK_THAT(early.message(), Catch::Contains("body.measure") && Catch::Contains("did not apply"));
  applied["implemented_date"] = "2026-03-03";
  applied["implementing_agency"] = kOtherBody;
  CHECK_THAT(s.Try(kPublicBody, "MeasureApplied", applied).message(), Catch::Contains("body.implementing_agency"));
  applied["implementing_agency"] = kAgency;
  applied["measure"] = "限制参与政府采购";
  CHECK_THAT(s.Try(kPublicBody, "MeasureApplied", applied).message(), Catch::Contains("did not apply"));
  applied["measure"] = "限制申请财政资金";
  s.Add(kPublicBody, "MeasureApplied", applied);
  const Profile fed_back = s.At(kPublicBody, "2026-03-04");
  REQUIRE(fed_back.measures_applied.size() == 1);
  CHECK(fed_back.measures_applied[0]->matter == "2026年中小企业发展专项资金申报");
  CHECK(s.At(kPublicBody, "2026-03-02").measures_applied.empty());
}

TEST_CASE("好差评: each case one rating, a 差评 rectified within 15 working days or the body's failure, then followed up", "[duties][services]") {
  Story s;
  auto handled = [&](const char* id, const char* matter, const char* date) {
    s.Add(kPublicBody, "ServiceCaseHandled", {{"case_id", id}, {"matter", matter}, {"handled_date", date}, {"channel", "Window"}});
  };
  auto rating = [](const char* id, int stars, const char* matter, const char* date) {
    return json{{"rating_id", std::string("PJ-") + id + "-" + date}, {"rating", stars}, {"matter", matter}, {"rated_date", date},
                {"channel", "Window"}, {"case_id", id}};
  };
  handled("BJ-1", "食品经营许可", "2026-09-29");
  handled("BJ-2", "食品经营许可", "2026-09-29");
  handled("BJ-3", "不动产登记", "2026-09-30");
  s.Add(kPublicBody, "ServiceRated", rating("BJ-1", 2, "食品经营许可", "2026-09-30"));
  s.Add(kPublicBody, "ServiceRated", rating("BJ-2", 5, "食品经营许可", "2026-09-30"));

  // One rating a case, of its own matter, not before it was handled; cases are a public body's.
  CHECK(s.Try(kPublicBody, "ServiceRated", rating("BJ-1", 4, "食品经营许可", "2026-10-08")).code() == StatusCode::kConflict);
  CHECK_THAT(s.Try(kPublicBody, "ServiceRated", rating("BJ-3", 4, "食品经营许可", "2026-10-08")).message(), Catch::Contains("body.matter"));
  CHECK_THAT(s.Try(kPublicBody, "ServiceRated", rating("BJ-3", 4, "不动产登记", "2026-09-29")).message(), Catch::Contains("body.rated_date"));
  CHECK_THAT(s.Try(kPublicBody, "ServiceRated", rating("BJ-9", 4, "不动产登记", "2026-10-08")).message(), Catch::Contains("body.case_id"));
  CHECK_THAT(s.Try(kCompany, "ServiceCaseHandled", {{"case_id", "BJ-X"}, {"matter", "m"}, {"handled_date", "2026-09-29"}}).message(),
             Catch::Contains("public body"));
  // Only a 差评 is rectified, and a 差评 is followed up only once rectified.
  const json rectify = {{"case_id", "BJ-2"}, {"rectified_date", "2026-10-09"}, {"rectification", "整改"}};
  CHECK_THAT(s.Try(kPublicBody, "ServiceRectified", rectify).message(), Catch::Contains("no 差评"));
  CHECK_THAT(s.Try(kPublicBody, "ServiceFollowedUp", {{"case_id", "BJ-1"}, {"followed_up_date", "2026-10-09"}, {"satisfied", true}})
                 .message(),
             Catch::Contains("not yet rectified"));

  // Rated 2026-09-30: fifteen working days, past 国庆节 and the make-up Saturday 10-10, end on 10-27.
  s.At(kPublicBody, "2026-10-27");
  const ServiceReport last_day = ServicesOf(s.state_.rulesets(), *s.state_.Subject(kPublicBody), D("2026-10-27"));
  CHECK(last_day.total.cases == 3);
  CHECK(last_day.total.rated == 2);
  CHECK(last_day.total.bad == 1);
  CHECK(last_day.total.rectification_due == 1);
  CHECK(last_day.overdue.empty());
  CHECK(*RectificationDueBy(s.state_.rulesets(), *s.state_.Subject(kPublicBody)->FindCase("BJ-1")) == D("2026-10-27"));
  REQUIRE(last_day.matters.size() == 2);
  CHECK(last_day.matters[1].first == "食品经营许可");  // by matter
  CHECK(last_day.matters[1].second.average == 3.5);
  CHECK(last_day.matters[1].second.rating_rate == 1.0);
  CHECK(Failures(*RowOf(IntegrityBoard(s.state_, D("2026-10-27")), kPublicBody), "integrity.rectification_overdue") == 0);

  const ServiceReport overdue = ServicesOf(s.state_.rulesets(), *s.state_.Subject(kPublicBody), D("2026-10-28"));
  CHECK(overdue.total.rectification_overdue == 1);
  REQUIRE(overdue.overdue.size() == 1);
  CHECK(overdue.overdue[0].service_case->id == "BJ-1");
  CHECK(Failures(*RowOf(IntegrityBoard(s.state_, D("2026-10-28")), kPublicBody), "integrity.rectification_overdue") == 1);

  // Rectified a day late, then followed up: counted as late, no longer a failure.
  s.Add(kPublicBody, "ServiceRectified", {{"case_id", "BJ-1"}, {"rectified_date", "2026-10-28"}, {"rectification", "培训窗口人员"}});
  s.Add(kPublicBody, "ServiceFollowedUp", {{"case_id", "BJ-1"}, {"followed_up_date", "2026-10-29"}, {"satisfied", true}});
  s.At(kPublicBody, "2026-10-29");
  const ServiceReport done = ServicesOf(s.state_.rulesets(), *s.state_.Subject(kPublicBody), D("2026-10-29"));
  CHECK(done.total.rectified_late == 1);
  CHECK(done.total.rectification_overdue == 0);
  CHECK(done.total.followed_up == 1);
  CHECK(done.total.satisfied == 1);
  CHECK(Failures(*RowOf(IntegrityBoard(s.state_, D("2026-10-29")), kPublicBody), "integrity.rectification_overdue") == 0);
  // The body's ratings still count every rating, with a case or without.
  CHECK(s.At(kPublicBody, "2026-10-29").ratings == 2);
}
