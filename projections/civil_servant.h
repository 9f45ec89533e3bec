// A civil servant's integrity file (公务员个人诚信档案, Qingdao): commitments, sanctions with their
// periods, annual assessments, dishonesty records and commendations, as personnel departments
// read it in appointment and promotion; and, for the integrity board, a roll-up per employing
// body that names nobody.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "projections/state.h"

namespace creditlog::projections {

// A sanction's months (公职人员政务处分法 第八条, 公务员法 第六十四条): 警告 6, 记过 12, 记大过 18,
// 降级 and 撤职 24; 开除 has none (it ends the service).
int SanctionMonths(fb::SanctionKind kind);
// The last day of a sanction's period: the one recorded, else the entry date plus its kind's
// months, less a day; none for 开除 and for an entry that is not a sanction.
std::optional<Day> SanctionLastDay(const IntegrityEntry& e);

struct FileEntryView {
  const IntegrityEntry* entry = nullptr;
  std::optional<Day> until;  // a sanction's last day
  bool in_force = false;     // a sanction on the date: within its period, or 开除
};

struct CivilServantFile {
  const SubjectState* subject = nullptr;
  Day as_of = 0;
  std::vector<FileEntryView> entries;         // recorded by the date, oldest first
  // 受处分期间不得晋升职务、职级和级别 (公务员法 第六十四条): the last day of the sanctions in force;
  // none when none is, or when the subject was expelled.
  std::optional<Day> promotion_barred_until;
  bool expelled = false;
  const IntegrityEntry* latest_assessment = nullptr;  // by assessment year
  int sanctions_in_force = 0, dishonesty = 0, commendations = 0, commitments = 0;
};

CivilServantFile FileOf(const SubjectState& s, Day as_of);

// A body's civil servants on the board: counts only, and only for a body with at least
// kStaffRollUpFilesMin files, so that no count points at one person.
inline constexpr int kStaffRollUpFilesMin = 5;
struct StaffRollUp {
  int files = 0;
  int sanctions_in_force = 0;
  int dishonesty = 0;     // files with a 失信记录 by the date
  int commendations = 0;  // files with a 诚信褒奖 by the date
  int excellent = 0;      // latest assessment 优秀
  int incompetent = 0;    // latest assessment 不称职
};
// One file's part of its employer's roll-up (files = 1) and the employing body (the USCC before
// "/" in the file's id); none for a subject that is not a registered civil servant's file.
std::optional<std::pair<std::string_view, StaffRollUp>> StaffFileOf(const SubjectState& s, Day as_of);
// Adds one roll-up's counts to another's.
void AddTo(StaffRollUp& total, const StaffRollUp& part);
// By employing body, for bodies with enough files.
std::map<std::string, StaffRollUp, std::less<>> StaffByEmployer(const State& state, Day as_of);

}  // namespace creditlog::projections
