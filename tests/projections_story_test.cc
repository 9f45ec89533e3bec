// Stories walked through a real ledger, judged on every boundary date.
#include <catch2/catch.hpp>

#include "story_fixture.h"

using namespace creditlog;
using namespace creditlog::projections;
using namespace creditlog::testing;
using nlohmann::json;


TEST_CASE("A false commitment puts a company on the watch list and out of 告知承诺 for twelve months", "[story]") {
  Story s;
  s.Add(kCompany, "CommitmentMade", CommitmentJson("C1", "2026-01-10", "2026-03-01"));
  s.Add(kCompany, "CommitmentBreached", {{"commitment_id", "C1"}, {"finding", "承诺不实"}, {"breach_date", "2026-03-10"},
                                         {"false_commitment", true}});
  Profile before = s.At(kCompany, "2026-03-09");
  REQUIRE(before.commitments[0].state == "overdue");
  REQUIRE(Story::On(before, fb::ListKind::Watch) == nullptr);
  REQUIRE(before.grade == 'B');

  Profile on = s.At(kCompany, "2026-03-10");
  const Membership* watch = Story::On(on, fb::ListKind::Watch);
  REQUIRE(watch != nullptr);
  REQUIRE(watch->why.rule == "watch_list.breached_commitments");
  REQUIRE(watch->why.ruleset_version == "default-2026.3");
  REQUIRE(events::DateFromDays(*watch->until) == "2027-03-09");  // the last day on the list
  REQUIRE(Story::On(on, fb::ListKind::NotificationIneligible) != nullptr);
  REQUIRE(Story::HasMeasure(on, "不适用告知承诺"));
  REQUIRE(on.grade == 'C');

  REQUIRE(Story::On(s.At(kCompany, "2027-03-09"), fb::ListKind::Watch) != nullptr);
  Profile after = s.At(kCompany, "2027-03-10");
  REQUIRE(Story::On(after, fb::ListKind::Watch) == nullptr);
  REQUIRE(Story::On(after, fb::ListKind::NotificationIneligible) == nullptr);
  REQUIRE(after.grade == 'B');
  REQUIRE(after.commitments[0].state == "breached");  // the history stays
}

TEST_CASE("Repairing a breached commitment takes the company off the watch list and restores 告知承诺", "[story]") {
  Story s;
  s.Add(kCompany, "CommitmentMade", CommitmentJson("C1", "2026-01-10", "2026-03-01"));
  s.Add(kCompany, "CommitmentBreached", {{"commitment_id", "C1"}, {"finding", "承诺不实"}, {"breach_date", "2026-03-10"},
                                         {"false_commitment", true}});
  s.Add(kCompany, "CommitmentMade", CommitmentJson("CR1", "2026-05-01", "2027-05-01", "CreditRepair"));
  s.Add(kCompany, "RepairApplied", {{"repair_id", "XF1"}, {"target", "C1"}, {"commitment_id", "CR1"}, {"applied_date", "2026-05-02"}});
  s.Add(kCompany, "RepairDecided", {{"repair_id", "XF1"}, {"approved", true}, {"decided_date", "2026-05-20"}, {"reason", "已纠正"}});
  Profile before = s.At(kCompany, "2026-05-19");
  REQUIRE(Story::On(before, fb::ListKind::Watch) != nullptr);
  REQUIRE(Story::HasMeasure(before, "不适用告知承诺"));
  Profile after = s.At(kCompany, "2026-05-20");
  REQUIRE(Story::On(after, fb::ListKind::Watch) == nullptr);
  REQUIRE_FALSE(Story::HasMeasure(after, "不适用告知承诺"));
  REQUIRE(after.grade == 'B');
}

