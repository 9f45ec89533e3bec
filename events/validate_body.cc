// Per-type rules for event bodies (MISSION.md's catalogue). Field paths start with "body.".
#include "events/checker.h"
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

void Administration(Checker& c, const fb::Event& e) {
  switch (e.body_type()) {
    case fb::EventBody::Genesis: {
      const auto* b = e.body_as_Genesis();
      c.Id(b->ledger_id(), "body.ledger_id");
      c.Id(b->origin(), "body.origin");
      c.Key(b->root_public_key(), "body.root_public_key");
      c.Key(b->ledger_public_key(), "body.ledger_public_key");
      c.Uscc(b->office_uscc(), "body.office_uscc");
      c.Line(b->office_name(), "body.office_name");
      c.Date(b->created_date(), "body.created_date");
      break;
    }
    case fb::EventBody::AgencyKeyRegistered: {
      const auto* b = e.body_as_AgencyKeyRegistered();
      c.Uscc(b->agency_uscc(), "body.agency_uscc");
      c.Line(b->agency_name(), "body.agency_name");
      c.Line(b->key_name(), "body.key_name");
      c.Key(b->public_key(), "body.public_key");
      c.Key(b->replaces_public_key(), "body.replaces_public_key", false);
      StringList(c, b->permitted_types(), "body.permitted_types", true);
      if (c.ok()) {
        for (const auto* name : *b->permitted_types()) {
          if (!EventTypeFromName(name->string_view()).ok()) c.Fail("body.permitted_types", "'" + name->str() + "' is not an event type");
        }
      }
      const std::string_view j = b->jurisdiction()->string_view();
      if (j.size() > 6 || j.find_first_not_of("0123456789") != std::string_view::npos) {
        c.Fail("body.jurisdiction", "'" + std::string(j) + "' must be a division-code prefix of 0..6 digits");
      }
      break;
    }
    case fb::EventBody::KeyRevoked:
      c.Key(e.body_as_KeyRevoked()->public_key(), "body.public_key");
      c.Text(e.body_as_KeyRevoked()->reason(), "body.reason");
      break;
    case fb::EventBody::RulesetAdopted: {
      const auto* b = e.body_as_RulesetAdopted();
      c.Id(b->version(), "body.version");
      c.Text(b->rules_json(), "body.rules_json", kRulesBytesMax);
      c.Date(b->effective_date(), "body.effective_date");
      break;
    }
    case fb::EventBody::SubjectRegistered: {
      const auto* b = e.body_as_SubjectRegistered();
      EnumInRange(c, b->kind(), fb::SubjectKind::MAX, "body.kind");
      c.Line(b->name(), "body.name");
      if (b->division() && b->division()->size() > 0 &&
          (b->division()->size() != 6 || b->division()->string_view().find_first_not_of("0123456789") != std::string_view::npos)) {
        c.Fail("body.division", "'" + b->division()->str() + "' must be a 6-digit division code");
      }
      c.Line(b->staff_number(), "body.staff_number", kStaffNumberBytesMax, b->kind() == fb::SubjectKind::CivilServant);
      c.Uscc(b->employer_uscc(), "body.employer_uscc", b->kind() == fb::SubjectKind::CivilServant);
      c.Line(b->legal_representative(), "body.legal_representative", kNameBytesMax, false);
      break;
    }
    default:
      break;
  }
}

void Commitments(Checker& c, const fb::Event& e) {
  switch (e.body_type()) {
    case fb::EventBody::CommitmentMade: {
      const auto* b = e.body_as_CommitmentMade();
      c.Id(b->commitment_id(), "body.commitment_id");
      EnumInRange(c, b->commitment_type(), fb::CommitmentType::MAX, "body.commitment_type");
      c.Line(b->matter(), "body.matter");
      c.Text(b->content(), "body.content");
      c.Date(b->made_date(), "body.made_date");
      c.Date(b->deadline(), "body.deadline");
      c.NotBefore(b->deadline(), b->made_date(), "body.deadline", "body.made_date");
      c.Uscc(b->accepting_agency(), "body.accepting_agency");
      break;
    }
    case fb::EventBody::CommitmentVerified:
      c.Id(e.body_as_CommitmentVerified()->commitment_id(), "body.commitment_id");
      c.Date(e.body_as_CommitmentVerified()->verified_date(), "body.verified_date");
      c.Text(e.body_as_CommitmentVerified()->note(), "body.note", kTextBytesMax, false);
      break;
    case fb::EventBody::CommitmentBreached:
      c.Id(e.body_as_CommitmentBreached()->commitment_id(), "body.commitment_id");
      c.Text(e.body_as_CommitmentBreached()->finding(), "body.finding");
      c.Date(e.body_as_CommitmentBreached()->breach_date(), "body.breach_date");
      break;
    case fb::EventBody::CommitmentWithdrawn:
      c.Id(e.body_as_CommitmentWithdrawn()->commitment_id(), "body.commitment_id");
      c.Date(e.body_as_CommitmentWithdrawn()->withdrawn_date(), "body.withdrawn_date");
      c.Text(e.body_as_CommitmentWithdrawn()->reason(), "body.reason", kTextBytesMax, false);
      break;
    default:
      break;
  }
}

