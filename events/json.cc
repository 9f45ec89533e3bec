#include "events/json.h"

#include <mutex>

#include <flatbuffers/idl.h>

#include "events/event.h"

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

}  // namespace

Result<Bytes> EventFromJson(std::string_view json) {
  if (json.size() > kEventJsonBytesMax) {
    return Status::InvalidArgument("event JSON is " + std::to_string(json.size()) + " bytes; the limit is " +
                                   std::to_string(kEventJsonBytesMax));
  }
  ASSIGN_OR_RETURN(flatbuffers::Parser * parser, ThreadParser());
  const std::string text(json);
  if (!parser->ParseJson(text.c_str())) {
    std::string error = parser->error_;
    t_parser.reset();
    if (error.starts_with("error: ")) error = error.substr(7);
    return Status::InvalidArgument("event JSON: " + error);
  }
  Bytes bytes(parser->builder_.GetBufferPointer(), parser->builder_.GetBufferPointer() + parser->builder_.GetSize());
  ASSIGN_OR_RETURN(const fb::Event* event, ParseEvent(bytes));
  RETURN_IF_ERROR(ValidateEvent(*event));
  return bytes;
}

Result<std::string> EventToJson(ByteView event_bytes) {
  RETURN_IF_ERROR(ParseEvent(event_bytes).status());
  ASSIGN_OR_RETURN(flatbuffers::Parser * parser, ThreadParser());
  std::string out;
  if (!flatbuffers::GenerateText(*parser, event_bytes.data(), &out)) {
    return Status::InvalidArgument("event cannot be printed as JSON");
  }
  return out;
}

size_t JsonNestingDepth(std::string_view text) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace creditlog::events