TEST_CASE("A serious penalty leads through notice and objection to listing, and repair after a year ends it", "[story]") {
  Story s;
  s.Add(kCompany, "PenaltyDecided", PenaltyJson("罚〔2024〕1号", "2024-02-12", "Serious"));
  s.Add(kCompany, "PenaltyFulfilled", {{"decision_number", "罚〔2024〕1号"}, {"fulfilled_date", "2024-03-01"}});
  s.Add(kCompany, "ListingNoticeIssued", {{"notice_id", "N1"}, {"list", "SeriousDishonesty"}, {"reason", "严重违法"},
                                          {"basis", "依据"}, {"notice_date", "2024-03-01"},
                                          {"objection_deadline", "2024-03-08"}, {"related", {"罚〔2024〕1号"}}});
  s.Add(kCompany, "ObjectionFiled", {{"objection_id", "O1"}, {"notice_id", "N1"}, {"content", "异议"}, {"filed_date", "2024-03-05"}});
  s.Add(kCompany, "ObjectionResolved", {{"objection_id", "O1"}, {"upheld", false}, {"outcome", "异议不成立"},
                                        {"resolved_date", "2024-03-07"}});
  s.Add(kCompany, "SeriousListingDecided", {{"listing_id", "L1"}, {"notice_id", "N1"}, {"basis", "依据"},
                                            {"decision_date", "2024-03-10"}, {"term_end_date", "2027-03-09"},
                                            {"exit_conditions", "修复"}});
  REQUIRE(Story::On(s.At(kCompany, "2024-03-09"), fb::ListKind::SeriousDishonesty) == nullptr);
  Profile listed = s.At(kCompany, "2024-03-10");
  REQUIRE(Story::On(listed, fb::ListKind::SeriousDishonesty) != nullptr);
  REQUIRE(listed.grade == 'D');
  REQUIRE(Story::HasMeasure(listed, "限制参与政府采购"));

  // A repair decided one day before the year is out does not end the listing …
  s.Add(kCompany, "CommitmentMade", CommitmentJson("CR1", "2025-03-01", "2026-03-01", "CreditRepair"));
  s.Add(kCompany, "RepairApplied", {{"repair_id", "R0"}, {"target", "L1"}, {"commitment_id", "CR1"}, {"applied_date", "2025-03-01"}});
  s.Add(kCompany, "RepairDecided", {{"repair_id", "R0"}, {"approved", true}, {"decided_date", "2025-03-09"}, {"reason", "提前"}});
  REQUIRE(Story::On(s.At(kCompany, "2025-06-01"), fb::ListKind::SeriousDishonesty) != nullptr);
  // … one decided on the anniversary does.
  s.Add(kCompany, "RepairApplied", {{"repair_id", "R1"}, {"target", "L1"}, {"commitment_id", "CR1"}, {"applied_date", "2025-03-09"}});
  s.Add(kCompany, "RepairDecided", {{"repair_id", "R1"}, {"approved", true}, {"decided_date", "2025-03-10"}, {"reason", "修复"}});
  REQUIRE(Story::On(s.At(kCompany, "2025-03-09"), fb::ListKind::SeriousDishonesty) != nullptr);
  Profile repaired = s.At(kCompany, "2025-03-10");
  REQUIRE(Story::On(repaired, fb::ListKind::SeriousDishonesty) == nullptr);
  REQUIRE_FALSE(Story::HasMeasure(repaired, "限制参与政府采购"));
}

TEST_CASE("An upheld objection or a revoked penalty voids the listing", "[story]") {
  Story s;
  s.Add(kCompany, "PenaltyDecided", PenaltyJson("罚〔2025〕9号", "2025-01-10", "Serious"));
  s.Add(kCompany, "ListingNoticeIssued", {{"notice_id", "N9"}, {"list", "SeriousDishonesty"}, {"reason", "严重违法"},
                                          {"basis", "依据"}, {"notice_date", "2025-01-20"},
                                          {"objection_deadline", "2025-01-27"}, {"related", {"罚〔2025〕9号"}}});
  // A decision inside the objection window is refused (tests/projections_rules_test.cc has the boundaries).
  REQUIRE_THROWS_WITH(s.Add(kCompany, "SeriousListingDecided", {{"listing_id", "L-early"}, {"notice_id", "N9"}, {"basis", "依据"},
                                                                {"decision_date", "2025-01-25"}, {"term_end_date", "2028-01-24"},
                                                                {"exit_conditions", "修复"}}),
                      Catch::Contains("earliest lawful decision date is 2025-01-28"));
  REQUIRE(Story::On(s.At(kCompany, "2025-02-01"), fb::ListKind::SeriousDishonesty) == nullptr);
  s.Add(kCompany, "SeriousListingDecided", {{"listing_id", "L9"}, {"notice_id", "N9"}, {"basis", "依据"},
                                            {"decision_date", "2025-02-01"}, {"term_end_date", "2028-01-31"},
                                            {"exit_conditions", "修复"}});
  REQUIRE(Story::On(s.At(kCompany, "2025-06-01"), fb::ListKind::SeriousDishonesty) != nullptr);
  s.Add(kCompany, "PenaltyRevoked", {{"decision_number", "罚〔2025〕9号"}, {"revoked_date", "2025-07-01"}, {"reason", "复议撤销"}});
  REQUIRE(Story::On(s.At(kCompany, "2025-06-30"), fb::ListKind::SeriousDishonesty) != nullptr);
  Profile revoked = s.At(kCompany, "2025-07-01");
  REQUIRE(Story::On(revoked, fb::ListKind::SeriousDishonesty) == nullptr);
  REQUIRE(revoked.penalties[0].state == "revoked");
  REQUIRE(revoked.grade == 'B');
}

