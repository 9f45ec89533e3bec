// Internal to events/: the field checker shared by the validation files. The first failure
// wins; each message names the field path ("body.deadline: ...").
#pragma once

#include <set>
#include <string>

#include "crypto/text.h"
#include "events/event.h"
#include "events/text_rules.h"
#include "events/uscc.h"

namespace creditlog::events::internal {

using String = flatbuffers::String;

class Checker {
 public:
  Checker(const fb::Event& event, FieldRules rules) : rules_(rules) {
    if (const auto* o = event.uscc_override()) {
      for (const auto* code : *o->codes()) overrides_.insert(code->str());
      has_reason_ = o->reason()->size() > 0;
    }
  }

  FieldRules rules() const { return rules_; }
  Status status() const { return status_; }
  bool ok() const { return status_.ok(); }
  void Fail(const std::string& field, const std::string& message) {
    if (status_.ok()) status_ = Status::InvalidArgument(field + ": " + message);
  }

  // One line of text: names, ids, numbers, titles, categories, matters (TextKind::kSingleLine).
  void Line(const String* s, const std::string& field, size_t max = kNameBytesMax, bool required = true) {
    CheckString(s, field, max, TextKind::kSingleLine, required);
  }

  // Text of several lines: facts, content, findings, reasons, bases, notes, comments, outcomes.
  void Text(const String* s, const std::string& field, size_t max = kTextBytesMax, bool required = true) {
    CheckString(s, field, max, TextKind::kMultiLine, required);
  }

  void Id(const String* s, const std::string& field, size_t max = kNameBytesMax) {
    Line(s, field, max);
    if (s == nullptr) return;
    for (char c : s->string_view()) {
      if (c == ' ' || c == '\n') return Fail(field, "must not contain spaces or line breaks");
    }
  }

  void Date(const String* s, const std::string& field, bool required = true) {
    if (s == nullptr || s->size() == 0) {
      if (required) Fail(field, "is required (YYYY-MM-DD)");
      return;
    }
    if (!IsCalendarDate(s->string_view())) {
      Fail(field, "'" + s->str() + "' is not a calendar date (YYYY-MM-DD, years " + std::to_string(kDateYearMin) +
                      ".." + std::to_string(kDateYearMax) + ")");
    }
  }

  // `later` may not be before `earlier` (both already checked as dates).
  void NotBefore(const String* later, const String* earlier, const std::string& later_field,
                 const std::string& earlier_field) {
    if (!ok() || later == nullptr || earlier == nullptr || later->size() == 0 || earlier->size() == 0) return;
    if (DaysFromDate(later->string_view()) < DaysFromDate(earlier->string_view())) {
      Fail(later_field, "'" + later->str() + "' is before " + earlier_field + " '" + earlier->str() + "'");
    }
  }

  void Money(int64_t fen, const std::string& field) {
    if (fen < 0) return Fail(field, std::to_string(fen) + " is negative (money is integer fen >= 0)");
    if (fen > kAmountFenMax) Fail(field, std::to_string(fen) + " fen exceeds the limit " + std::to_string(kAmountFenMax));
  }

  void Uscc(const String* s, const std::string& field, bool required = true) {
    if (s == nullptr || s->size() == 0) {
      if (required) Fail(field, "is required (a unified social credit code)");
      return;
    }
    Check(s->string_view(), field);
  }

  void Check(std::string_view code, const std::string& field) {
    const bool overridden = has_reason_ && overrides_.find(code) != overrides_.end();
    Status s = ValidateUscc(code, overridden);
    if (!s.ok()) Fail(field, s.message());
  }

  void Key(const flatbuffers::Vector<uint8_t>* bytes, const std::string& field, bool required = true) {
    if (bytes == nullptr) {
      if (required) Fail(field, "is required (a 32-byte Ed25519 public key)");
      return;
    }
    if (bytes->size() != kPublicKeySize) Fail(field, std::to_string(bytes->size()) + " bytes; an Ed25519 public key has 32");
  }

 private:
  // The size limit, for new events the text rules (events/text_rules.h), and UTF-8 without C0
  // controls other than LF (the rule every recorded entry obeys; the text rules imply it).
  void CheckString(const String* s, const std::string& field, size_t max, TextKind kind, bool required) {
    if (s == nullptr || s->size() == 0) {
      if (required) Fail(field, "is required and must not be empty");
      return;
    }
    if (s->size() > max) return Fail(field, std::to_string(s->size()) + " bytes; the limit is " + std::to_string(max));
    if (rules_ == FieldRules::kNew) {  // the text rules refuse all IsValidNoteText refuses
      if (Status text = CheckText(s->string_view(), kind); !text.ok()) Fail(field, text.message());
      return;
    }
    if (!IsValidNoteText(s->string_view())) Fail(field, "must be valid UTF-8 without control characters");
  }

  FieldRules rules_;
  Status status_;
  std::set<std::string, std::less<>> overrides_;
  bool has_reason_ = false;
};

void CheckBody(Checker& c, const fb::Event& event);

}  // namespace creditlog::events::internal
