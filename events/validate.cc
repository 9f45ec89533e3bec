// Field-level rules for every event type. Each error names the field at fault.
#include <cctype>

#include "events/checker.h"

namespace creditlog::events {
namespace {

using internal::Checker;

void CheckSubject(Checker& c, const fb::Event& event) {
  const std::string_view subject = event.subject() ? event.subject()->string_view() : std::string_view();
  if (IsAdministrative(event.body_type())) {
    if (!subject.empty()) c.Fail("subject", "must be empty for ledger administration events");
    return;
  }
  // An access record of a read of no single subject (a list, the audit feed).
  if (subject.empty() && event.body_type() == fb::EventBody::AccessRecorded) return;
  if (subject.empty()) return c.Fail("subject", "is required (a USCC, or USCC/staff-number)");
  if (subject.size() > kSubjectBytesMax) return c.Fail("subject", "is longer than " + std::to_string(kSubjectBytesMax) + " bytes");
  const size_t slash = subject.find('/');
  c.Check(subject.substr(0, slash), "subject");
  if (slash == std::string_view::npos) return;
  const std::string_view staff = subject.substr(slash + 1);
  if (staff.empty() || staff.size() > kStaffNumberBytesMax) {
    return c.Fail("subject", "staff number after '/' must be 1.." + std::to_string(kStaffNumberBytesMax) + " characters");
  }
  for (char ch : staff) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') {
      return c.Fail("subject", "staff number may hold only letters, digits and '-'");
    }
  }
}

void CheckEnvelopeFields(Checker& c, const fb::Event& event) {
  c.Id(event.event_id(), "event_id", kEventIdBytesMax);
  if (c.ok()) {
    for (char ch : event.event_id()->string_view()) {
      if (!std::isalnum(static_cast<unsigned char>(ch)) && std::string_view("._:/-").find(ch) == std::string_view::npos) {
        return c.Fail("event_id", "may hold only letters, digits and . _ : / -");
      }
    }
  }
  if (event.expected_version() < -1) c.Fail("expected_version", "must be -1 (any) or a version >= 0");
  if (const auto* o = event.uscc_override()) {
    if (o->codes()->size() == 0 || o->codes()->size() > kListItemsMax) c.Fail("uscc_override.codes", "must list 1..64 codes");
    if (c.rules() == FieldRules::kNew) {
      for (flatbuffers::uoffset_t i = 0; i < o->codes()->size(); ++i) {
        c.Line(o->codes()->Get(i), "uscc_override.codes[" + std::to_string(i) + "]", kNameBytesMax);
      }
    }
    c.Text(o->reason(), "uscc_override.reason", kTextBytesMax);
  }
  CheckSubject(c, event);
}

}  // namespace

Status ValidateEvent(const fb::Event& event, FieldRules rules) {
  Checker c(event, rules);
  CheckEnvelopeFields(c, event);
  if (!c.ok()) return c.status();
  if (event.body_type() == fb::EventBody::NONE || event.body() == nullptr) {
    return Status::InvalidArgument("body: is required (body_type names the event type)");
  }
  if (event.body_type() > fb::EventBody::MAX) {
    return Status::InvalidArgument("body_type: " + std::to_string(static_cast<int>(event.body_type())) +
                                   " is not an event type known to this build");
  }
  internal::CheckBody(c, event);
  return c.status();
}

}  // namespace creditlog::events
