// Reading, checking and signing events and envelopes.
#pragma once

#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/ed25519.h"
#include "events/event_generated.h"
#include "events/limits.h"

namespace creditlog::events {

// A verified view into an Envelope buffer; pointers are valid while the buffer lives.
struct EnvelopeView {
  const fb::Envelope* envelope = nullptr;
  const fb::Event* event = nullptr;
  ByteView event_bytes;
  PublicKey public_key{};
  Signature signature{};
  uint16_t schema_version = 0;
};

// Structural check of untrusted bytes: size limits, FlatBuffers Verifier (depth and table
// bounds), the nested Event, schema version, key and signature sizes. Does not check the
// signature or the event's fields. InvalidArgument naming what was wrong.
Result<EnvelopeView> ParseEnvelope(ByteView envelope_bytes);

// Structural check of Event bytes alone (as produced by EventFromJson or a builder).
Result<const fb::Event*> ParseEvent(ByteView event_bytes);

// Which field rules ValidateEvent applies. kNew: every current rule, the text rules of
// events/text_rules.h included (docs/events.md, "Text rules"), for an event being recorded now.
// kRecorded: the rules as they were before the text rules, for entries a ledger already holds
// (a mirror replaying its primary, a re-check of old entries): a refusal added later must not
// make an entry that was rightly recorded unreadable.
enum class FieldRules { kNew, kRecorded };

// Field-level rules: required fields, event id charset and length, subject form, USCC
// structure and check characters (a failing check is accepted only if the code is listed in
// uscc_override.codes with a reason), dates "YYYY-MM-DD" that exist, money in fen within
// [0, kAmountFenMax], ratings 1..5, payment term <= 60 days, every string and vector within
// its limit, text valid UTF-8 (and, under kNew, the text rules). InvalidArgument whose message
// names the field, e.g. "body.deadline: '2026-02-30' is not a calendar date (YYYY-MM-DD)".
Status ValidateEvent(const fb::Event& event, FieldRules rules = FieldRules::kNew);

// The signature purpose of an envelope of `schema_version`: "creditlog/event/v<N>". Changing
// an envelope's schema_version changes the message its signature must cover.
std::string EventSignaturePurpose(uint16_t schema_version);

// Builds the Envelope (kSchemaVersion) for `event_bytes`, signed with the domain-separated
// event purpose of that version.
Bytes SignEnvelope(ByteView event_bytes, const SecretKey& key, std::string_view origin);

// OK if the envelope's signature verifies for `origin` and the purpose of the envelope's own
// schema version; PermissionDenied otherwise.
Status VerifyEnvelopeSignature(const EnvelopeView& view, std::string_view origin);

// Event type names are the EventBody member names ("PenaltyDecided", ...).
std::string_view EventTypeName(fb::EventBody type);
// The console's name of an event type (web/i18n.js 'ev.*'), e.g. 行政处罚决定; "" for an unknown name.
std::string_view EventTypeChineseName(std::string_view type_name);
Result<fb::EventBody> EventTypeFromName(std::string_view name);

// Ledger administration (Genesis, AgencyKeyRegistered, KeyRevoked, RulesetAdopted, and the
// credit office's ErasureRecorded):
// events about the ledger itself, with an empty subject. False for NONE and for a type this
// build does not know (it is asked of unchecked events).
bool IsAdministrative(fb::EventBody type);

// The records an ObjectionFiled may name by record_type (besides a listing notice, by notice_id).
inline constexpr const char* kObjectableRecordTypes = "PenaltyDecided, CommitmentMade, ContractSigned, SeriousListingDecided";
bool IsObjectableRecordType(std::string_view type);

// The division code an event's subject falls in, for jurisdiction checks: positions 3–8
// of the subject's USCC (before any "/staff-number"); "" for an empty subject.
std::string_view SubjectDivision(std::string_view subject);

// "YYYY-MM-DD" that exists in the Gregorian calendar within [kDateYearMin, kDateYearMax].
bool IsCalendarDate(std::string_view date);
// Days since 1970-01-01 for a calendar date. REQUIRES: "YYYY-MM-DD" that exists (IsCalendarDate
// without its year range), checked in every build (CREDITLOG_CHECK): a date from disk or the
// network is tested with IsCalendarDate first and refused with a Status (the validator,
// projections::State::Apply, ?as_of=).
int64_t DaysFromDate(std::string_view date);
std::string DateFromDays(int64_t days);
// The same day `months` calendar months later (or earlier), clamped to the month's last day.
int64_t AddMonthsToDays(int64_t days, int months);

}  // namespace creditlog::events
