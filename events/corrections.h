// What a RecordCorrected event may correct: the fields of each record type that a correction
// names, and the kind of value each takes (docs/events.md, "Corrections").
#pragma once

#include <string_view>

#include "base/result.h"
#include "events/event_generated.h"

namespace creditlog::events {

enum class FieldKind { kText, kDate, kMoney, kDays, kFlag, kSeverity, kDiscretion, kCommitmentType };

struct CorrectableField {
  std::string_view record_type;  // PenaltyDecided, CommitmentMade, ContractSigned
  std::string_view field;
  FieldKind kind;
};

inline constexpr CorrectableField kCorrectableFields[] = {
    {"PenaltyDecided", "category", FieldKind::kText},
    {"PenaltyDecided", "severity", FieldKind::kSeverity},
    {"PenaltyDecided", "discretion", FieldKind::kDiscretion},
    {"PenaltyDecided", "fine_fen", FieldKind::kMoney},
    {"PenaltyDecided", "confiscated_fen", FieldKind::kMoney},
    {"PenaltyDecided", "decision_date", FieldKind::kDate},
    {"CommitmentMade", "commitment_type", FieldKind::kCommitmentType},
    {"CommitmentMade", "matter", FieldKind::kText},
    {"CommitmentMade", "deadline", FieldKind::kDate},
    {"ContractSigned", "amount_fen", FieldKind::kMoney},
    {"ContractSigned", "delivery_date", FieldKind::kDate},
    {"ContractSigned", "payment_term_days", FieldKind::kDays},
    {"ContractSigned", "counterparty_is_sme", FieldKind::kFlag},
};

// InvalidArgument naming what may be corrected when `field` of `record_type` may not.
Result<CorrectableField> FindCorrectableField(std::string_view record_type, std::string_view field);
// The value in the member its kind uses (`text`, `number` or `flag`), valid as the field.
// InvalidArgument "member: what is wrong".
Status CheckFieldValue(const CorrectableField& field, const fb::FieldValue& value);

}  // namespace creditlog::events
