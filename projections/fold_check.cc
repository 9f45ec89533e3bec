#include "projections/fold_check.h"

#include <initializer_list>
#include <string>

#include "events/corrections.h"
#include "events/event.h"

namespace creditlog::projections {
namespace {

struct DateField {
  const flatbuffers::String* date;
  const char* field;
  bool optional = false;  // may be absent or ""
};

Status CheckDates(std::initializer_list<DateField> dates) {
  for (const DateField& d : dates) {
    const bool absent = d.date == nullptr || d.date->size() == 0;
    if (absent && d.optional) continue;
    if (absent || !events::IsCalendarDate(d.date->string_view())) {
      return Status::Corruption(std::string(d.field) + ": not a calendar date (YYYY-MM-DD) in a recorded event");
    }
  }
  return Status::Ok();
}

// The values a correction gives are checked as the fields they replace are: a damaged store
// could hold any.
Status CheckCorrection(const fb::RecordCorrected& b) {
  RETURN_IF_ERROR(CheckDates({{b.corrected_date(), "body.corrected_date"}}));
  for (const fb::FieldValue* f : *b.fields()) {
    auto field = events::FindCorrectableField(b.record_type()->string_view(), f->field()->string_view());
    if (!field.ok() || !events::CheckFieldValue(*field, *f).ok()) {
      return Status::Corruption("body.fields: '" + f->field()->str() + "' is not a correctable value in a recorded event");
    }
  }
  return Status::Ok();
}

}  // namespace

Status CheckFoldable(const fb::Event& e) {
  using fb::EventBody;
  switch (e.body_type()) {
    case EventBody::NONE:
      return Status::Corruption("body_type: NONE in a recorded event (ValidateEvent requires a body)");
    case EventBody::AgencyKeyRegistered:
    case EventBody::KeyRevoked:
    case EventBody::SubjectRegistered:
      return Status::Ok();  // no dates
    case EventBody::Genesis: return CheckDates({{e.body_as_Genesis()->created_date(), "body.created_date"}});
    case EventBody::RulesetAdopted:
      return CheckDates({{e.body_as_RulesetAdopted()->effective_date(), "body.effective_date"}});
    case EventBody::CommitmentMade:
      return CheckDates({{e.body_as_CommitmentMade()->made_date(), "body.made_date"}, {e.body_as_CommitmentMade()->deadline(), "body.deadline"}});
    case EventBody::CommitmentVerified:
      return CheckDates({{e.body_as_CommitmentVerified()->verified_date(), "body.verified_date"}});
    case EventBody::CommitmentBreached:
      return CheckDates({{e.body_as_CommitmentBreached()->breach_date(), "body.breach_date"}});
    case EventBody::CommitmentWithdrawn:
      return CheckDates({{e.body_as_CommitmentWithdrawn()->withdrawn_date(), "body.withdrawn_date"}});
    case EventBody::ContractSigned:
      return CheckDates({{e.body_as_ContractSigned()->signed_date(), "body.signed_date"}, {e.body_as_ContractSigned()->delivery_date(), "body.delivery_date", true}});
    case EventBody::PaymentMade: return CheckDates({{e.body_as_PaymentMade()->paid_date(), "body.paid_date"}});
    case EventBody::ArrearsRecorded:
      return CheckDates({{e.body_as_ArrearsRecorded()->due_date(), "body.due_date"}, {e.body_as_ArrearsRecorded()->recorded_date(), "body.recorded_date"}});
    case EventBody::ArrearsCleared: return CheckDates({{e.body_as_ArrearsCleared()->cleared_date(), "body.cleared_date"}});
    case EventBody::ContractCompleted:
      return CheckDates({{e.body_as_ContractCompleted()->completed_date(), "body.completed_date"}});
    case EventBody::PenaltyDecided: {
      const auto* b = e.body_as_PenaltyDecided();
      if (b->severity() > fb::Severity::MAX) {
        return Status::Corruption("body.severity: " + std::to_string(static_cast<int>(b->severity())) +
                                  " is not a severity, in a recorded event");
      }
      return CheckDates({{b->decision_date(), "body.decision_date"}});
    }
    case EventBody::PenaltyFulfilled:
      return CheckDates({{e.body_as_PenaltyFulfilled()->fulfilled_date(), "body.fulfilled_date"}});
    case EventBody::PenaltyRevoked: return CheckDates({{e.body_as_PenaltyRevoked()->revoked_date(), "body.revoked_date"}});
    case EventBody::ListingNoticeIssued:
      return CheckDates({{e.body_as_ListingNoticeIssued()->notice_date(), "body.notice_date"}, {e.body_as_ListingNoticeIssued()->objection_deadline(), "body.objection_deadline"}});
    case EventBody::ObjectionFiled: return CheckDates({{e.body_as_ObjectionFiled()->filed_date(), "body.filed_date"}});
    case EventBody::ObjectionResolved:
      return CheckDates({{e.body_as_ObjectionResolved()->resolved_date(), "body.resolved_date"}});
    case EventBody::SeriousListingDecided:
      return CheckDates({{e.body_as_SeriousListingDecided()->decision_date(), "body.decision_date"}, {e.body_as_SeriousListingDecided()->term_end_date(), "body.term_end_date", true}});
    case EventBody::SeriousListingExited:
      return CheckDates({{e.body_as_SeriousListingExited()->exit_date(), "body.exit_date"}});
    case EventBody::RepairApplied: return CheckDates({{e.body_as_RepairApplied()->applied_date(), "body.applied_date"}});
    case EventBody::RepairDecided: return CheckDates({{e.body_as_RepairDecided()->decided_date(), "body.decided_date"}});
    case EventBody::ServiceRated: return CheckDates({{e.body_as_ServiceRated()->rated_date(), "body.rated_date"}});
    case EventBody::CivilServantIntegrityEntry: {
      const auto* b = e.body_as_CivilServantIntegrityEntry();
      if (b->entry_type() > fb::IntegrityEntryType::MAX || b->sanction_kind() > fb::SanctionKind::MAX ||
          b->assessment_grade() > fb::AssessmentGrade::MAX) {
        return Status::Corruption("body.entry_type: an entry type, sanction kind or grade this build does not know, in a recorded event");
      }
      return CheckDates({{b->entry_date(), "body.entry_date"}, {b->period_end_date(), "body.period_end_date", true}});
    }
    case EventBody::RecordCorrected:
      return CheckCorrection(*e.body_as_RecordCorrected());
    case EventBody::AccessRecorded: return CheckDates({{e.body_as_AccessRecorded()->read_date(), "body.read_date"}});
    case EventBody::ErasureRecorded: return CheckDates({{e.body_as_ErasureRecorded()->erased_date(), "body.erased_date"}});
    case EventBody::MeasureApplied: return CheckDates({{e.body_as_MeasureApplied()->implemented_date(), "body.implemented_date"}});
    case EventBody::ServiceCaseHandled:
      return CheckDates({{e.body_as_ServiceCaseHandled()->handled_date(), "body.handled_date"}});
    case EventBody::ServiceRectified:
      return CheckDates({{e.body_as_ServiceRectified()->rectified_date(), "body.rectified_date"}});
    case EventBody::ServiceFollowedUp:
      return CheckDates({{e.body_as_ServiceFollowedUp()->followed_up_date(), "body.followed_up_date"}});
  }
  return Status::Corruption("body_type: " + std::to_string(static_cast<int>(e.body_type())) +
                            " is not an event type this build knows");
}

}  // namespace creditlog::projections
