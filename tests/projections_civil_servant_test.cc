// A civil servant's integrity file: typed entries, sanctions that end on their dates, the
// latest assessment, and a roll-up per employing body that names nobody.
#include "story_fixture.h"

#include "projections/civil_servant.h"

using namespace creditlog;
using namespace creditlog::testing;

namespace {

std::string Staff(int n) { return kPublicBody + "/S" + std::to_string(n); }

void RegisterStaff(Story& s, int n) {
  s.Add(Staff(n), "SubjectRegistered", {{"kind", "CivilServant"}, {"name", "公务员" + std::to_string(n)},
                                        {"staff_number", "S" + std::to_string(n)}, {"employer_uscc", kPublicBody}});
}

json Sanction(const char* id, const char* date, const char* kind) {
  return {{"entry_id", id}, {"category", "处分"}, {"content", "违反工作纪律"}, {"entry_date", date}, {"entry_type", "Sanction"},
          {"sanction_kind", kind}};
}

json Assessment(const char* id, int year, const char* grade) {
  return {{"entry_id", id}, {"category", "考核"}, {"content", "年度考核"}, {"entry_date", std::to_string(year + 1) + "-01-20"},
          {"entry_type", "Assessment"}, {"assessment_year", year}, {"assessment_grade", grade}};
}

CivilServantFile FileAt(Story& s, const std::string& id, const char* date) {
  s.At(kPublicBody, date);  // rebuilds the state
  return FileOf(*s.state_.Subject(id), D(date));
}

}  // namespace

TEST_CASE("A sanction bars promotion for its period and ends on its last day: 记过 twelve months", "[civil_servant]") {
  Story s;
  RegisterStaff(s, 1);
  s.Add(Staff(1), "CivilServantIntegrityEntry", Sanction("CF-1", "2025-03-10", "Demerit"));
  const CivilServantFile last_day = FileAt(s, Staff(1), "2026-03-09");
  REQUIRE(last_day.entries.size() == 1);
  CHECK(last_day.entries[0].in_force);
  CHECK(*last_day.entries[0].until == D("2026-03-09"));
  CHECK(last_day.sanctions_in_force == 1);
  CHECK(*last_day.promotion_barred_until == D("2026-03-09"));
  const CivilServantFile after = FileAt(s, Staff(1), "2026-03-10");
  CHECK_FALSE(after.entries[0].in_force);
  CHECK(after.sanctions_in_force == 0);
  CHECK_FALSE(after.promotion_barred_until.has_value());
  CHECK(FileAt(s, Staff(1), "2025-03-09").entries.empty());  // not yet recorded as of the day before

  // A period recorded with the decision stands; 警告 is six months by law.
  json warning = Sanction("CF-2", "2026-04-01", "Warning");
  s.Add(Staff(1), "CivilServantIntegrityEntry", warning);
  CHECK(*FileAt(s, Staff(1), "2026-04-01").entries[1].until == D("2026-09-30"));
  json recorded = Sanction("CF-3", "2026-05-01", "MajorDemerit");
  recorded["period_end_date"] = "2027-06-30";
  s.Add(Staff(1), "CivilServantIntegrityEntry", recorded);
  const CivilServantFile two = FileAt(s, Staff(1), "2026-06-01");
  CHECK(two.sanctions_in_force == 2);
  CHECK(*two.promotion_barred_until == D("2027-06-30"));  // the later of the two
}

TEST_CASE("开除 has no period, the latest assessment is the latest year's, and typed fields go with their type", "[civil_servant]") {
  Story s;
  RegisterStaff(s, 1);
  s.Add(Staff(1), "CivilServantIntegrityEntry", Assessment("KH-2024", 2024, "Competent"));
  s.Add(Staff(1), "CivilServantIntegrityEntry", Assessment("KH-2025", 2025, "Excellent"));
  const CivilServantFile assessed = FileAt(s, Staff(1), "2026-02-01");
  REQUIRE(assessed.latest_assessment != nullptr);
  CHECK(assessed.latest_assessment->assessment_year == 2025);
  CHECK(assessed.latest_assessment->grade == fb::AssessmentGrade::Excellent);

  // Refused with the field named: a sanction without its kind, an assessment without its year,
  // a period on an assessment, a period for 开除.
  json no_kind = Sanction("CF-9", "2026-02-01", "Unspecified");
  CHECK_THAT(s.Try(Staff(1), "CivilServantIntegrityEntry", no_kind).message(), Catch::Contains("body.sanction_kind"));
  json no_year = Assessment("KH-X", 2025, "Excellent");
  no_year["assessment_year"] = 0;
  CHECK_THAT(s.Try(Staff(1), "CivilServantIntegrityEntry", no_year).message(), Catch::Contains("body.assessment_year"));
  json period = Assessment("KH-Y", 2025, "Excellent");
  period["period_end_date"] = "2027-01-01";
  CHECK_THAT(s.Try(Staff(1), "CivilServantIntegrityEntry", period).message(), Catch::Contains("body.period_end_date"));
  json expelled = Sanction("CF-10", "2026-02-01", "Expulsion");
  expelled["period_end_date"] = "2027-01-01";
  CHECK_THAT(s.Try(Staff(1), "CivilServantIntegrityEntry", expelled).message(), Catch::Contains("开除"));
  expelled.erase("period_end_date");
  s.Add(Staff(1), "CivilServantIntegrityEntry", expelled);
  const CivilServantFile later = FileAt(s, Staff(1), "2036-02-01");
  CHECK(later.expelled);
  CHECK(later.sanctions_in_force == 1);  // for good
  CHECK_FALSE(later.promotion_barred_until.has_value());
  // An untyped entry, as recorded before entries were typed, is kept as it was.
  s.Add(Staff(1), "CivilServantIntegrityEntry", {{"entry_id", "OLD-1"}, {"category", "奖励"}, {"content", "见义勇为"},
                                                 {"entry_date", "2026-03-01"}});
  CHECK(FileAt(s, Staff(1), "2026-03-01").entries.back().entry->type == fb::IntegrityEntryType::Untyped);
}

TEST_CASE("The board counts a body's civil servants' files only from five files on, and names nobody", "[civil_servant]") {
  Story s;
  for (int n = 1; n <= 4; ++n) RegisterStaff(s, n);
  s.Add(Staff(1), "CivilServantIntegrityEntry", Sanction("CF-1", "2026-03-10", "Demerit"));
  s.Add(Staff(2), "CivilServantIntegrityEntry", Assessment("KH-1", 2025, "Excellent"));
  s.At(kPublicBody, "2026-06-01");
  CHECK(StaffByEmployer(s.state_, D("2026-06-01")).empty());  // four files: a count would point at a person
  const IntegrityRow* four = nullptr;
  const auto board4 = IntegrityBoard(s.state_, D("2026-06-01"));
  for (const auto& r : board4) four = r.subject == kPublicBody ? &r : four;
  REQUIRE(four != nullptr);
  CHECK_FALSE(four->staff.has_value());

  RegisterStaff(s, 5);
  s.At(kPublicBody, "2026-06-01");
  const auto rollup = StaffByEmployer(s.state_, D("2026-06-01"));
  REQUIRE(rollup.count(kPublicBody) == 1);
  const StaffRollUp& r = rollup.at(kPublicBody);
  CHECK(r.files == 5);
  CHECK(r.sanctions_in_force == 1);
  CHECK(r.excellent == 1);
  CHECK(StaffByEmployer(s.state_, D("2027-03-10")).at(kPublicBody).sanctions_in_force == 0);  // the 记过 has ended
}