void Contracts(Checker& c, const fb::Event& e) {
  switch (e.body_type()) {
    case fb::EventBody::ContractSigned: {
      const auto* b = e.body_as_ContractSigned();
      c.Id(b->contract_id(), "body.contract_id");
      c.Uscc(b->public_body(), "body.public_body");
      c.Uscc(b->counterparty(), "body.counterparty");
      c.Line(b->title(), "body.title");
      c.Money(b->amount_fen(), "body.amount_fen");
      c.Date(b->signed_date(), "body.signed_date");
      c.Date(b->delivery_date(), "body.delivery_date", false);
      c.NotBefore(b->delivery_date(), b->signed_date(), "body.delivery_date", "body.signed_date");
      if (b->payment_term_days() > kPaymentTermDaysMax) {
        c.Fail("body.payment_term_days", std::to_string(b->payment_term_days()) + " exceeds the statutory maximum of " +
                                             std::to_string(kPaymentTermDaysMax) + " days (保障中小企业款项支付条例)");
      }
      if (b->schedule() && b->schedule()->size() > kListItemsMax) c.Fail("body.schedule", "has too many installments");
      // FlatBuffers' verifier checks a vector's 4-byte length, not its 8-byte structs' alignment:
      // a hostile buffer can misalign them. Our builder never does.
      if (b->schedule() && reinterpret_cast<uintptr_t>(b->schedule()->Data()) % alignof(fb::Installment) != 0) {
        c.Fail("body.schedule", "is not aligned for its 8-byte installments (not a FlatBuffer our builder writes)");
      } else if (b->schedule()) {
        for (flatbuffers::uoffset_t i = 0; i < b->schedule()->size(); ++i) {
          c.Money(b->schedule()->Get(i)->amount_fen(), "body.schedule[" + std::to_string(i) + "].amount_fen");
        }
      }
      break;
    }
    case fb::EventBody::PaymentMade:
      c.Id(e.body_as_PaymentMade()->contract_id(), "body.contract_id");
      c.Money(e.body_as_PaymentMade()->amount_fen(), "body.amount_fen");
      c.Date(e.body_as_PaymentMade()->paid_date(), "body.paid_date");
      break;
    case fb::EventBody::ArrearsRecorded:
      c.Id(e.body_as_ArrearsRecorded()->contract_id(), "body.contract_id");
      c.Money(e.body_as_ArrearsRecorded()->amount_fen(), "body.amount_fen");
      c.Date(e.body_as_ArrearsRecorded()->due_date(), "body.due_date");
      c.Date(e.body_as_ArrearsRecorded()->recorded_date(), "body.recorded_date");
      break;
    case fb::EventBody::ArrearsCleared:
      c.Id(e.body_as_ArrearsCleared()->contract_id(), "body.contract_id");
      c.Money(e.body_as_ArrearsCleared()->amount_fen(), "body.amount_fen");
      c.Date(e.body_as_ArrearsCleared()->cleared_date(), "body.cleared_date");
      break;
    case fb::EventBody::ContractCompleted:
      c.Id(e.body_as_ContractCompleted()->contract_id(), "body.contract_id");
      c.Date(e.body_as_ContractCompleted()->completed_date(), "body.completed_date");
      break;
    default:
      break;
  }
}

void Penalties(Checker& c, const fb::Event& e) {
  switch (e.body_type()) {
    case fb::EventBody::PenaltyDecided: {
      const auto* b = e.body_as_PenaltyDecided();
      c.Id(b->decision_number(), "body.decision_number");
      c.Line(b->subject_name(), "body.subject_name");
      c.Line(b->category(), "body.category");
      c.Text(b->facts(), "body.facts");
      c.Text(b->basis(), "body.basis");
      c.Text(b->content(), "body.content");
      c.Money(b->fine_fen(), "body.fine_fen");
      c.Money(b->confiscated_fen(), "body.confiscated_fen");
      c.Date(b->decision_date(), "body.decision_date");
      c.Uscc(b->deciding_agency(), "body.deciding_agency");
      c.Line(b->deciding_agency_name(), "body.deciding_agency_name", kNameBytesMax, false);
      EnumInRange(c, b->severity(), fb::Severity::MAX, "body.severity");
      EnumInRange(c, b->discretion(), fb::Discretion::MAX, "body.discretion");
      break;
    }
    case fb::EventBody::PenaltyFulfilled:
      c.Id(e.body_as_PenaltyFulfilled()->decision_number(), "body.decision_number");
      c.Date(e.body_as_PenaltyFulfilled()->fulfilled_date(), "body.fulfilled_date");
      break;
    case fb::EventBody::PenaltyRevoked:
      c.Id(e.body_as_PenaltyRevoked()->decision_number(), "body.decision_number");
      c.Date(e.body_as_PenaltyRevoked()->revoked_date(), "body.revoked_date");
      c.Text(e.body_as_PenaltyRevoked()->reason(), "body.reason");
      break;
    default:
      break;
  }
}

