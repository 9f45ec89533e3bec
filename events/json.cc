#include "events/json.h"

#include <cstdio>
#include <mutex>
#include <optional>

#include <flatbuffers/idl.h>
#include <utf8proc.h>

#include "events/event.h"
#include "events/json_check.h"
#include "events/text_rules.h"

namespace creditlog::events {
namespace {

// A parser with the schema loaded, per thread: flatbuffers::Parser is not thread-safe and
// loading the schema costs far more than parsing one event. A failed parse leaves part of its
// state behind (its field stack grows with every failure), so after one the parser is dropped
// and the next call loads a fresh one.
thread_local std::unique_ptr<flatbuffers::Parser> t_parser;

Result<flatbuffers::Parser*> ThreadParser() {
  if (!t_parser) {
    flatbuffers::IDLOptions options;
    options.strict_json = true;
    options.output_default_scalars_in_json = true;  // auditors see every field
    auto fresh = std::make_unique<flatbuffers::Parser>(options);
    const std::string schema(EventSchemaText());
    if (!fresh->Parse(schema.c_str()) || !fresh->SetRootType("Event")) {
      return Status::Corruption("embedded event schema does not parse: " + fresh->error_);
    }
    t_parser = std::move(fresh);
  }
  return t_parser.get();
}

constexpr char32_t kHighSurrogateFirst = 0xD800;
constexpr char32_t kLowSurrogateFirst = 0xDC00;
constexpr char32_t kLowSurrogateLast = 0xDFFF;
constexpr char32_t kSurrogatePairBase = 0x10000;
constexpr size_t kHexEscapeDigits = 4;  // \uXXXX
constexpr unsigned char kFirstNonControl = 0x20;

std::optional<char32_t> HexUnit(std::string_view body, size_t at) {
  if (body.size() < at + kHexEscapeDigits) return std::nullopt;
  char32_t unit = 0;
  for (size_t i = at; i < at + kHexEscapeDigits; ++i) {
    const char c = body[i];
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (digit < 0) return std::nullopt;
    unit = unit * 16 + static_cast<char32_t>(digit);
  }
  return unit;
}

// The text of a JSON string literal's body (between its quotes) with escapes decoded; nullopt
// when the body is not valid JSON (a bad escape, a lone surrogate, a raw control character).
std::optional<std::string> DecodeLiteral(std::string_view body) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (static_cast<unsigned char>(c) < kFirstNonControl) return std::nullopt;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i == body.size()) return std::nullopt;
    switch (body[i]) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        std::optional<char32_t> unit = HexUnit(body, i + 1);
        if (!unit || (*unit >= kLowSurrogateFirst && *unit <= kLowSurrogateLast)) return std::nullopt;
        i += kHexEscapeDigits;
        char32_t code_point = *unit;
        if (*unit >= kHighSurrogateFirst && *unit < kLowSurrogateFirst) {
          if (i + 2 >= body.size() || body[i + 1] != '\\' || body[i + 2] != 'u') return std::nullopt;
          std::optional<char32_t> low = HexUnit(body, i + 3);
          if (!low || *low < kLowSurrogateFirst || *low > kLowSurrogateLast) return std::nullopt;
          code_point = kSurrogatePairBase + ((*unit - kHighSurrogateFirst) << 10) + (*low - kLowSurrogateFirst);
          i += 2 + kHexEscapeDigits;
        }
        utf8proc_uint8_t encoded[4];
        const utf8proc_ssize_t length = utf8proc_encode_char(static_cast<utf8proc_int32_t>(code_point), encoded);
        out.append(reinterpret_cast<const char*>(encoded), static_cast<size_t>(length));
        break;
      }
      default:
        return std::nullopt;
    }
  }
  return out;
}

// A JSON string literal, double quotes included, for `text`.
std::string EncodeLiteral(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < kFirstNonControl) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      out += escape;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

