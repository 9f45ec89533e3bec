#include "api/personal.h"

#include "events/event.h"
#include "events/personal.h"
#include "ledger/entry.h"

namespace creditlog::api {

std::string PersonalView::Field(const ledger::EntryView& entry, std::string_view path, std::string_view value,
                                std::string_view person) const {
  if (state_ != nullptr && state_->Erased(person, entry.seq)) return std::string(kErasedText);
  if (!events::IsSealedMarker(value)) return std::string(value);  // recorded before sealing
  const auto* sealed = entry.envelope.envelope->sealed();
  if (keys_ == nullptr || sealed == nullptr) return std::string(kSealedText);
  for (const fb::SealedField* field : *sealed) {
    if (field->path()->string_view() != path || field->person()->string_view() != person) continue;
    ledger::UnsealResult opened = keys_->Unseal(*field, value);
    switch (opened.state) {
      case ledger::Unsealed::kValue: return std::move(opened.value);
      // The log's erasures were looked at first: with them at hand, a key that is gone was lost.
      case ledger::Unsealed::kErased: return std::string(state_ != nullptr ? kKeyMissingText : kErasedText);
      case ledger::Unsealed::kUnavailable: return std::string(kSealedText);
    }
  }
  return std::string(kSealedText);
}

void PersonalView::Show(const ledger::EntryView& entry, nlohmann::json& event) const {
  if (!event.contains("body") || !event["body"].is_object()) return;
  for (const events::PersonalField& f : events::PersonalFields(*entry.envelope.event)) {
    const std::string name = f.path.substr(std::string_view("body.").size());
    event["body"][name] = Field(entry, f.path, f.value, f.person);
  }
}

std::string PersonalView::Name(const projections::SubjectState& subject) const {
  if (subject.kind != fb::SubjectKind::CivilServant || !subject.registered) return subject.name;
  const uint64_t seq = *subject.registered;
  if (state_ != nullptr && state_->Erased(subject.id, seq)) return std::string(kErasedText);
  if (!events::IsSealedMarker(subject.name)) return subject.name;
  if (ledger_ == nullptr || keys_ == nullptr) return std::string(kSealedText);
  auto bytes = ledger_->Entry(seq);
  if (!bytes.ok()) return std::string(kSealedText);
  auto entry = ledger::ParseEntry(*bytes);
  if (!entry.ok()) return std::string(kSealedText);
  return Field(*entry, "body.name", subject.name, subject.id);
}

Result<nlohmann::json> RetentionDueJson(const ledger::Ledger& ledger, const projections::State& state, int64_t day) {
  using nlohmann::json;
  const auto* adopted = state.rulesets().At(day);
  const int months = adopted ? adopted->rules.retention_civil_servant_files_months
                             : projections::Ruleset().retention_civil_servant_files_months;
  json rows = json::array();
  for (const auto& [id, subject] : state.subjects()) {
    if (subject.kind != fb::SubjectKind::CivilServant) continue;
    ASSIGN_OR_RETURN(std::vector<uint64_t> seqs, ledger.StreamSeqs(id));
    std::string latest;
    uint64_t latest_seq = 0;
    for (uint64_t seq : seqs) {
      ASSIGN_OR_RETURN(Bytes bytes, ledger.Entry(seq));
      ASSIGN_OR_RETURN(ledger::EntryView view, ledger::ParseEntry(bytes));
      const auto* entry = view.envelope.event->body_as_CivilServantIntegrityEntry();
      if (entry == nullptr || entry->entry_date()->str() < latest) continue;
      latest = entry->entry_date()->str();
      latest_seq = seq;
    }
    if (latest.empty() || seqs.empty() || state.Erased(id, seqs.back())) continue;
    const int64_t due = events::AddMonthsToDays(events::DaysFromDate(latest), months);
    if (due > day) continue;
    rows.push_back({{"person", id}, {"employer", id.substr(0, id.find('/'))}, {"latest_entry", latest},
                    {"latest_seq", latest_seq}, {"due", events::DateFromDays(due)}, {"records", seqs},
                    {"rule", "retention.civil_servant_files_months"}, {"months", months}});
  }
  return json{{"as_of", events::DateFromDays(day)}, {"due", rows}};
}

}  // namespace creditlog::api