void DueProcess(Checker& c, const fb::Event& e) {
  switch (e.body_type()) {
    case fb::EventBody::ListingNoticeIssued: {
      const auto* b = e.body_as_ListingNoticeIssued();
      c.Id(b->notice_id(), "body.notice_id");
      EnumInRange(c, b->list(), fb::ListKind::MAX, "body.list");
      c.Text(b->reason(), "body.reason");
      c.Text(b->basis(), "body.basis");
      c.Date(b->notice_date(), "body.notice_date");
      c.Date(b->objection_deadline(), "body.objection_deadline");
      c.NotBefore(b->objection_deadline(), b->notice_date(), "body.objection_deadline", "body.notice_date");
      StringList(c, b->related(), "body.related", false);
      break;
    }
    case fb::EventBody::ObjectionFiled:
      c.Id(e.body_as_ObjectionFiled()->objection_id(), "body.objection_id");
      c.Id(e.body_as_ObjectionFiled()->notice_id(), "body.notice_id");
      c.Text(e.body_as_ObjectionFiled()->content(), "body.content");
      c.Date(e.body_as_ObjectionFiled()->filed_date(), "body.filed_date");
      break;
    case fb::EventBody::ObjectionResolved:
      c.Id(e.body_as_ObjectionResolved()->objection_id(), "body.objection_id");
      c.Text(e.body_as_ObjectionResolved()->outcome(), "body.outcome");
      c.Date(e.body_as_ObjectionResolved()->resolved_date(), "body.resolved_date");
      break;
    case fb::EventBody::SeriousListingDecided: {
      const auto* b = e.body_as_SeriousListingDecided();
      c.Id(b->listing_id(), "body.listing_id");
      c.Id(b->notice_id(), "body.notice_id");
      c.Text(b->basis(), "body.basis");
      c.Date(b->decision_date(), "body.decision_date");
      c.Date(b->term_end_date(), "body.term_end_date");
      c.NotBefore(b->term_end_date(), b->decision_date(), "body.term_end_date", "body.decision_date");
      c.Text(b->exit_conditions(), "body.exit_conditions");
      break;
    }
    case fb::EventBody::SeriousListingExited:
      c.Id(e.body_as_SeriousListingExited()->listing_id(), "body.listing_id");
      c.Date(e.body_as_SeriousListingExited()->exit_date(), "body.exit_date");
      c.Text(e.body_as_SeriousListingExited()->reason(), "body.reason");
      break;
    case fb::EventBody::RepairApplied:
      c.Id(e.body_as_RepairApplied()->repair_id(), "body.repair_id");
      c.Id(e.body_as_RepairApplied()->target(), "body.target");
      c.Line(e.body_as_RepairApplied()->commitment_id(), "body.commitment_id", kNameBytesMax, false);
      c.Date(e.body_as_RepairApplied()->applied_date(), "body.applied_date");
      break;
    case fb::EventBody::RepairDecided:
      c.Id(e.body_as_RepairDecided()->repair_id(), "body.repair_id");
      c.Date(e.body_as_RepairDecided()->decided_date(), "body.decided_date");
      c.Text(e.body_as_RepairDecided()->reason(), "body.reason");
      break;
    default:
      break;
  }
}

void Integrity(Checker& c, const fb::Event& e) {
  switch (e.body_type()) {
    case fb::EventBody::ServiceRated: {
      const auto* b = e.body_as_ServiceRated();
      c.Id(b->rating_id(), "body.rating_id");
      if (b->rating() < kRatingMin || b->rating() > kRatingMax) {
        c.Fail("body.rating", std::to_string(b->rating()) + " is outside 1..5 (好差评)");
      }
      c.Line(b->matter(), "body.matter");
      c.Date(b->rated_date(), "body.rated_date");
      EnumInRange(c, b->channel(), fb::ServiceChannel::MAX, "body.channel");
      c.Text(b->comment(), "body.comment", kTextBytesMax, false);
      break;
    }
    case fb::EventBody::CivilServantIntegrityEntry: {
      const auto* b = e.body_as_CivilServantIntegrityEntry();
      c.Id(b->entry_id(), "body.entry_id");
      c.Line(b->category(), "body.category");
      c.Text(b->content(), "body.content");
      c.Date(b->entry_date(), "body.entry_date");
      const std::string_view subject = e.subject() ? e.subject()->string_view() : std::string_view();
      if (subject.find('/') == std::string_view::npos) c.Fail("subject", "a civil-servant entry needs USCC/staff-number");
      break;
    }
    default:
      break;
  }
}

}  // namespace

void CheckBody(Checker& c, const fb::Event& event) {
  Administration(c, event);
  Commitments(c, event);
  Contracts(c, event);
  Penalties(c, event);
  DueProcess(c, event);
  Integrity(c, event);
}

}  // namespace creditlog::events::internal
