// JSON ⇄ binary for events, through FlatBuffers' own schema-driven parser and printer
// (the schema text is embedded at build time). No hand-written field mappers.
#pragma once

#include <string>
#include <string_view>

#include "crypto/bytes.h"

namespace creditlog::events {

inline constexpr size_t kEventJsonBytesMax = 256 * 1024;

// The embedded events/schema/event.fbs.
std::string_view EventSchemaText();

// Parses an Event in JSON (field names as in the schema; the union as "body_type" and
// "body"), with every string normalised to Unicode NFC first (NormaliseJsonStrings), then
// checks it with ParseEvent and ValidateEvent (FieldRules::kNew). Besides the schema's own
// forms it takes a byte field (the public keys) as a standard base64 string, and an enum value
// by its Chinese name (events/labels.h: "不予处罚" for NoPenalty); the event is the same as
// with the schema's forms.
// InvalidArgument whose message begins with the field's path and says what is wrong in the
// schema's terms: "body.fine: unknown field; did you mean fine_fen?", "body.discretion: '不处罚'
// is not a Discretion value; accepted: Standard (标准), NoPenalty (不予处罚), …". A document
// that is not JSON at all gives "event JSON: …". When `error_line` is given it is set to the
// line of `json` the error is at (1-based), or 0 when no one line holds it.
Result<Bytes> EventFromJson(std::string_view json, size_t* error_line);
Result<Bytes> EventFromJson(std::string_view json);

// `json` with each string literal (double- or single-quoted: FlatBuffers' parser takes both)
// in NFC (events/text_rules.h), escapes decoded first so that "e\u0301" becomes "é" as surely
// as "e" followed by a raw U+0301. Literals already in NFC and everything outside literals are
// kept byte for byte; a literal that is not valid JSON (a bad escape, a lone surrogate, a raw
// control character) or not UTF-8 is kept too, for the parser or the rules to refuse.
std::string NormaliseJsonStrings(std::string_view json);

// Strict JSON (quoted keys, enums by name, defaults omitted) for verified Event bytes.
Result<std::string> EventToJson(ByteView event_bytes);

}  // namespace creditlog::events
