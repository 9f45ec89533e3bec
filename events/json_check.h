// Event JSON read against the schema around FlatBuffers' parser (events/json.cc):
//
// - before it, the forms people write that the parser does not take are turned into the
//   schema's: a byte field ([ubyte], the public keys) as a base64 string, an enum value by its
//   Chinese name (events/labels.h);
// - after it refuses a document, the refusal is said in the schema's terms: the field's path,
//   the nearest field name, the accepted values of an enum, the type a field wants;
// - and any error that names a path is placed on a line of the text.
//
// The parser stays the judge of what is an event: what it took before is taken unchanged, and
// what it refuses is refused; only the words of the refusal are ours.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <flatbuffers/idl.h>
#include <nlohmann/json.hpp>

#include "base/status.h"

namespace creditlog::events {

// Deeper documents are left to FlatBuffers' parser alone: an event nests 4 levels
// (Event → body → fields → one FieldValue), and walking or printing a tree is recursive.
inline constexpr size_t kEventJsonDepthMax = 16;
// A field name at most this many edits from an unknown one is suggested for it.
inline constexpr size_t kSuggestEditsMax = 3;

// The event as a tree, when `text` is strict JSON no deeper than kEventJsonDepthMax; a
// discarded value otherwise (FlatBuffers' parser also takes single-quoted strings).
nlohmann::ordered_json ReadEventTree(std::string_view text);

// Rewrites `tree` (an event, ReadEventTree's) into the forms FlatBuffers' parser takes: a
// string in a [ubyte] field is decoded from standard base64 into its array of numbers, and a
// string in an enum field that is a value's Chinese label or short form becomes the value's
// name. *changed tells whether anything was rewritten. InvalidArgument naming the path when a
// byte field's string is not base64.
Status PrepareEventTree(const flatbuffers::Parser& schema, nlohmann::ordered_json& tree, bool* changed);

// The first thing in `tree` that the schema refuses, as InvalidArgument "path: what"; OK when
// nothing is found (the parser refused something this does not check).
Status DiagnoseEventTree(const flatbuffers::Parser& schema, const nlohmann::ordered_json& tree);

// FlatBuffers' parser's error ("7: 13: error: unknown field: fine") in plain words, without
// its position; *line is set to its line (1-based).
std::string PlainParserError(std::string_view error, size_t* line);

// The line (1-based) of `text` where the path that `message` begins with ("body.fine_fen: …")
// is, or its nearest enclosing field's; 0 when the message names no path or the text is not
// strict JSON.
size_t LineOfError(std::string_view text, std::string_view message);

// The candidate nearest to `name` (case aside: fewest edits, or one that begins with it), if it
// is near enough to suggest; "" otherwise.
std::string NearestName(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace creditlog::events
