#include "projections/civil_servant.h"

#include <algorithm>

#include "projections/evaluate.h"

namespace creditlog::projections {

int SanctionMonths(fb::SanctionKind kind) {
  switch (kind) {
    case fb::SanctionKind::Warning: return 6;
    case fb::SanctionKind::Demerit: return 12;
    case fb::SanctionKind::MajorDemerit: return 18;
    case fb::SanctionKind::Demotion:
    case fb::SanctionKind::Dismissal: return 24;
    case fb::SanctionKind::Unspecified:
    case fb::SanctionKind::Expulsion: return 0;
  }
  return 0;
}

std::optional<Day> SanctionLastDay(const IntegrityEntry& e) {
  if (e.type != fb::IntegrityEntryType::Sanction || e.sanction == fb::SanctionKind::Expulsion) return std::nullopt;
  if (e.period_end) return e.period_end;
  return AddMonths(e.day, SanctionMonths(e.sanction)) - 1;
}

CivilServantFile FileOf(const SubjectState& s, Day as_of) {
  CivilServantFile out;
  out.subject = &s;
  out.as_of = as_of;
  for (const IntegrityEntry& e : s.rare->file) {
    if (e.day > as_of) continue;
    FileEntryView v{&e, SanctionLastDay(e), false};
    switch (e.type) {
      case fb::IntegrityEntryType::Sanction:
        v.in_force = e.sanction == fb::SanctionKind::Expulsion || (v.until && *v.until >= as_of);
        if (v.in_force) ++out.sanctions_in_force;
        if (e.sanction == fb::SanctionKind::Expulsion) out.expelled = true;
        if (v.in_force && v.until) out.promotion_barred_until = std::max(out.promotion_barred_until.value_or(*v.until), *v.until);
        break;
      case fb::IntegrityEntryType::Assessment:
        if (out.latest_assessment == nullptr || e.assessment_year >= out.latest_assessment->assessment_year) out.latest_assessment = &e;
        break;
      case fb::IntegrityEntryType::Dishonesty: ++out.dishonesty; break;
      case fb::IntegrityEntryType::Commendation: ++out.commendations; break;
      case fb::IntegrityEntryType::Commitment: ++out.commitments; break;
      case fb::IntegrityEntryType::Untyped: break;
    }
    out.entries.push_back(v);
  }
  if (out.expelled) out.promotion_barred_until.reset();
  return out;
}

std::optional<std::pair<std::string_view, StaffRollUp>> StaffFileOf(const SubjectState& s, Day as_of) {
  if (s.kind != fb::SubjectKind::CivilServant || !s.registered) return std::nullopt;  // before the id is read
  const std::string_view id = s.id;
  const size_t slash = id.find('/');
  if (slash == std::string::npos) return std::nullopt;
  const CivilServantFile file = FileOf(s, as_of);
  StaffRollUp r;
  r.files = 1;
  r.sanctions_in_force = file.sanctions_in_force > 0 ? 1 : 0;
  r.dishonesty = file.dishonesty > 0 ? 1 : 0;
  r.commendations = file.commendations > 0 ? 1 : 0;
  if (file.latest_assessment != nullptr) {
    r.excellent = file.latest_assessment->grade == fb::AssessmentGrade::Excellent ? 1 : 0;
    r.incompetent = file.latest_assessment->grade == fb::AssessmentGrade::Incompetent ? 1 : 0;
  }
  return std::make_pair(id.substr(0, slash), r);
}

void AddTo(StaffRollUp& total, const StaffRollUp& part) {
  total.files += part.files;
  total.sanctions_in_force += part.sanctions_in_force;
  total.dishonesty += part.dishonesty;
  total.commendations += part.commendations;
  total.excellent += part.excellent;
  total.incompetent += part.incompetent;
}

std::map<std::string, StaffRollUp, std::less<>> StaffByEmployer(const State& state, Day as_of) {
  std::map<std::string, StaffRollUp, std::less<>> all;
  state.ForEachSubject([&](const SubjectState& s) {  // in no order: the roll-ups are counts
    if (auto file = StaffFileOf(s, as_of)) {
      auto it = all.find(file->first);
      if (it == all.end()) it = all.emplace(std::string(file->first), StaffRollUp{}).first;
      AddTo(it->second, file->second);
    }
  });
  std::erase_if(all, [](const auto& kv) { return kv.second.files < kStaffRollUpFilesMin; });
  return all;
}

}  // namespace creditlog::projections
