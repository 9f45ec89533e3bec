// Who may be shown what: the disclosure policy, one table (docs/privacy.md) and the one place
// that enforces it. Every answer the server gives about a subject (search, profile, measures,
// timeline, entries, lists, the integrity board, CSV from the console, errors) is built through
// a Disclosure, so that no answer can show more than the table allows its reader.
//
// The table's rows are kinds of information (Info), its columns roles. A role is a set of
// kinds; the roles are not ordered (personnel may read civil servants' files, which inspectors
// and the administrator may not).
//
// Subjects are of two sorts here: legal persons and businesses (enterprises, 个体工商户, public
// bodies, social organisations; their registered names are public under 企业信息公示暂行条例),
// and civil servants (subject "USCC/staff-number", registered CivilServant), whose whole file is
// personal information. A reader who may not see a civil servant's file is told what it would
// be told for a subject that does not exist (the public) or that the file is for the personnel
// role (a signed-in reader), never the name or anything recorded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/personal.h"
#include "base/result.h"
#include "projections/state.h"

namespace creditlog::api {

// Appended only: the numbers are not stored, but the names are an interface (tokens' roles in
// config files, /v1/whoami).
enum class Role : uint8_t { kPublic = 0, kInspector, kAuditor, kAdmin, kPersonnel };
inline constexpr Role kRoles[] = {Role::kPublic, Role::kInspector, Role::kAuditor, Role::kAdmin, Role::kPersonnel};

std::string_view RoleName(Role role);
std::string_view RoleChineseName(Role role);
Result<Role> ParseRole(std::string_view name);

// The kinds of information, the rows of the table in docs/privacy.md.
enum class Info : uint8_t {
  kLogProofs = 0,         // checkpoint, verifier key, inclusion and consistency proofs, the ruleset
  kLegalPersons,          // codes, registered names and kinds of enterprises, 个体工商户, public bodies, organisations
  kPublishedLists,        // 严重失信名单, 政务失信, 守信激励名单: membership, reason, term, measures
  kPenaltiesInPublicity,  // 行政处罚 while in publicity: number, category, severity, fine, dates
  kCommitments,           // 信用承诺 and government contracts' performance
  kIntegrityBoard,        // public bodies' commitments and arrears, ranked
  kRestrictedLists,       // 重点关注名单, 告知承诺 ineligibility: membership, reason, measures, the grade they give
  kPenaltiesPastPublicity,  // penalties whose publicity has ended, repaired, revoked or not published
  kRuleDetails,           // records the rules do not let count (disregarded), and why
  kRecords,               // signed records of legal persons (entries, timelines): they name natural persons
                          // (legal representatives, operators, persons in facts and objections)
  kCivilServantFiles,     // civil servants: name, staff number, employer, profile, timeline, entries
  kWholeLog,              // every entry in order (GET /v1/entries), for the audit
  kAccessLog,             // who looked at whom, when, why
  kOperations,            // metrics
};
inline constexpr Info kInfos[] = {Info::kLogProofs, Info::kLegalPersons, Info::kPublishedLists, Info::kPenaltiesInPublicity,
                                  Info::kCommitments, Info::kIntegrityBoard, Info::kRestrictedLists,
                                  Info::kPenaltiesPastPublicity, Info::kRuleDetails, Info::kRecords,
                                  Info::kCivilServantFiles, Info::kWholeLog, Info::kAccessLog, Info::kOperations};

std::string_view InfoName(Info info);  // "restricted_lists": the console and /v1/whoami use these

// The table: whether `role` may be shown `info`.
bool Allows(Role role, Info info);
// The roles that may be shown `info`, in kRoles order.
std::vector<Role> RolesAllowed(Info info);

class Disclosure {
 public:
  explicit Disclosure(Role role) : role_(role) {}
  // Everything: the command line reading a data directory it holds (the operator holds the keys).
  static Disclosure Operator();

  Role role() const { return role_; }
  bool May(Info info) const { return everything_ || Allows(role_, info); }
  // Ok, or Unauthenticated (the public) / PermissionDenied naming the roles that may.
  Status Require(Info info, std::string_view what) const;
  // The roles' names that may see `info` (any of `infos`), "inspector, auditor or admin".
  static std::string WhoMay(Info info) { return WhoMay(std::vector<Info>{info}); }
  static std::string WhoMay(const std::vector<Info>& infos);
  static std::vector<Role> RolesMay(const std::vector<Info>& infos);  // the roles that may see one of them

  // Whether a subject's file may be shown at all: a civil servant's only to personnel (and the
  // operator), anything else to everyone. `id` is the subject asked for; `state` its state, or
  // null when the projection has none (then the code decides: "USCC/staff-number").
  bool MaySubject(std::string_view id, const projections::SubjectState* state) const;
  // Ok, or the refusal for a subject MaySubject says no to: NotFound worded as for a subject
  // that does not exist (the public, so that a staff number's existence cannot be tested), or
  // PermissionDenied naming the personnel role.
  Status RequireSubject(std::string_view id, const projections::SubjectState* state) const;

  // The disclosure within one subject's file: a civil servant's file is whole to those who may
  // see it at all (personnel), so a personnel reader sees its lists and past penalties too.
  Disclosure Within(const projections::SubjectState& subject) const;

  // Whether a penalty in `state` ("in_publicity", "publicity_ended", …) may be shown.
  bool MayPenalty(std::string_view state) const;
  // Whether membership of `list` (and the measures it imposes) may be shown.
  bool MayList(fb::ListKind list) const;

  // Personal fields (api/personal.h): shown through `personal` (it must outlive this), or as
  // （已加密） without one.
  Disclosure WithPersonal(const PersonalView* personal) const {
    Disclosure out = *this;
    out.personal_ = personal;
    return out;
  }
  // A subject's name as shown: a civil servant's opened, or 已删除.
  std::string Name(const projections::SubjectState& subject) const;
  // An entry's event JSON with its personal fields as shown.
  void ShowPersonal(const ledger::EntryView& entry, nlohmann::json& event) const;

 private:
  Role role_;
  bool everything_ = false;
  const PersonalView* personal_ = nullptr;
};

// The text a NotFound for an unknown subject carries; RequireSubject says the same to the public.
std::string NoSuchSubject(std::string_view id);
bool IsCivilServantId(std::string_view id);

}  // namespace creditlog::api
