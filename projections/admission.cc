#include "projections/admission.h"

#include <algorithm>
#include <initializer_list>

#include "base/clock.h"
#include "events/limits.h"
#include "events/personal.h"
#include "projections/build.h"
#include "projections/due_process.h"
#include "projections/evaluate.h"

namespace creditlog::projections {
namespace {

using fb::EventBody;
using String = flatbuffers::String;

std::string Date(Day d) { return events::DateFromDays(d); }
std::string Str(const String* s) { return s ? s->str() : std::string(); }
Day D(const String* date) { return events::DaysFromDate(date->string_view()); }
std::string Seqs(const std::vector<uint64_t>& seqs) { return seqs.empty() ? "?" : std::to_string(seqs.front()); }

Status Refuse(const std::string& field, const std::string& message) { return Status::InvalidArgument(field + ": " + message); }

// The dates of facts that have happened: none may lie after the day the event is recorded.
// (Deadlines, objection deadlines, terms, due dates, delivery dates and effective dates may.)
struct Happened {
  const String* date;
  const char* field;
};
std::vector<Happened> HappenedDates(const fb::Event& e) {
  switch (e.body_type()) {
    case EventBody::NONE:
    case EventBody::AgencyKeyRegistered:
    case EventBody::KeyRevoked:
    case EventBody::RulesetAdopted:
    case EventBody::SubjectRegistered:
      return {};
    case EventBody::Genesis: return {{e.body_as_Genesis()->created_date(), "body.created_date"}};
    case EventBody::CommitmentMade: return {{e.body_as_CommitmentMade()->made_date(), "body.made_date"}};
    case EventBody::CommitmentVerified: return {{e.body_as_CommitmentVerified()->verified_date(), "body.verified_date"}};
    case EventBody::CommitmentBreached: return {{e.body_as_CommitmentBreached()->breach_date(), "body.breach_date"}};
    case EventBody::CommitmentWithdrawn: return {{e.body_as_CommitmentWithdrawn()->withdrawn_date(), "body.withdrawn_date"}};
    case EventBody::ContractSigned: return {{e.body_as_ContractSigned()->signed_date(), "body.signed_date"}};
    case EventBody::PaymentMade: return {{e.body_as_PaymentMade()->paid_date(), "body.paid_date"}};
    case EventBody::ArrearsRecorded: return {{e.body_as_ArrearsRecorded()->recorded_date(), "body.recorded_date"}};
    case EventBody::ArrearsCleared: return {{e.body_as_ArrearsCleared()->cleared_date(), "body.cleared_date"}};
    case EventBody::ContractCompleted: return {{e.body_as_ContractCompleted()->completed_date(), "body.completed_date"}};
    case EventBody::PenaltyDecided: return {{e.body_as_PenaltyDecided()->decision_date(), "body.decision_date"}};
    case EventBody::PenaltyFulfilled: return {{e.body_as_PenaltyFulfilled()->fulfilled_date(), "body.fulfilled_date"}};
    case EventBody::PenaltyRevoked: return {{e.body_as_PenaltyRevoked()->revoked_date(), "body.revoked_date"}};
    case EventBody::ListingNoticeIssued: return {{e.body_as_ListingNoticeIssued()->notice_date(), "body.notice_date"}};
    case EventBody::ObjectionFiled: return {{e.body_as_ObjectionFiled()->filed_date(), "body.filed_date"}};
    case EventBody::ObjectionResolved: return {{e.body_as_ObjectionResolved()->resolved_date(), "body.resolved_date"}};
    case EventBody::SeriousListingDecided: return {{e.body_as_SeriousListingDecided()->decision_date(), "body.decision_date"}};
    case EventBody::SeriousListingExited: return {{e.body_as_SeriousListingExited()->exit_date(), "body.exit_date"}};
    case EventBody::RepairApplied: return {{e.body_as_RepairApplied()->applied_date(), "body.applied_date"}};
    case EventBody::RepairDecided: return {{e.body_as_RepairDecided()->decided_date(), "body.decided_date"}};
    case EventBody::ServiceRated: return {{e.body_as_ServiceRated()->rated_date(), "body.rated_date"}};
    case EventBody::CivilServantIntegrityEntry:
      return {{e.body_as_CivilServantIntegrityEntry()->entry_date(), "body.entry_date"}};
    case EventBody::RecordCorrected: return {{e.body_as_RecordCorrected()->corrected_date(), "body.corrected_date"}};
    case EventBody::AccessRecorded: return {{e.body_as_AccessRecorded()->read_date(), "body.read_date"}};
    case EventBody::ErasureRecorded: return {{e.body_as_ErasureRecorded()->erased_date(), "body.erased_date"}};
    case EventBody::MeasureApplied: return {{e.body_as_MeasureApplied()->implemented_date(), "body.implemented_date"}};
    case EventBody::ServiceCaseHandled: return {{e.body_as_ServiceCaseHandled()->handled_date(), "body.handled_date"}};
    case EventBody::ServiceRectified: return {{e.body_as_ServiceRectified()->rectified_date(), "body.rectified_date"}};
    case EventBody::ServiceFollowedUp: return {{e.body_as_ServiceFollowedUp()->followed_up_date(), "body.followed_up_date"}};
  }
  return {};
}

template <typename T>
const T* FindById(const std::vector<T>& items, std::string_view id) {
  for (const T& item : items) {
    if (item.id == id) return &item;
  }
  return nullptr;
}

Status NotBeforeRecord(const String* date, const char* field, Day since, const std::string& what) {
  if (D(date) < since) return Refuse(field, "'" + date->str() + "' is before " + what + " (" + Date(since) + ")");
  return Status::Ok();
}

// A reference to an earlier record of this subject: it must exist.
template <typename T>
Result<const T*> Existing(const std::vector<T>& items, const String* id, const char* field, const char* what,
                          const SubjectState& s) {
  const T* found = FindById(items, id->string_view());
  if (found == nullptr) return Refuse(field, "no " + std::string(what) + " '" + id->str() + "' is recorded for " + s.id);
  return found;
}

template <typename T>
Status NotRecorded(const std::vector<T>& items, const String* id, const char* field, const char* what) {
  if (const T* earlier = FindById(items, id->string_view())) {
    return Status::Conflict(std::string(field) + ": " + what + " '" + id->str() + "' is already recorded at seq " +
                            Seqs(earlier->seqs) + " (a record is corrected by a correction, not recorded twice)");
  }
  return Status::Ok();
}

// An objection names a notice, or a record of this subject recorded by the day of filing.
Status CheckObjection(const State& state, const SubjectState& s, const fb::ObjectionFiled& b) {
  RETURN_IF_ERROR(NotRecorded(s.rare->objections, b.objection_id(), "body.objection_id", "objection"));
  if (b.notice_id()->size() > 0) {
    ASSIGN_OR_RETURN(const Notice* n, Existing(s.rare->notices, b.notice_id(), "body.notice_id", "notice", s));
    return NotBeforeRecord(b.filed_date(), "body.filed_date", n->served, "notice " + n->id + " was served");
  }
  const std::string type = b.record_type()->str(), id = b.record_id()->str();
  std::optional<Day> since;  // the day the record was made
  if (type == "PenaltyDecided") {
    if (const Penalty* p = s.FindPenalty(id)) since = p->decided;
  } else if (type == "CommitmentMade") {
    if (const Commitment* c = FindById(s.commitments, id)) since = c->made;
  } else if (type == "ContractSigned") {
    const Contract* c = state.FindContract(id);
    if (c != nullptr && (c->payer == s.id || c->payee == s.id)) since = c->signed_on;
  } else if (type == "SeriousListingDecided") {
    if (const SeriousListing* l = FindById(s.rare->listings, id)) since = l->decided;
  }
  if (!since) return Refuse("body.record_id", "no " + type + " '" + id + "' is recorded for " + s.id);
  return NotBeforeRecord(b.filed_date(), "body.filed_date", *since, type + " " + id + " was made");
}

// 联合奖惩反馈: by the applying agency's own key, of a measure a list imposed on the subject that day.
Status CheckMeasureApplied(const State& state, const SubjectState& s, const fb::MeasureApplied& b, std::string_view agency) {
  RETURN_IF_ERROR(NotRecorded(s.rare->measures_applied, b.feedback_id(), "body.feedback_id", "application"));
  if (!agency.empty() && b.implementing_agency()->string_view() != agency) {
    return Refuse("body.implementing_agency", "'" + b.implementing_agency()->str() + "' is not the agency of the signing key (" +
                                              std::string(agency) + "): a department reports the measures it applied itself");
  }
  auto profile = Evaluate(state, s.id, D(b.implemented_date()));
  if (!profile.ok()) return Refuse("body.implemented_date", profile.status().message());
  for (const auto& [measure, list] : profile->measures) {
    if (measure == b.measure()->string_view()) return Status::Ok();
  }
  std::string applying;
  for (const auto& [measure, list] : profile->measures) applying += (applying.empty() ? "" : "、") + measure;
  return Refuse("body.measure", "'" + b.measure()->str() + "' did not apply to " + s.id + " on " + b.implemented_date()->str() +
                                    " (no list in force imposed it; measures that applied: " + (applying.empty() ? "none" : applying) + ")");
}

// 好差评: a case of a public body, rated once, a 差评 rectified, then followed up, each once and in order.
Result<const ServiceCase*> ExistingCase(const SubjectState& s, const String* id) {
  const ServiceCase* c = s.FindCase(id->string_view());
  if (c == nullptr) return Refuse("body.case_id", "no case '" + id->str() + "' is recorded for " + s.id + " (record its ServiceCaseHandled first)");
  return c;
}

bool IsBadRating(const State& state, const ServiceCase& c) {
  static const Ruleset kDefault;
  const RulesetHistory::Adopted* adopted = state.rulesets().At(*c.rated);
  return c.rating <= (adopted ? adopted->rules : kDefault).service_bad_rating_max;
}

Status CheckService(const State& state, const SubjectState& s, const fb::Event& e) {
  switch (e.body_type()) {
    case EventBody::ServiceCaseHandled: {
      const auto* b = e.body_as_ServiceCaseHandled();
      if (s.kind != fb::SubjectKind::PublicBody) return Refuse("subject", s.id + " is not registered as a public body: cases are a body's");
      if (const ServiceCase* c = s.FindCase(b->case_id()->string_view())) {
        return Status::Conflict("body.case_id: case '" + c->id + "' is already recorded at seq " + Seqs(c->seqs));
      }
      return Status::Ok();
    }
    case EventBody::ServiceRated: {
      const auto* b = e.body_as_ServiceRated();
      if (b->case_id() == nullptr || b->case_id()->size() == 0) return Status::Ok();  // a rating of the body, no case named
      ASSIGN_OR_RETURN(const ServiceCase* c, ExistingCase(s, b->case_id()));
      if (c->rated) {
        return Status::Conflict("body.case_id: case '" + c->id + "' was rated on " + Date(*c->rated) + " (one rating a case)");
      }
      if (b->matter()->string_view() != c->matter) {
        return Refuse("body.matter", "'" + b->matter()->str() + "' differs from case " + c->id + "'s matter '" + c->matter + "'");
      }
      return NotBeforeRecord(b->rated_date(), "body.rated_date", c->handled, "case " + c->id + " was handled");
    }
    case EventBody::ServiceRectified: {
      const auto* b = e.body_as_ServiceRectified();
      ASSIGN_OR_RETURN(const ServiceCase* c, ExistingCase(s, b->case_id()));
      if (!c->rated || !IsBadRating(state, *c)) {
        return Refuse("body.case_id", "case '" + c->id + "' has no 差评 to rectify" +
                                          (c->rated ? " (rated " + std::to_string(c->rating) + ")" : " (not rated)"));
      }
      if (c->rectified) return Status::Conflict("body.case_id: case '" + c->id + "' was rectified on " + Date(*c->rectified));
      return NotBeforeRecord(b->rectified_date(), "body.rectified_date", *c->rated, "case " + c->id + " was rated");
    }
    case EventBody::ServiceFollowedUp: {
      const auto* b = e.body_as_ServiceFollowedUp();
      ASSIGN_OR_RETURN(const ServiceCase* c, ExistingCase(s, b->case_id()));
      if (!c->rated) return Refuse("body.case_id", "case '" + c->id + "' is not rated: a follow-up follows a rating");
      if (c->followed_up) return Status::Conflict("body.case_id: case '" + c->id + "' was followed up on " + Date(*c->followed_up));
      if (IsBadRating(state, *c) && !c->rectified) {
        return Refuse("body.case_id", "case '" + c->id + "' is a 差评 not yet rectified: the follow-up comes after the rectification");
      }
      return NotBeforeRecord(b->followed_up_date(), "body.followed_up_date", c->rectified.value_or(*c->rated),
                             c->rectified ? "case " + c->id + " was rectified" : "case " + c->id + " was rated");
    }
    default:
      return Status::Ok();
  }
}

Status CheckRuleset(const fb::RulesetAdopted& b) {
  auto rules = ParseRuleset(b.rules_json()->string_view());
  if (!rules.ok()) return Refuse("body.rules_json", rules.status().message());
  if (rules->version != b.version()->string_view()) {
    return Refuse("body.version", "'" + b.version()->str() + "' differs from the document's version '" + rules->version + "'");
  }
  return Status::Ok();
}

Status CheckRegistration(const SubjectState* s, const fb::Event& e) {
  const auto* b = e.body_as_SubjectRegistered();
  const std::string_view subject = e.subject()->string_view();
  const bool civil_servant = subject.find('/') != std::string_view::npos;
  if (civil_servant != (b->kind() == fb::SubjectKind::CivilServant)) {
    return Refuse("body.kind", civil_servant ? "a subject 'USCC/staff-number' is registered as CivilServant"
                                             : "CivilServant needs a subject 'USCC/staff-number'");
  }
  if (s != nullptr && s->registered && s->kind != b->kind()) {
    return Refuse("body.kind", std::string("the subject was registered as ") + fb::EnumNameSubjectKind(s->kind) + " at seq " +
                                   std::to_string(*s->registered) + "; a registration changes the name, never the kind");
  }
  return Status::Ok();
}

// 告知承诺 only from a subject not on the ineligibility list that day.
Status CheckEligible(const State& state, const SubjectState& s, const fb::CommitmentMade& b) {
  if (b.commitment_type() != fb::CommitmentType::ApprovalSubstitute || state.rulesets().At(D(b.made_date())) == nullptr) {
    return Status::Ok();
  }
  auto profile = Evaluate(state, s.id, D(b.made_date()));
  if (!profile.ok()) return Status::Ok();
  for (const Membership& m : profile->lists) {
    if (m.list != fb::ListKind::NotificationIneligible) continue;
    std::string seqs;
    for (uint64_t q : m.why.seqs) seqs += (seqs.empty() ? "" : ",") + std::to_string(q);
    return Refuse("body.commitment_type", "the subject is on the 告知承诺不适用名单 on " + b.made_date()->str() + " (" + m.reason +
                                              ", rule " + m.why.rule + ", seqs " + seqs + (m.until ? ", until " + Date(*m.until) : "") +
                                              "): it may not make a 告知承诺 (ApprovalSubstitute) commitment");
  }
  return Status::Ok();
}

Status CheckNotice(const State& state, const SubjectState& s, const fb::ListingNoticeIssued& b) {
  RETURN_IF_ERROR(NotRecorded(s.rare->notices, b.notice_id(), "body.notice_id", "notice"));
  Notice n;
  n.id = Str(b.notice_id());
  n.served = D(b.notice_date());
  n.objection_deadline = D(b.objection_deadline());
  const ObjectionWindow w = WindowOf(state.rulesets(), n);
  if (n.objection_deadline < w.lawful_end) {
    return Refuse("body.objection_deadline", "'" + b.objection_deadline()->str() + "' leaves less than the ruleset's window: " +
                                                 w.Describe().en + "; the deadline may be no earlier than " + Date(w.lawful_end));
  }
  return Status::Ok();
}

Status CheckListing(const State& state, const SubjectState& s, const fb::SeriousListingDecided& b) {
  RETURN_IF_ERROR(NotRecorded(s.rare->listings, b.listing_id(), "body.listing_id", "listing"));
  ASSIGN_OR_RETURN(const Notice* notice, Existing(s.rare->notices, b.notice_id(), "body.notice_id", "notice", s));
  const Day decided = D(b.decision_date());
  if (auto defect = ListingDefect(s, state.rulesets(), *notice, decided)) return Refuse("body.decision_date", defect->en);
  if (const RulesetHistory::Adopted* adopted = state.rulesets().At(decided); adopted && b.term_end_date()->size() > 0) {
    const Term term = TermOf(adopted->rules, decided, D(b.term_end_date()));
    if (term.over_maximum) return Refuse("body.term_end_date", term.over_maximum->en);
  }
  return Status::Ok();
}

// An event about commitment `id` of this subject, dated `date`: the commitment exists and was made by then.
Status FollowsCommitment(const SubjectState& s, const String* id, const String* date, const char* field) {
  ASSIGN_OR_RETURN(const Commitment* c, Existing(s.commitments, id, "body.commitment_id", "commitment", s));
  return NotBeforeRecord(date, field, c->made, "commitment " + c->id + " was made");
}

// An event about penalty `number` of this subject, dated `date`: the penalty exists and was decided by then.
Status FollowsPenalty(const SubjectState& s, const String* number, const String* date, const char* field) {
  const Penalty* p = s.FindPenalty(number->string_view());
  if (p == nullptr) return Refuse("body.decision_number", "no penalty " + number->str() + " is recorded for " + s.id);
  return NotBeforeRecord(date, field, p->decided, "the penalty was decided");
}

// The contract `id` with this subject as its payer (only the payer records its payments).
Result<const Contract*> PayerContract(const State& state, const SubjectState& s, const String* id) {
  const Contract* c = state.FindContract(id->string_view());
  if (c == nullptr) return Refuse("body.contract_id", "no contract '" + id->str() + "' is recorded");
  if (c->payer != s.id) return Refuse("body.contract_id", "contract '" + id->str() + "' is paid by " + c->payer + ", not by " + s.id);
  return c;
}

const fb::FieldValue* Corrected(const fb::RecordCorrected& b, std::string_view field) {
  for (const fb::FieldValue* f : *b.fields()) {
    if (f->field()->string_view() == field) return f;
  }
  return nullptr;
}

// A correction names a record of this subject, is made by the agency that decided a penalty,
// and leaves the record as plausible as a new one would have to be.
Status CheckCorrection(const State& state, const SubjectState& s, const fb::RecordCorrected& b, std::string_view agency) {
  const std::string_view type = b.record_type()->string_view();
  const String* id = b.record_id();
  auto text = [&](std::string_view field, const std::string& otherwise) {
    const fb::FieldValue* f = Corrected(b, field);
    return f && f->text() ? f->text()->str() : otherwise;
  };
  if (type == "PenaltyDecided") {
    const Penalty* p = s.FindPenalty(id->string_view());
    if (p == nullptr) return Refuse("body.record_id", "no penalty " + id->str() + " is recorded for " + s.id);
    if (!agency.empty() && !p->agency.empty() && p->agency != agency) {
      return Refuse("body.record_id", "penalty " + id->str() + " was decided by " + p->agency +
                                          "; only that agency corrects it (the signing key's agency is " + std::string(agency) + ")");
    }
    const fb::FieldValue* fine = Corrected(b, "fine_fen");
    const fb::FieldValue* confiscated = Corrected(b, "confiscated_fen");
    const std::string discretion = text("discretion", fb::EnumNameDiscretion(p->discretion));
    if (discretion == "NoPenalty" && ((fine ? fine->number() : p->fine_fen) != 0 || (confiscated ? confiscated->number() : p->confiscated_fen) != 0)) {
      return Refuse("body.fields", "the corrected penalty would be 不予处罚 (NoPenalty) with a fine or confiscation");
    }
    return NotBeforeRecord(b.corrected_date(), "body.corrected_date", p->decided, "the penalty was decided");
  }
  if (type == "CommitmentMade") {
    ASSIGN_OR_RETURN(const Commitment* c, Existing(s.commitments, id, "body.record_id", "commitment", s));
    if (const fb::FieldValue* deadline = Corrected(b, "deadline"); deadline && D(deadline->text()) < c->made) {
      return Refuse("body.fields", "the corrected deadline " + deadline->text()->str() + " is before the commitment was made (" + Date(c->made) + ")");
    }
    return NotBeforeRecord(b.corrected_date(), "body.corrected_date", c->made, "commitment " + c->id + " was made");
  }
  ASSIGN_OR_RETURN(const Contract* c, PayerContract(state, s, id));
  const fb::FieldValue* term = Corrected(b, "payment_term_days");
  if (term && !c->schedule.empty()) return Refuse("body.fields", "contract " + c->id + " is paid by instalments; its term is their schedule");
  const fb::FieldValue* sme = Corrected(b, "counterparty_is_sme");
  const bool is_sme = sme ? sme->flag() : c->sme;
  const int64_t days = term ? term->number() : c->term_days;
  if (is_sme && days > events::kPaymentTermDaysMax) {
    return Refuse("body.fields", "a term of " + std::to_string(days) + " days for a small or medium counterparty exceeds " +
                                     std::to_string(events::kPaymentTermDaysMax) + " (保障中小企业款项支付条例)");
  }
  return NotBeforeRecord(b.corrected_date(), "body.corrected_date", c->signed_on, "contract " + c->id + " was signed");
}

Status CheckSubjectEvent(const State& state, const SubjectState& s, const fb::Event& e, std::string_view agency) {
  switch (e.body_type()) {
    case EventBody::CommitmentMade: {
      const auto* b = e.body_as_CommitmentMade();
      RETURN_IF_ERROR(NotRecorded(s.commitments, b->commitment_id(), "body.commitment_id", "commitment"));
      return CheckEligible(state, s, *b);
    }
    case EventBody::CommitmentVerified: {
      const auto* b = e.body_as_CommitmentVerified();
      return FollowsCommitment(s, b->commitment_id(), b->verified_date(), "body.verified_date");
    }
    case EventBody::CommitmentBreached: {
      const auto* b = e.body_as_CommitmentBreached();
      return FollowsCommitment(s, b->commitment_id(), b->breach_date(), "body.breach_date");
    }
    case EventBody::CommitmentWithdrawn: {
      const auto* b = e.body_as_CommitmentWithdrawn();
      return FollowsCommitment(s, b->commitment_id(), b->withdrawn_date(), "body.withdrawn_date");
    }
    case EventBody::ContractSigned: {
      const auto* b = e.body_as_ContractSigned();
      if (b->public_body()->string_view() != s.id) {
        return Refuse("body.public_body", "'" + b->public_body()->str() + "' is not the event's subject " + s.id + " (the payer records its contracts)");
      }
      if (const Contract* earlier = state.FindContract(b->contract_id()->string_view())) {
        return Status::Conflict("body.contract_id: contract '" + b->contract_id()->str() + "' is already recorded at seq " +
                                Seqs(earlier->seqs) + " (a record is corrected by a correction, not recorded twice)");
      }
      return Status::Ok();
    }
    case EventBody::PaymentMade: {
      const auto* b = e.body_as_PaymentMade();
      ASSIGN_OR_RETURN(const Contract* c, PayerContract(state, s, b->contract_id()));
      return NotBeforeRecord(b->paid_date(), "body.paid_date", c->signed_on, "contract " + c->id + " was signed");
    }
    case EventBody::ArrearsRecorded: return PayerContract(state, s, e.body_as_ArrearsRecorded()->contract_id()).status();
    case EventBody::ArrearsCleared: return PayerContract(state, s, e.body_as_ArrearsCleared()->contract_id()).status();
    case EventBody::ContractCompleted: return PayerContract(state, s, e.body_as_ContractCompleted()->contract_id()).status();
    case EventBody::PenaltyDecided: {
      const auto* b = e.body_as_PenaltyDecided();
      if (const Penalty* earlier = s.FindPenalty(b->decision_number()->string_view())) {
        return Status::Conflict("body.decision_number: " + b->decision_number()->str() + " is already recorded at seq " +
                                Seqs(earlier->seqs) + " (a record is corrected by a correction, not recorded twice)");
      }
      if (b->subject_name()->string_view() != s.name) {
        return Refuse("body.subject_name", "'" + b->subject_name()->str() + "' differs from the registered name '" + s.name +
                                               "' (seq " + std::to_string(*s.registered) +
                                               "); record the change of name with a SubjectRegistered event first");
      }
      if (!agency.empty() && b->deciding_agency()->string_view() != agency) {
        return Refuse("body.deciding_agency", "'" + b->deciding_agency()->str() + "' is not the agency of the signing key (" +
                                                  std::string(agency) + "): a penalty is recorded by the agency that decided it");
      }
      return Status::Ok();
    }
    case EventBody::PenaltyFulfilled: {
      const auto* b = e.body_as_PenaltyFulfilled();
      return FollowsPenalty(s, b->decision_number(), b->fulfilled_date(), "body.fulfilled_date");
    }
    case EventBody::PenaltyRevoked: {
      const auto* b = e.body_as_PenaltyRevoked();
      return FollowsPenalty(s, b->decision_number(), b->revoked_date(), "body.revoked_date");
    }
    case EventBody::ListingNoticeIssued: return CheckNotice(state, s, *e.body_as_ListingNoticeIssued());
    case EventBody::ObjectionFiled: return CheckObjection(state, s, *e.body_as_ObjectionFiled());
    case EventBody::MeasureApplied: return CheckMeasureApplied(state, s, *e.body_as_MeasureApplied(), agency);
    case EventBody::ObjectionResolved: {
      const auto* b = e.body_as_ObjectionResolved();
      ASSIGN_OR_RETURN(const Objection* o, Existing(s.rare->objections, b->objection_id(), "body.objection_id", "objection", s));
      if (o->resolved) return Status::Conflict("body.objection_id: objection '" + o->id + "' was resolved on " + Date(*o->resolved));
      return NotBeforeRecord(b->resolved_date(), "body.resolved_date", o->filed, "objection " + o->id + " was filed");
    }
    case EventBody::SeriousListingDecided: return CheckListing(state, s, *e.body_as_SeriousListingDecided());
    case EventBody::SeriousListingExited: {
      const auto* b = e.body_as_SeriousListingExited();
      ASSIGN_OR_RETURN(const SeriousListing* l, Existing(s.rare->listings, b->listing_id(), "body.listing_id", "listing", s));
      return NotBeforeRecord(b->exit_date(), "body.exit_date", l->decided, "listing " + l->id + " was decided");
    }
    case EventBody::RepairApplied: {
      const auto* b = e.body_as_RepairApplied();
      RETURN_IF_ERROR(NotRecorded(s.rare->repairs, b->repair_id(), "body.repair_id", "repair"));
      const std::string_view target = b->target()->string_view();
      if (s.FindPenalty(target) == nullptr && FindById(s.rare->listings, target) == nullptr && FindById(s.commitments, target) == nullptr) {
        return Refuse("body.target", "no penalty, listing or breached commitment '" + b->target()->str() + "' is recorded for " + s.id);
      }
      if (b->commitment_id() && b->commitment_id()->size() > 0 && FindById(s.commitments, b->commitment_id()->string_view()) == nullptr) {
        return Refuse("body.commitment_id", "no commitment '" + b->commitment_id()->str() + "' is recorded for " + s.id +
                                                " (record the credit-repair commitment first)");
      }
      return Status::Ok();
    }
    case EventBody::RepairDecided: {
      const auto* b = e.body_as_RepairDecided();
      ASSIGN_OR_RETURN(const Repair* r, Existing(s.rare->repairs, b->repair_id(), "body.repair_id", "repair", s));
      if (r->decided) return Status::Conflict("body.repair_id: repair '" + r->id + "' was decided on " + Date(*r->decided));
      return Status::Ok();
    }
    case EventBody::RecordCorrected: return CheckCorrection(state, s, *e.body_as_RecordCorrected(), agency);
    case EventBody::ServiceRated:
    case EventBody::ServiceCaseHandled:
    case EventBody::ServiceRectified:
    case EventBody::ServiceFollowedUp:
      return CheckService(state, s, e);
    case EventBody::CivilServantIntegrityEntry:
      if (s.kind != fb::SubjectKind::CivilServant) return Refuse("subject", s.id + " is not registered as a civil servant");
      return Status::Ok();
    case EventBody::NONE:
    case EventBody::Genesis:
    case EventBody::AgencyKeyRegistered:
    case EventBody::KeyRevoked:
    case EventBody::RulesetAdopted:
    case EventBody::SubjectRegistered:
    case EventBody::AccessRecorded:
    case EventBody::ErasureRecorded:
      return Status::Ok();  // checked by the caller
  }
  return Status::Ok();
}

// An erasure names a person the log knows: a registered civil servant, or a registered subject
// whose legal representative is erased.
Status CheckErasure(const State& state, const fb::ErasureRecorded& b) {
  const std::string_view person = b.person()->string_view();
  const bool representative = person.starts_with(events::kRepresentativePrefix);
  const std::string_view subject = representative ? person.substr(events::kRepresentativePrefix.size()) : person;
  const SubjectState* s = state.Subject(subject);
  if (s == nullptr || !s->registered) {
    return Refuse("body.person", "'" + std::string(subject) + "' is not a registered subject");
  }
  if (!representative && s->kind != fb::SubjectKind::CivilServant) {
    return Refuse("body.person", "'" + s->id + "' is not a civil servant; a legal representative is erased as 'rep:" + s->id + "'");
  }
  return Status::Ok();
}

}  // namespace

Status CheckAdmissible(const State& state, const fb::Event& e, Day today, std::string_view agency) {
  for (const Happened& h : HappenedDates(e)) {
    if (h.date != nullptr && h.date->size() > 0 && D(h.date) > today) {
      return Refuse(h.field, "'" + h.date->str() + "' is after the day of recording (" + Date(today) + ")");
    }
  }
  if (e.body_type() == EventBody::RulesetAdopted) return CheckRuleset(*e.body_as_RulesetAdopted());
  if (e.body_type() == EventBody::AccessRecorded) {
    return Refuse("body_type", "AccessRecorded belongs in the access log (DATA/access), which the server writes; never in the credit log");
  }
  if (e.body_type() == EventBody::ErasureRecorded) return CheckErasure(state, *e.body_as_ErasureRecorded());
  if (events::IsAdministrative(e.body_type()) || e.body_type() == EventBody::Genesis) return Status::Ok();
  const SubjectState* s = state.Subject(e.subject()->string_view());
  if (e.body_type() == EventBody::SubjectRegistered) return CheckRegistration(s, e);
  if (s == nullptr || !s->registered) {
    return Refuse("subject", "'" + e.subject()->str() + "' is not registered (record a SubjectRegistered event for it first)");
  }
  return CheckSubjectEvent(state, *s, e, agency);
}

Status Admission::Admit(const fb::Event& event, uint64_t seq, int64_t recorded_at_ms, std::string_view agency) {
  if (shared_ == nullptr) return AdmitTo(event, seq, recorded_at_ms, agency);
  Status admitted;
  Status peeked = shared_->Peek([&](const State& base) {
    if (base.applied() > state_.applied()) {
      admitted = Status::Unavailable("the projection has folded " + std::to_string(base.applied()) +
                                     " entries, the admission rules " + std::to_string(state_.applied()) +
                                     ": an entry was appended past them; reopen the ledger");
      return;
    }
    if (state_.overlay_keys() > overlay_keys_max_) state_.Prune(base.applied());
    state_.SetBase(&base);
    admitted = AdmitTo(event, seq, recorded_at_ms, agency);
    state_.SetBase(nullptr);
  });
  return peeked.ok() ? admitted : peeked;
}

Status Admission::AdmitTo(const fb::Event& event, uint64_t seq, int64_t recorded_at_ms, std::string_view agency) {
  if (seq != state_.applied()) {
    return Status::Unavailable("the admission rules have folded " + std::to_string(state_.applied()) +
                               " entries, the event would be seq " + std::to_string(seq) + ": reopen the ledger");
  }
  RETURN_IF_ERROR(CheckAdmissible(state_, event, DayInChina(recorded_at_ms), agency));
  return state_.Apply(event, seq);
}

Status Admission::Install(ledger::Ledger& ledger, const std::function<void(uint64_t, uint64_t)>& progress,
                          const std::string& snapshot_path, FoldStart* start) {
  ASSIGN_OR_RETURN(State state, BuildStateFromSnapshot(ledger, ledger.size(), snapshot_path, progress, start, Searchable::kNo));
  ledger.SetAppendGuard(std::make_shared<Admission>(std::move(state)));
  return Status::Ok();
}

}  // namespace creditlog::projections