TEST_CASE("A public body with an overdue payment is on 政务失信 until it pays, with the history kept", "[story]") {
  Story s;
  s.Add(kPublicBody, "ContractSigned", {{"contract_id", "HT1"}, {"public_body", kPublicBody}, {"counterparty", kCompany},
                                        {"title", "采购"}, {"amount_fen", 1000000}, {"signed_date", "2025-12-01"},
                                        {"delivery_date", "2026-01-01"}, {"payment_term_days", 30}});
  // Due 2026-01-31; more than 30 days overdue from 2026-03-03.
  Profile due = s.At(kPublicBody, "2026-03-02");
  REQUIRE(due.contracts[0].days_overdue == 30);
  REQUIRE(Story::On(due, fb::ListKind::GovernmentDishonesty) == nullptr);
  Profile listed = s.At(kPublicBody, "2026-03-03");
  REQUIRE(Story::On(listed, fb::ListKind::GovernmentDishonesty) != nullptr);
  REQUIRE(listed.contracts[0].outstanding_fen == 1000000);
  REQUIRE(Story::HasMeasure(listed, "限制申请财政资金"));
  s.Add(kPublicBody, "PaymentMade", {{"contract_id", "HT1"}, {"amount_fen", 1000000}, {"paid_date", "2026-04-01"}});
  REQUIRE(Story::On(s.At(kPublicBody, "2026-03-31"), fb::ListKind::GovernmentDishonesty) != nullptr);
  Profile paid = s.At(kPublicBody, "2026-04-01");
  REQUIRE(Story::On(paid, fb::ListKind::GovernmentDishonesty) == nullptr);
  REQUIRE_FALSE(paid.contracts[0].paid_on_time);  // the record stays
  // The payee sees the same contract from its side.
  Profile payee = s.At(kCompany, "2026-04-01");
  REQUIRE(payee.contracts.size() == 1);
  REQUIRE_FALSE(payee.contracts[0].as_payer);
}

TEST_CASE("Three fulfilled commitments earn the red list and a breach loses it", "[story]") {
  Story s;
  const char* verified[] = {"2026-02-01", "2026-03-01", "2026-04-01"};
  for (int i = 0; i < 3; ++i) {
    const std::string id = "R" + std::to_string(i);
    s.Add(kCompany, "CommitmentMade", CommitmentJson(id, "2026-01-05", "2026-06-30", "Voluntary"));
    s.Add(kCompany, "CommitmentVerified", {{"commitment_id", id}, {"verified_date", verified[i]}});
  }
  REQUIRE(Story::On(s.At(kCompany, "2026-03-31"), fb::ListKind::Red) == nullptr);
  Profile red = s.At(kCompany, "2026-04-01");
  REQUIRE(Story::On(red, fb::ListKind::Red) != nullptr);
  REQUIRE(red.grade == 'A');
  REQUIRE(Story::HasMeasure(red, "绿色通道"));
  s.Add(kCompany, "CommitmentMade", CommitmentJson("R3", "2026-05-01", "2026-05-31", "Voluntary"));
  s.Add(kCompany, "CommitmentBreached", {{"commitment_id", "R3"}, {"finding", "未履行"}, {"breach_date", "2026-06-05"}});
  REQUIRE(Story::On(s.At(kCompany, "2026-06-04"), fb::ListKind::Red) != nullptr);
  Profile lost = s.At(kCompany, "2026-06-05");
  REQUIRE(Story::On(lost, fb::ListKind::Red) == nullptr);
  REQUIRE(lost.grade == 'C');  // and the breach puts it on the watch list
}

TEST_CASE("A ruleset replaced mid-way judges each date by the version in force", "[story]") {
  Story s;
  json v2 = json::parse(DefaultRulesetJson());
  v2["version"] = "qingdao-2026.2";
  v2["watch_list"]["window_months"] = 6;
  s.Adopt(v2.dump(), "2026-07-01", "v2");
  s.Add(kCompany, "CommitmentMade", CommitmentJson("W1", "2026-01-01", "2026-01-31", "Voluntary"));
  s.Add(kCompany, "CommitmentBreached", {{"commitment_id", "W1"}, {"finding", "未履行"}, {"breach_date", "2026-02-01"}});
  // Under the default (12 months) on 2026-06-30; under v2 (6 months) from 2026-07-01: off since 2026-08-01.
  Profile june = s.At(kCompany, "2026-06-30");
  REQUIRE(june.ruleset_version == "default-2026.3");
  REQUIRE(Story::On(june, fb::ListKind::Watch) != nullptr);
  REQUIRE(Story::On(s.At(kCompany, "2026-07-31"), fb::ListKind::Watch) != nullptr);
  Profile august = s.At(kCompany, "2026-08-01");
  REQUIRE(august.ruleset_version == "qingdao-2026.2");
  REQUIRE(Story::On(august, fb::ListKind::Watch) == nullptr);
}

