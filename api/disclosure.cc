#include "api/disclosure.h"

#include <algorithm>

#include "projections/ruleset.h"

namespace creditlog::api {
namespace {

constexpr uint32_t Bit(Role role) { return uint32_t{1} << static_cast<unsigned>(role); }

constexpr uint32_t kEveryone = Bit(Role::kPublic) | Bit(Role::kInspector) | Bit(Role::kAuditor) | Bit(Role::kAdmin) |
                               Bit(Role::kPersonnel);
// Those who supervise legal persons: inspectors, and auditors and the administrator, who have
// always been able to read what inspectors read.
constexpr uint32_t kSupervisors = Bit(Role::kInspector) | Bit(Role::kAuditor) | Bit(Role::kAdmin);

// The table of docs/privacy.md, row by row. Change both together: tests/api_disclosure_test.cc
// walks every route with every role against the document's table.
uint32_t RolesOf(Info info) {
  switch (info) {
    case Info::kLogProofs:
    case Info::kLegalPersons:
    case Info::kPublishedLists:
    case Info::kPenaltiesInPublicity:
    case Info::kCommitments:
    case Info::kIntegrityBoard: return kEveryone;
    case Info::kRestrictedLists:
    case Info::kPenaltiesPastPublicity:
    case Info::kRuleDetails:
    case Info::kRecords: return kSupervisors;
    case Info::kCivilServantFiles: return Bit(Role::kPersonnel);
    case Info::kWholeLog: return Bit(Role::kAuditor) | Bit(Role::kAdmin);
    case Info::kAccessLog: return Bit(Role::kAuditor);
    case Info::kOperations: return Bit(Role::kAdmin);
  }
  return 0;
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kPublic: return "public";
    case Role::kInspector: return "inspector";
    case Role::kAuditor: return "auditor";
    case Role::kAdmin: return "admin";
    case Role::kPersonnel: return "personnel";
  }
  return "public";
}

std::string_view RoleChineseName(Role role) {
  switch (role) {
    case Role::kPublic: return "公众";
    case Role::kInspector: return "检查员";
    case Role::kAuditor: return "审计员";
    case Role::kAdmin: return "管理员";
    case Role::kPersonnel: return "组织人事";
  }
  return "公众";
}

Result<Role> ParseRole(std::string_view name) {
  for (Role role : kRoles) {
    if (RoleName(role) == name) return role;
  }
  return Status::InvalidArgument("role '" + std::string(name) + "' is not one of public, inspector, auditor, admin, personnel");
}

std::string_view InfoName(Info info) {
  switch (info) {
    case Info::kLogProofs: return "log_proofs";
    case Info::kLegalPersons: return "legal_persons";
    case Info::kPublishedLists: return "published_lists";
    case Info::kPenaltiesInPublicity: return "penalties_in_publicity";
    case Info::kCommitments: return "commitments";
    case Info::kIntegrityBoard: return "integrity_board";
    case Info::kRestrictedLists: return "restricted_lists";
    case Info::kPenaltiesPastPublicity: return "penalties_past_publicity";
    case Info::kRuleDetails: return "rule_details";
    case Info::kRecords: return "records";
    case Info::kCivilServantFiles: return "civil_servant_files";
    case Info::kWholeLog: return "whole_log";
    case Info::kAccessLog: return "access_log";
    case Info::kOperations: return "operations";
  }
  return "?";
}

bool Allows(Role role, Info info) { return (RolesOf(info) & Bit(role)) != 0; }

std::vector<Role> RolesAllowed(Info info) {
  std::vector<Role> out;
  for (Role role : kRoles) {
    if (Allows(role, info)) out.push_back(role);
  }
  return out;
}

Disclosure Disclosure::Operator() {
  Disclosure d(Role::kAdmin);
  d.everything_ = true;
  return d;
}

std::vector<Role> Disclosure::RolesMay(const std::vector<Info>& infos) {
  std::vector<Role> roles;
  for (Role role : kRoles) {
    if (std::any_of(infos.begin(), infos.end(), [&](Info info) { return Allows(role, info); })) roles.push_back(role);
  }
  return roles;
}

std::string Disclosure::WhoMay(const std::vector<Info>& infos) {
  const std::vector<Role> roles = RolesMay(infos);
  std::string out;
  for (size_t i = 0; i < roles.size(); ++i) {
    if (i > 0) out += i + 1 == roles.size() ? " or " : ", ";
    out += RoleName(roles[i]);
  }
  return out;
}

Status Disclosure::Require(Info info, std::string_view what) const {
  if (May(info)) return Status::Ok();
  const std::string needed = std::string(what) + " needs a bearer token with the " + WhoMay(info) + " role";
  if (role_ == Role::kPublic) return Status::Unauthenticated(needed);
  return Status::PermissionDenied("the " + std::string(RoleName(role_)) + " role may not see this: " + needed);
}

bool IsCivilServantId(std::string_view id) { return id.find('/') != std::string_view::npos; }

std::string NoSuchSubject(std::string_view id) { return "no events recorded for subject '" + std::string(id) + "'"; }

bool Disclosure::MaySubject(std::string_view id, const projections::SubjectState* state) const {
  const bool civil_servant = IsCivilServantId(id) || (state != nullptr && state->kind == fb::SubjectKind::CivilServant);
  return civil_servant ? May(Info::kCivilServantFiles) : true;
}

Status Disclosure::RequireSubject(std::string_view id, const projections::SubjectState* state) const {
  if (MaySubject(id, state)) return Status::Ok();
  if (role_ == Role::kPublic) return Status::NotFound(NoSuchSubject(id));
  return Status::PermissionDenied("a civil servant's integrity file is shown to the " + WhoMay(Info::kCivilServantFiles) +
                                  " role only; the " + std::string(RoleName(role_)) + " role may not see it");
}

Disclosure Disclosure::Within(const projections::SubjectState& subject) const {
  Disclosure out = *this;
  if (subject.kind == fb::SubjectKind::CivilServant && May(Info::kCivilServantFiles)) out.everything_ = true;
  return out;
}

bool Disclosure::MayPenalty(std::string_view state) const {
  return state == "in_publicity" ? May(Info::kPenaltiesInPublicity) : May(Info::kPenaltiesPastPublicity);
}

bool Disclosure::MayList(fb::ListKind list) const {
  return projections::ListIsPublished(list) ? May(Info::kPublishedLists) : May(Info::kRestrictedLists);
}

std::string Disclosure::Name(const projections::SubjectState& subject) const {
  if (personal_ != nullptr) return personal_->Name(subject);
  return PersonalView(nullptr, nullptr, nullptr).Name(subject);
}

void Disclosure::ShowPersonal(const ledger::EntryView& entry, nlohmann::json& event) const {
  if (personal_ != nullptr) return personal_->Show(entry, event);
  PersonalView(nullptr, nullptr, nullptr).Show(entry, event);
}

}  // namespace creditlog::api
