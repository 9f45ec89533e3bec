// Per-type rules for event bodies (the catalogue in docs/events.md). Field paths start with "body.".
// One function per event type, reached through the one switch in CheckBody: it names every
// member of the EventBody union and has no default, so a new event type does not compile
// (-Wswitch, -Werror) until its rules are written here.
#include <set>

#include "base/check.h"
#include "events/checker.h"
#include "events/event.h"
#include "events/corrections.h"
#include "events/personal.h"
#include "events/limits.h"

namespace creditlog::events::internal {
namespace {

constexpr uint8_t kRatingMin = 1;
constexpr uint8_t kRatingMax = 5;

template <typename Enum>
void EnumInRange(Checker& c, Enum value, Enum max, const std::string& field) {
  if (static_cast<int>(value) < 0 || value > max) c.Fail(field, std::to_string(static_cast<int>(value)) + " is not a known value");
}

void StringList(Checker& c, const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* list,
                const std::string& field, bool required) {
  if (list == nullptr || list->size() == 0) {
    if (required) c.Fail(field, "must list at least one item");
    return;
  }
  if (list->size() > kListItemsMax) return c.Fail(field, "lists more than " + std::to_string(kListItemsMax) + " items");
  for (flatbuffers::uoffset_t i = 0; i < list->size(); ++i) c.Line(list->Get(i), field + "[" + std::to_string(i) + "]");
}

// ---------------------------------------------------------------- ledger administration

void Genesis(Checker& c, const fb::Genesis& b) {
  c.Id(b.ledger_id(), "body.ledger_id");
  c.Id(b.origin(), "body.origin");
  c.Key(b.root_public_key(), "body.root_public_key");
  c.Key(b.ledger_public_key(), "body.ledger_public_key");
  c.Uscc(b.office_uscc(), "body.office_uscc");
  c.Line(b.office_name(), "body.office_name");
  c.Date(b.created_date(), "body.created_date");
}

void AgencyKeyRegistered(Checker& c, const fb::AgencyKeyRegistered& b) {
  c.Uscc(b.agency_uscc(), "body.agency_uscc");
  c.Line(b.agency_name(), "body.agency_name");
  c.Line(b.key_name(), "body.key_name");
  c.Key(b.public_key(), "body.public_key");
  c.Key(b.replaces_public_key(), "body.replaces_public_key", false);
  StringList(c, b.permitted_types(), "body.permitted_types", true);
  if (c.ok()) {
    for (const auto* name : *b.permitted_types()) {
      if (!EventTypeFromName(name->string_view()).ok()) c.Fail("body.permitted_types", "'" + name->str() + "' is not an event type");
    }
  }
  const std::string_view j = b.jurisdiction()->string_view();
  if (j.size() > 6 || j.find_first_not_of("0123456789") != std::string_view::npos) {
    c.Fail("body.jurisdiction", "'" + std::string(j) + "' must be a division-code prefix of 0..6 digits");
  }
}

void KeyRevoked(Checker& c, const fb::KeyRevoked& b) {
  c.Key(b.public_key(), "body.public_key");
  c.Text(b.reason(), "body.reason");
}

void RulesetAdopted(Checker& c, const fb::RulesetAdopted& b) {
  c.Id(b.version(), "body.version");
  c.Text(b.rules_json(), "body.rules_json", kRulesBytesMax);
  c.Date(b.effective_date(), "body.effective_date");
}

void SubjectRegistered(Checker& c, const fb::SubjectRegistered& b) {
  EnumInRange(c, b.kind(), fb::SubjectKind::MAX, "body.kind");
  c.Line(b.name(), "body.name");
  if (b.division() && b.division()->size() > 0 &&
      (b.division()->size() != 6 || b.division()->string_view().find_first_not_of("0123456789") != std::string_view::npos)) {
    c.Fail("body.division", "'" + b.division()->str() + "' must be a 6-digit division code");
  }
  c.Line(b.staff_number(), "body.staff_number", kStaffNumberBytesMax, b.kind() == fb::SubjectKind::CivilServant);
  c.Uscc(b.employer_uscc(), "body.employer_uscc", b.kind() == fb::SubjectKind::CivilServant);
  c.Line(b.legal_representative(), "body.legal_representative", kNameBytesMax, false);
}

// ---------------------------------------------------------------- commitments

void CommitmentMade(Checker& c, const fb::CommitmentMade& b) {
  c.Id(b.commitment_id(), "body.commitment_id");
  EnumInRange(c, b.commitment_type(), fb::CommitmentType::MAX, "body.commitment_type");
  c.Line(b.matter(), "body.matter");
  c.Text(b.content(), "body.content");
  c.Date(b.made_date(), "body.made_date");
  c.Date(b.deadline(), "body.deadline");
  c.NotBefore(b.deadline(), b.made_date(), "body.deadline", "body.made_date");
  c.Uscc(b.accepting_agency(), "body.accepting_agency");
}

void CommitmentVerified(Checker& c, const fb::CommitmentVerified& b) {
  c.Id(b.commitment_id(), "body.commitment_id");
  c.Date(b.verified_date(), "body.verified_date");
  c.Text(b.note(), "body.note", kTextBytesMax, false);
}

void CommitmentBreached(Checker& c, const fb::CommitmentBreached& b) {
  c.Id(b.commitment_id(), "body.commitment_id");
  c.Text(b.finding(), "body.finding");
  c.Date(b.breach_date(), "body.breach_date");
}

void CommitmentWithdrawn(Checker& c, const fb::CommitmentWithdrawn& b) {
  c.Id(b.commitment_id(), "body.commitment_id");
  c.Date(b.withdrawn_date(), "body.withdrawn_date");
  c.Text(b.reason(), "body.reason", kTextBytesMax, false);
}

// ---------------------------------------------------------------- government contracts

void ContractSigned(Checker& c, const fb::ContractSigned& b) {
  c.Id(b.contract_id(), "body.contract_id");
  c.Uscc(b.public_body(), "body.public_body");
  c.Uscc(b.counterparty(), "body.counterparty");
  c.Line(b.title(), "body.title");
  c.Money(b.amount_fen(), "body.amount_fen");
  c.Date(b.signed_date(), "body.signed_date");
  c.Date(b.delivery_date(), "body.delivery_date", false);
  c.NotBefore(b.delivery_date(), b.signed_date(), "body.delivery_date", "body.signed_date");
  // 保障中小企业款项支付条例 caps the term for a small or medium counterparty; other contracts
  // are bounded only by kPaymentTermDaysAnyMax.
  const uint16_t cap = b.counterparty_is_sme() ? kPaymentTermDaysMax : kPaymentTermDaysAnyMax;
  const char* why = b.counterparty_is_sme() ? " days for a small or medium counterparty (保障中小企业款项支付条例)" : " days";
  if (b.payment_term_days() > cap) {
    c.Fail("body.payment_term_days", std::to_string(b.payment_term_days()) + " exceeds the maximum of " + std::to_string(cap) + why);
  }
  if (b.schedule() && b.schedule()->size() > kListItemsMax) c.Fail("body.schedule", "has too many installments");
  // FlatBuffers' verifier checks a vector's 4-byte length, not its 8-byte structs' alignment:
  // a hostile buffer can misalign them. Our builder never does.
  if (b.schedule() && reinterpret_cast<uintptr_t>(b.schedule()->Data()) % alignof(fb::Installment) != 0) {
    c.Fail("body.schedule", "is not aligned for its 8-byte installments (not a FlatBuffer our builder writes)");
  } else if (b.schedule()) {
    int64_t total = 0;
    for (flatbuffers::uoffset_t i = 0; i < b.schedule()->size(); ++i) {
      const fb::Installment* instalment = b.schedule()->Get(i);
      const std::string field = "body.schedule[" + std::to_string(i) + "]";
      c.Money(instalment->amount_fen(), field + ".amount_fen");
      if (c.rules() == FieldRules::kNew && instalment->due_days_after_delivery() > cap) {
        c.Fail(field + ".due_days_after_delivery", std::to_string(instalment->due_days_after_delivery()) +
                                                       " exceeds the maximum of " + std::to_string(cap) + why);
      }
      if (c.ok()) total += instalment->amount_fen();
    }
    if (c.rules() == FieldRules::kNew && c.ok() && b.schedule()->size() > 0 && total != b.amount_fen()) {
      c.Fail("body.schedule", "the instalments add up to " + std::to_string(total) + " fen, the contract's amount_fen is " +
                                  std::to_string(b.amount_fen()));
    }
  }
}

void PaymentMade(Checker& c, const fb::PaymentMade& b) {
  c.Id(b.contract_id(), "body.contract_id");
  c.Money(b.amount_fen(), "body.amount_fen");
  c.Date(b.paid_date(), "body.paid_date");
}

void ArrearsRecorded(Checker& c, const fb::ArrearsRecorded& b) {
  c.Id(b.contract_id(), "body.contract_id");
  c.Money(b.amount_fen(), "body.amount_fen");
  c.Date(b.due_date(), "body.due_date");
  c.Date(b.recorded_date(), "body.recorded_date");
}

void ArrearsCleared(Checker& c, const fb::ArrearsCleared& b) {
  c.Id(b.contract_id(), "body.contract_id");
  c.Money(b.amount_fen(), "body.amount_fen");
  c.Date(b.cleared_date(), "body.cleared_date");
}

void ContractCompleted(Checker& c, const fb::ContractCompleted& b) {
  c.Id(b.contract_id(), "body.contract_id");
  c.Date(b.completed_date(), "body.completed_date");
}

// ---------------------------------------------------------------- penalties (双公示)

void PenaltyDecided(Checker& c, const fb::PenaltyDecided& b) {
  c.Id(b.decision_number(), "body.decision_number");
  c.Line(b.subject_name(), "body.subject_name");
  c.Line(b.category(), "body.category");
  c.Text(b.facts(), "body.facts");
  c.Text(b.basis(), "body.basis");
  c.Text(b.content(), "body.content");
  c.Money(b.fine_fen(), "body.fine_fen");
  c.Money(b.confiscated_fen(), "body.confiscated_fen");
  c.Date(b.decision_date(), "body.decision_date");
  c.Uscc(b.deciding_agency(), "body.deciding_agency");
  c.Line(b.deciding_agency_name(), "body.deciding_agency_name", kNameBytesMax, false);
  EnumInRange(c, b.severity(), fb::Severity::MAX, "body.severity");
  EnumInRange(c, b.discretion(), fb::Discretion::MAX, "body.discretion");
  // 不予处罚 (Jinan's four lists): no penalty, so no fine and nothing confiscated.
  if (c.rules() == FieldRules::kNew && b.discretion() == fb::Discretion::NoPenalty) {
    if (b.fine_fen() != 0) c.Fail("body.fine_fen", std::to_string(b.fine_fen()) + " fen with discretion NoPenalty (不予处罚 carries no fine)");
    if (b.confiscated_fen() != 0) {
      c.Fail("body.confiscated_fen", std::to_string(b.confiscated_fen()) + " fen with discretion NoPenalty (不予处罚 confiscates nothing)");
    }
  }
}

void PenaltyFulfilled(Checker& c, const fb::PenaltyFulfilled& b) {
  c.Id(b.decision_number(), "body.decision_number");
  c.Date(b.fulfilled_date(), "body.fulfilled_date");
}

void PenaltyRevoked(Checker& c, const fb::PenaltyRevoked& b) {
  c.Id(b.decision_number(), "body.decision_number");
  c.Date(b.revoked_date(), "body.revoked_date");
  c.Text(b.reason(), "body.reason");
}

// ---------------------------------------------------------------- due process and repair

void ListingNoticeIssued(Checker& c, const fb::ListingNoticeIssued& b) {
  c.Id(b.notice_id(), "body.notice_id");
  EnumInRange(c, b.list(), fb::ListKind::MAX, "body.list");
  c.Text(b.reason(), "body.reason");
  c.Text(b.basis(), "body.basis");
  c.Date(b.notice_date(), "body.notice_date");
  c.Date(b.objection_deadline(), "body.objection_deadline");
  c.NotBefore(b.objection_deadline(), b.notice_date(), "body.objection_deadline", "body.notice_date");
  StringList(c, b.related(), "body.related", false);
}

// Either a listing notice (notice_id) or another record (record_type and record_id), not both.
void ObjectionFiled(Checker& c, const fb::ObjectionFiled& b) {
  c.Id(b.objection_id(), "body.objection_id");
  const bool to_record = b.record_type() != nullptr && b.record_type()->size() > 0;
  if (!to_record) {
    c.Id(b.notice_id(), "body.notice_id");
  } else {
    if (b.notice_id() != nullptr && b.notice_id()->size() > 0) {
      c.Fail("body.notice_id", "must be \"\" when the objection names a record_type (object to a notice or to a record)");
    }
    if (c.ok() && !IsObjectableRecordType(b.record_type()->string_view())) {
      c.Fail("body.record_type", "'" + b.record_type()->str() + "' is not a record an objection names (" +
                                     std::string(kObjectableRecordTypes) + ")");
    }
    c.Id(b.record_id(), "body.record_id");
  }
  c.Text(b.content(), "body.content");
  c.Date(b.filed_date(), "body.filed_date");
  c.Uscc(b.handling_agency(), "body.handling_agency", false);
}

void ObjectionResolved(Checker& c, const fb::ObjectionResolved& b) {
  c.Id(b.objection_id(), "body.objection_id");
  c.Text(b.outcome(), "body.outcome");
  c.Date(b.resolved_date(), "body.resolved_date");
}

void SeriousListingDecided(Checker& c, const fb::SeriousListingDecided& b) {
  c.Id(b.listing_id(), "body.listing_id");
  c.Id(b.notice_id(), "body.notice_id");
  c.Text(b.basis(), "body.basis");
  c.Date(b.decision_date(), "body.decision_date");
  c.Date(b.term_end_date(), "body.term_end_date", false);  // "": the ruleset's default term
  c.NotBefore(b.term_end_date(), b.decision_date(), "body.term_end_date", "body.decision_date");
  c.Text(b.exit_conditions(), "body.exit_conditions");
}

void SeriousListingExited(Checker& c, const fb::SeriousListingExited& b) {
  c.Id(b.listing_id(), "body.listing_id");
  c.Date(b.exit_date(), "body.exit_date");
  c.Text(b.reason(), "body.reason");
}

void RepairApplied(Checker& c, const fb::RepairApplied& b) {
  c.Id(b.repair_id(), "body.repair_id");
  c.Id(b.target(), "body.target");
  c.Line(b.commitment_id(), "body.commitment_id", kNameBytesMax, false);
  c.Date(b.applied_date(), "body.applied_date");
}

void RepairDecided(Checker& c, const fb::RepairDecided& b) {
  c.Id(b.repair_id(), "body.repair_id");
  c.Date(b.decided_date(), "body.decided_date");
  c.Text(b.reason(), "body.reason");
}

// ---------------------------------------------------------------- government integrity

void ServiceRated(Checker& c, const fb::ServiceRated& b) {
  c.Id(b.rating_id(), "body.rating_id");
  if (b.rating() < kRatingMin || b.rating() > kRatingMax) {
    c.Fail("body.rating", std::to_string(b.rating()) + " is outside 1..5 (好差评)");
  }
  c.Line(b.matter(), "body.matter");
  c.Date(b.rated_date(), "body.rated_date");
  EnumInRange(c, b.channel(), fb::ServiceChannel::MAX, "body.channel");
  c.Text(b.comment(), "body.comment", kTextBytesMax, false);
  c.Line(b.case_id(), "body.case_id", kNameBytesMax, false);
}

void ServiceCaseHandled(Checker& c, const fb::ServiceCaseHandled& b) {
  c.Id(b.case_id(), "body.case_id");
  c.Line(b.matter(), "body.matter");
  c.Date(b.handled_date(), "body.handled_date");
  EnumInRange(c, b.channel(), fb::ServiceChannel::MAX, "body.channel");
}

void ServiceRectified(Checker& c, const fb::ServiceRectified& b) {
  c.Id(b.case_id(), "body.case_id");
  c.Date(b.rectified_date(), "body.rectified_date");
  c.Text(b.rectification(), "body.rectification");
}

void ServiceFollowedUp(Checker& c, const fb::ServiceFollowedUp& b) {
  c.Id(b.case_id(), "body.case_id");
  c.Date(b.followed_up_date(), "body.followed_up_date");
  c.Text(b.note(), "body.note", kTextBytesMax, false);
}

void CivilServantIntegrityEntry(Checker& c, const fb::CivilServantIntegrityEntry& b, const fb::Event& e) {
  c.Id(b.entry_id(), "body.entry_id");
  c.Line(b.category(), "body.category");
  c.Text(b.content(), "body.content");
  c.Date(b.entry_date(), "body.entry_date");
  const std::string_view subject = e.subject() ? e.subject()->string_view() : std::string_view();
  if (subject.find('/') == std::string_view::npos) c.Fail("subject", "a civil-servant entry needs USCC/staff-number");
  // The typed fields go with their type and no other.
  EnumInRange(c, b.entry_type(), fb::IntegrityEntryType::MAX, "body.entry_type");
  EnumInRange(c, b.sanction_kind(), fb::SanctionKind::MAX, "body.sanction_kind");
  EnumInRange(c, b.assessment_grade(), fb::AssessmentGrade::MAX, "body.assessment_grade");
  c.Date(b.period_end_date(), "body.period_end_date", false);
  c.NotBefore(b.period_end_date(), b.entry_date(), "body.period_end_date", "body.entry_date");
  if (!c.ok()) return;
  const bool sanction = b.entry_type() == fb::IntegrityEntryType::Sanction;
  const bool assessment = b.entry_type() == fb::IntegrityEntryType::Assessment;
  const bool has_end = b.period_end_date() != nullptr && b.period_end_date()->size() > 0;
  if (sanction && b.sanction_kind() == fb::SanctionKind::Unspecified) {
    c.Fail("body.sanction_kind", "a Sanction names its kind (Warning 警告, Demerit 记过, MajorDemerit 记大过, Demotion 降级, "
                                 "Dismissal 撤职, Expulsion 开除)");
  } else if (!sanction && (b.sanction_kind() != fb::SanctionKind::Unspecified || has_end)) {
    c.Fail(has_end ? "body.period_end_date" : "body.sanction_kind", "only a Sanction has a sanction kind and a period");
  } else if (sanction && b.sanction_kind() == fb::SanctionKind::Expulsion && has_end) {
    c.Fail("body.period_end_date", "开除 (Expulsion) has no period");
  } else if (assessment && (b.assessment_grade() == fb::AssessmentGrade::Unspecified || b.assessment_year() == 0)) {
    c.Fail(b.assessment_year() == 0 ? "body.assessment_year" : "body.assessment_grade",
           "an Assessment names its year and its grade (Excellent 优秀, Competent 称职, BasicallyCompetent 基本称职, Incompetent 不称职)");
  } else if (!assessment && (b.assessment_grade() != fb::AssessmentGrade::Unspecified || b.assessment_year() != 0)) {
    c.Fail(b.assessment_year() != 0 ? "body.assessment_year" : "body.assessment_grade", "only an Assessment has a year and a grade");
  } else if (assessment && (b.assessment_year() < kDateYearMin || b.assessment_year() > kDateYearMax)) {
    c.Fail("body.assessment_year", std::to_string(b.assessment_year()) + " is not a year");
  }
}

// ---------------------------------------------------------------- corrections

void RecordCorrected(Checker& c, const fb::RecordCorrected& b) {
  c.Line(b.record_type(), "body.record_type");
  c.Id(b.record_id(), "body.record_id");
  c.Text(b.reason(), "body.reason");
  c.Text(b.basis(), "body.basis");
  c.Date(b.corrected_date(), "body.corrected_date");
  if (!c.ok()) return;
  if (b.fields()->size() == 0 || b.fields()->size() > kListItemsMax) {
    return c.Fail("body.fields", "must name 1.." + std::to_string(kListItemsMax) + " corrected fields");
  }
  std::set<std::string_view> named;
  for (flatbuffers::uoffset_t i = 0; i < b.fields()->size() && c.ok(); ++i) {
    const fb::FieldValue* value = b.fields()->Get(i);
    const std::string path = "body.fields[" + std::to_string(i) + "]";
    auto field = FindCorrectableField(b.record_type()->string_view(), value->field()->string_view());
    if (!field.ok()) return c.Fail(path + ".field", field.status().message());
    if (!named.insert(value->field()->string_view()).second) return c.Fail(path + ".field", "names '" + value->field()->str() + "' twice");
    if (Status s = CheckFieldValue(*field, *value); !s.ok()) {
      const size_t colon = s.message().find(": ");  // "text: …", "number: …"
      c.Fail(path + "." + s.message().substr(0, colon), s.message().substr(colon + 2));
    }
  }
}

// ---------------------------------------------------------------- the access log

void AccessRecorded(Checker& c, const fb::AccessRecorded& b) {
  c.Line(b.reader(), "body.reader");
  c.Line(b.role(), "body.role");
  c.Line(b.purpose(), "body.purpose");
  c.Line(b.route(), "body.route");
  c.Line(b.target(), "body.target", kNameBytesMax, false);
  c.Date(b.read_date(), "body.read_date");
  c.Line(b.request_id(), "body.request_id");
  c.Line(b.address(), "body.address", kNameBytesMax, false);
}

// ---------------------------------------------------------------- joint rewards and punishments

void MeasureApplied(Checker& c, const fb::MeasureApplied& b) {
  c.Id(b.feedback_id(), "body.feedback_id");
  c.Line(b.measure(), "body.measure");
  c.Line(b.matter(), "body.matter");
  c.Date(b.implemented_date(), "body.implemented_date");
  c.Uscc(b.implementing_agency(), "body.implementing_agency");
  c.Text(b.note(), "body.note", kTextBytesMax, false);
}

// ---------------------------------------------------------------- erasure

void ErasureRecorded(Checker& c, const fb::ErasureRecorded& b) {
  c.Line(b.person(), "body.person", kSubjectBytesMax);
  if (c.ok() && !IsPersonId(b.person()->string_view())) {
    c.Fail("body.person", "'" + b.person()->str() + "' is not a person: a civil servant 'USCC/staff-number' or 'rep:USCC' "
                          "for a subject's legal representative");
  }
  c.Text(b.reason(), "body.reason", kTextBytesMax);
  c.Text(b.basis(), "body.basis", kTextBytesMax);
  c.Date(b.erased_date(), "body.erased_date");
}

}  // namespace

void CheckBody(Checker& c, const fb::Event& e) {
  using fb::EventBody;
  switch (e.body_type()) {
    case EventBody::NONE:
      break;  // ValidateEvent refuses an event without a body before it calls here
    case EventBody::Genesis: return Genesis(c, *e.body_as_Genesis());
    case EventBody::AgencyKeyRegistered: return AgencyKeyRegistered(c, *e.body_as_AgencyKeyRegistered());
    case EventBody::KeyRevoked: return KeyRevoked(c, *e.body_as_KeyRevoked());
    case EventBody::RulesetAdopted: return RulesetAdopted(c, *e.body_as_RulesetAdopted());
    case EventBody::SubjectRegistered: return SubjectRegistered(c, *e.body_as_SubjectRegistered());
    case EventBody::CommitmentMade: return CommitmentMade(c, *e.body_as_CommitmentMade());
    case EventBody::CommitmentVerified: return CommitmentVerified(c, *e.body_as_CommitmentVerified());
    case EventBody::CommitmentBreached: return CommitmentBreached(c, *e.body_as_CommitmentBreached());
    case EventBody::CommitmentWithdrawn: return CommitmentWithdrawn(c, *e.body_as_CommitmentWithdrawn());
    case EventBody::ContractSigned: return ContractSigned(c, *e.body_as_ContractSigned());
    case EventBody::PaymentMade: return PaymentMade(c, *e.body_as_PaymentMade());
    case EventBody::ArrearsRecorded: return ArrearsRecorded(c, *e.body_as_ArrearsRecorded());
    case EventBody::ArrearsCleared: return ArrearsCleared(c, *e.body_as_ArrearsCleared());
    case EventBody::ContractCompleted: return ContractCompleted(c, *e.body_as_ContractCompleted());
    case EventBody::PenaltyDecided: return PenaltyDecided(c, *e.body_as_PenaltyDecided());
    case EventBody::PenaltyFulfilled: return PenaltyFulfilled(c, *e.body_as_PenaltyFulfilled());
    case EventBody::PenaltyRevoked: return PenaltyRevoked(c, *e.body_as_PenaltyRevoked());
    case EventBody::ListingNoticeIssued: return ListingNoticeIssued(c, *e.body_as_ListingNoticeIssued());
    case EventBody::ObjectionFiled: return ObjectionFiled(c, *e.body_as_ObjectionFiled());
    case EventBody::ObjectionResolved: return ObjectionResolved(c, *e.body_as_ObjectionResolved());
    case EventBody::SeriousListingDecided: return SeriousListingDecided(c, *e.body_as_SeriousListingDecided());
    case EventBody::SeriousListingExited: return SeriousListingExited(c, *e.body_as_SeriousListingExited());
    case EventBody::RepairApplied: return RepairApplied(c, *e.body_as_RepairApplied());
    case EventBody::RepairDecided: return RepairDecided(c, *e.body_as_RepairDecided());
    case EventBody::ServiceRated: return ServiceRated(c, *e.body_as_ServiceRated());
    case EventBody::CivilServantIntegrityEntry:
      return CivilServantIntegrityEntry(c, *e.body_as_CivilServantIntegrityEntry(), e);
    case EventBody::RecordCorrected: return RecordCorrected(c, *e.body_as_RecordCorrected());
    case EventBody::AccessRecorded: return AccessRecorded(c, *e.body_as_AccessRecorded());
    case EventBody::ErasureRecorded: return ErasureRecorded(c, *e.body_as_ErasureRecorded());
    case EventBody::MeasureApplied: return MeasureApplied(c, *e.body_as_MeasureApplied());
    case EventBody::ServiceCaseHandled: return ServiceCaseHandled(c, *e.body_as_ServiceCaseHandled());
    case EventBody::ServiceRectified: return ServiceRectified(c, *e.body_as_ServiceRectified());
    case EventBody::ServiceFollowedUp: return ServiceFollowedUp(c, *e.body_as_ServiceFollowedUp());
  }
  // NONE, or a type this build does not know: ValidateEvent refuses both before calling here.
  CREDITLOG_CHECK(e.body_type() != EventBody::NONE && e.body_type() <= EventBody::MAX);
}

}  // namespace creditlog::events::internal