TEST_CASE("Rebuilding from scratch reproduces the same state digest", "[story]") {
  Story s;
  s.Add(kCompany, "PenaltyDecided", PenaltyJson("罚〔2026〕5号", "2026-02-01", "General"));
  auto first = BuildState(*s.f.ledger, s.f.ledger->size());
  auto second = BuildState(*s.f.ledger, s.f.ledger->size());
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  REQUIRE(first->Digest() == second->Digest());
  s.Add(kCompany, "PenaltyFulfilled", {{"decision_number", "罚〔2026〕5号"}, {"fulfilled_date", "2026-02-10"}});
  auto third = BuildState(*s.f.ledger, s.f.ledger->size());
  REQUIRE(third->Digest() != first->Digest());
  // As of a seq: the state before the last event is the earlier state.
  auto earlier = BuildState(*s.f.ledger, s.f.ledger->size() - 1);
  REQUIRE(earlier->Digest() == first->Digest());
  // The live projection, caught up entry by entry, equals the rebuild.
  State live;
  for (uint64_t size = 1; size <= s.f.ledger->size(); ++size) REQUIRE(CatchUp(*s.f.ledger, size, &live).ok());
  REQUIRE(live.Digest() == third->Digest());
  // Entries read ahead and folded later (the server's catch-up), in two reads: the same state.
  const uint64_t middle = s.f.ledger->size() / 2;
  auto head = EntriesRead::Read(*s.f.ledger, 0, middle);
  auto tail = EntriesRead::Read(*s.f.ledger, middle, s.f.ledger->size());
  REQUIRE(head.ok());
  REQUIRE(tail.ok());
  CHECK(tail->from() == middle);
  CHECK(tail->end() == s.f.ledger->size());
  State ahead;
  // Folded out of order, the later entries are refused and change nothing.
  const Status early = tail->ApplyTo(&ahead);
  CHECK(early.code() == StatusCode::kInvalidArgument);
  CHECK(ahead.applied() == 0);
  REQUIRE(head->ApplyTo(&ahead).ok());
  REQUIRE(tail->ApplyTo(&ahead).ok());
  CHECK(ahead.Digest() == third->Digest());
  CHECK(EntriesRead::Read(*s.f.ledger, middle, s.f.ledger->size() + 1).status().code() == StatusCode::kInvalidArgument);
  CHECK(EntriesRead::Read(*s.f.ledger, middle, middle - 1).status().code() == StatusCode::kInvalidArgument);
  // An empty read folds nothing.
  auto none = EntriesRead::Read(*s.f.ledger, middle, middle);
  REQUIRE(none.ok());
  CHECK(none->end() == middle);
}

TEST_CASE("The integrity board ranks public bodies by promises kept, then arrears", "[story]") {
  Story s;
  const std::string& other = kOtherBody;
  s.Add(kPublicBody, "CommitmentMade", CommitmentJson("G1", "2026-01-01", "2026-02-01", "GovernmentService"));
  s.Add(kPublicBody, "CommitmentVerified", {{"commitment_id", "G1"}, {"verified_date", "2026-01-20"}});
  s.Add(other, "CommitmentMade", CommitmentJson("G2", "2026-01-01", "2026-02-01", "GovernmentService"));
  s.Add(other, "CommitmentMade", CommitmentJson("G3", "2026-01-01", "2026-02-01", "GovernmentService"));
  s.Add(other, "CommitmentVerified", {{"commitment_id", "G2"}, {"verified_date", "2026-01-20"}});
  auto state = BuildState(*s.f.ledger, s.f.ledger->size());
  REQUIRE(state.ok());
  // Before G3's deadline both have kept every promise due; after it, `other` has one overdue.
  auto january = IntegrityBoard(*state, D("2026-02-01"));
  REQUIRE(january.size() == 2);
  REQUIRE(january[0].fulfilment_rate == 1.0);
  REQUIRE(january[1].fulfilment_rate == 1.0);
  auto february = IntegrityBoard(*state, D("2026-02-02"));
  REQUIRE(february[0].subject == kPublicBody);
  REQUIRE(february[1].subject == other);
  REQUIRE(february[1].overdue == 1);
  REQUIRE(february[1].fulfilment_rate == 0.5);
  REQUIRE(february[1].rank == 2);
}