std::string NormaliseJsonStrings(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  size_t at = 0;
  while (at < json.size()) {
    const char quote = json[at];  // FlatBuffers' parser takes 'single-quoted' strings too
    if (quote != '"' && quote != '\'') {
      out += json[at++];
      continue;
    }
    size_t end = at + 1;
    while (end < json.size() && json[end] != quote) end += json[end] == '\\' ? 2 : 1;
    if (end >= json.size()) {  // unterminated: the parser says where
      out.append(json.substr(at));
      break;
    }
    const std::string_view literal = json.substr(at, end - at + 1);
    const std::optional<std::string> text = DecodeLiteral(literal.substr(1, literal.size() - 2));
    std::string normalised = text ? NormaliseText(*text) : std::string();
    if (text && normalised != *text) {
      out += EncodeLiteral(normalised);
    } else {
      out.append(literal);
    }
    at = end + 1;
  }
  return out;
}

namespace {

// Runs the thread's parser over `text`: the Event's bytes, or the parser's error (after which
// the parser is dropped, as a failed parse leaves state behind).
Result<Bytes> ParseWithFlatBuffers(const std::string& text) {
  ASSIGN_OR_RETURN(flatbuffers::Parser * parser, ThreadParser());
  if (!parser->ParseJson(text.c_str())) {
    std::string error = parser->error_;
    t_parser.reset();
    return Status::InvalidArgument(std::move(error));
  }
  return Bytes(parser->builder_.GetBufferPointer(), parser->builder_.GetBufferPointer() + parser->builder_.GetSize());
}

}  // namespace

Result<Bytes> EventFromJson(std::string_view json, size_t* error_line) {
  size_t unused_line = 0;
  size_t* line = error_line != nullptr ? error_line : &unused_line;
  *line = 0;
  if (json.size() > kEventJsonBytesMax) {
    return Status::InvalidArgument("event JSON is " + std::to_string(json.size()) + " bytes; the limit is " +
                                   std::to_string(kEventJsonBytesMax));
  }
  // Normalised before the event is built and signed: the validator refuses text not in NFC.
  const std::string normalised = NormaliseJsonStrings(json);
  // A refusal that names a field is placed on that field's line of what the caller wrote.
  auto refuse = [&](Status status) {
    *line = LineOfError(normalised, status.message());
    return status;
  };
  auto parsed = ParseWithFlatBuffers(normalised);
  if (!parsed.ok()) {
    // Only what the parser refuses is read again as a tree, so that what it takes costs nothing
    // more: first the forms it does not take (base64 keys, Chinese enum names) in its own, and
    // the reprinted text parsed; then, if still refused, the refusal said in the schema's terms
    // ("18: 18: error: unknown field: fine" is about its grammar, not the event).
    ASSIGN_OR_RETURN(flatbuffers::Parser * schema, ThreadParser());
    nlohmann::ordered_json tree = ReadEventTree(normalised);
    bool rewritten = false;
    if (Status prepared = PrepareEventTree(*schema, tree, &rewritten); !prepared.ok()) return refuse(prepared);
    if (rewritten) parsed = ParseWithFlatBuffers(tree.dump());
    if (!parsed.ok()) {
      ASSIGN_OR_RETURN(schema, ThreadParser());
      if (Status diagnosed = DiagnoseEventTree(*schema, tree); !diagnosed.ok()) return refuse(diagnosed);
      size_t parser_line = 0;
      const std::string plain = PlainParserError(parsed.status().message(), &parser_line);
      if (!rewritten) *line = parser_line;  // a reprinted text has lines of its own
      return Status::InvalidArgument("event JSON: " + plain);
    }
  }
  ASSIGN_OR_RETURN(const fb::Event* event, ParseEvent(*parsed));
  if (Status valid = ValidateEvent(*event); !valid.ok()) return refuse(valid);
  return std::move(*parsed);
}

Result<Bytes> EventFromJson(std::string_view json) { return EventFromJson(json, nullptr); }

Result<std::string> EventToJson(ByteView event_bytes) {
  RETURN_IF_ERROR(ParseEvent(event_bytes).status());
  ASSIGN_OR_RETURN(flatbuffers::Parser * parser, ThreadParser());
  std::string out;
  if (!flatbuffers::GenerateText(*parser, event_bytes.data(), &out)) {
    return Status::InvalidArgument("event cannot be printed as JSON");
  }
  return out;
}

}  // namespace creditlog::events
