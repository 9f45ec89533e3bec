#include "events/corrections.h"

#include <string>

#include "events/event.h"
#include "events/limits.h"
#include "events/text_rules.h"

namespace creditlog::events {
namespace {

template <typename Enum, size_t N>
bool IsEnumName(const char* const* names, std::string_view text) {
  for (size_t i = 0; i < N && names[i] != nullptr; ++i) {
    if (text == names[i] && *names[i] != '\0') return true;
  }
  return false;
}

}  // namespace

Result<CorrectableField> FindCorrectableField(std::string_view record_type, std::string_view field) {
  std::string allowed;
  for (const CorrectableField& f : kCorrectableFields) {
    if (f.record_type != record_type) continue;
    if (f.field == field) return f;
    allowed += (allowed.empty() ? "" : ", ") + std::string(f.field);
  }
  if (allowed.empty()) {
    return Status::InvalidArgument("'" + std::string(record_type) + "' records are not corrected by RecordCorrected " +
                                   "(PenaltyDecided, CommitmentMade, ContractSigned are)");
  }
  return Status::InvalidArgument("'" + std::string(field) + "' of a " + std::string(record_type) +
                                 " is not corrected by RecordCorrected (" + allowed + " are)");
}

Status CheckFieldValue(const CorrectableField& field, const fb::FieldValue& value) {
  const std::string_view text = value.text() ? value.text()->string_view() : std::string_view();
  switch (field.kind) {
    case FieldKind::kText:
      if (text.empty() || text.size() > kNameBytesMax) return Status::InvalidArgument("text: 1.." + std::to_string(kNameBytesMax) + " bytes");
      if (Status s = CheckText(text, TextKind::kSingleLine); !s.ok()) return Status::InvalidArgument("text: " + s.message());
      return Status::Ok();
    case FieldKind::kDate:
      if (!IsCalendarDate(text)) return Status::InvalidArgument("text: '" + std::string(text) + "' is not a date (YYYY-MM-DD)");
      return Status::Ok();
    case FieldKind::kMoney:
      if (value.number() < 0 || value.number() > kAmountFenMax) {
        return Status::InvalidArgument("number: " + std::to_string(value.number()) + " is not an amount in fen");
      }
      return Status::Ok();
    case FieldKind::kDays:
      if (value.number() < 0 || value.number() > kPaymentTermDaysAnyMax) {
        return Status::InvalidArgument("number: " + std::to_string(value.number()) + " is not 0.." +
                                       std::to_string(kPaymentTermDaysAnyMax) + " days");
      }
      return Status::Ok();
    case FieldKind::kFlag:
      return Status::Ok();
    case FieldKind::kSeverity:
      if (!IsEnumName<fb::Severity, 3>(fb::EnumNamesSeverity(), text)) {
        return Status::InvalidArgument("text: '" + std::string(text) + "' is not a severity (Minor, General, Serious)");
      }
      return Status::Ok();
    case FieldKind::kDiscretion:
      if (!IsEnumName<fb::Discretion, 5>(fb::EnumNamesDiscretion(), text)) {
        return Status::InvalidArgument("text: '" + std::string(text) + "' is not a discretion (Standard, NoPenalty, Mitigated, Lighter, Heavier)");
      }
      return Status::Ok();
    case FieldKind::kCommitmentType:
      if (!IsEnumName<fb::CommitmentType, 6>(fb::EnumNamesCommitmentType(), text)) {
        return Status::InvalidArgument("text: '" + std::string(text) + "' is not a commitment type");
      }
      return Status::Ok();
  }
  return Status::InvalidArgument("unknown field kind");
}

}  // namespace creditlog::events