TEST_CASE("A general penalty is published three to twelve months, repair needs the minimum, fulfilment and a commitment", "[story]") {
  Story s;
  s.Add(kCompany, "PenaltyDecided", PenaltyJson("罚〔2026〕7号", "2026-01-15", "General"));
  REQUIRE(s.At(kCompany, "2026-01-14").penalties.empty());
  Profile published = s.At(kCompany, "2026-01-15");
  REQUIRE(published.penalties[0].state == "in_publicity");
  REQUIRE(events::DateFromDays(published.penalties[0].repairable_from) == "2026-04-15");
  REQUIRE(published.grade == 'C');
  REQUIRE(s.At(kCompany, "2027-01-14").penalties[0].state == "in_publicity");
  REQUIRE(s.At(kCompany, "2027-01-15").penalties[0].state == "expired");
  REQUIRE(s.At(kCompany, "2027-01-15").grade == 'B');

  // Approved the day before the minimum ends: not a lawful repair.
  s.Add(kCompany, "PenaltyFulfilled", {{"decision_number", "罚〔2026〕7号"}, {"fulfilled_date", "2026-02-01"}});
  s.Add(kCompany, "CommitmentMade", CommitmentJson("CR7", "2026-04-01", "2027-04-01", "CreditRepair"));
  s.Add(kCompany, "RepairApplied", {{"repair_id", "X0"}, {"target", "罚〔2026〕7号"}, {"commitment_id", "CR7"}, {"applied_date", "2026-04-10"}});
  s.Add(kCompany, "RepairDecided", {{"repair_id", "X0"}, {"approved", true}, {"decided_date", "2026-04-14"}, {"reason", "早"}});
  REQUIRE(s.At(kCompany, "2026-05-01").penalties[0].state == "in_publicity");
  // Without a credit commitment: not a lawful repair either.
  s.Add(kCompany, "RepairApplied", {{"repair_id", "X1"}, {"target", "罚〔2026〕7号"}, {"applied_date", "2026-04-15"}});
  s.Add(kCompany, "RepairDecided", {{"repair_id", "X1"}, {"approved", true}, {"decided_date", "2026-04-15"}, {"reason", "无承诺"}});
  REQUIRE(s.At(kCompany, "2026-05-01").penalties[0].state == "in_publicity");
  // On the day the minimum ends, fulfilled and committed: repaired, publicity ends, grade recovers.
  s.Add(kCompany, "RepairApplied", {{"repair_id", "X2"}, {"target", "罚〔2026〕7号"}, {"commitment_id", "CR7"}, {"applied_date", "2026-04-15"}});
  s.Add(kCompany, "RepairDecided", {{"repair_id", "X2"}, {"approved", true}, {"decided_date", "2026-04-15"}, {"reason", "修复"}});
  REQUIRE(s.At(kCompany, "2026-04-14").penalties[0].state == "in_publicity");
  Profile repaired = s.At(kCompany, "2026-04-15");
  REQUIRE(repaired.penalties[0].state == "repaired");
  REQUIRE(repaired.grade == 'B');
}

TEST_CASE("Service ratings count as of each date, whatever order they are recorded in", "[story]") {
  Story s;
  auto rate = [&](const char* date, int stars) {
    s.Add(kCompany, "ServiceRated", {{"rating_id", "r" + std::to_string(s.next_id)}, {"rating", stars},
                                     {"matter", "食品经营许可"}, {"rated_date", date}});
  };
  rate("2026-03-05", 5);
  rate("2026-03-01", 1);  // recorded late: an earlier day
  rate("2026-03-05", 4);
  rate("2026-03-03", 2);
  rate("2026-03-01", 3);
  CHECK(s.At(kCompany, "2026-02-28").ratings == 0);
  const Profile first = s.At(kCompany, "2026-03-01");
  CHECK(first.ratings == 2);
  CHECK(first.rating_average == 2.0);
  const Profile third = s.At(kCompany, "2026-03-04");
  CHECK(third.ratings == 3);
  CHECK(third.rating_average == 2.0);
  const Profile all = s.At(kCompany, "2026-12-31");
  CHECK(all.ratings == 5);
  CHECK(all.rating_average == 3.0);
  // Kept per day: three days, however many ratings.
  const SubjectState* subject = s.state_.Subject(kCompany);
  REQUIRE(subject != nullptr);
  CHECK(subject->rare->ratings.size() == 3);
  CHECK(subject->events == 6);  // its registration and five ratings
}
