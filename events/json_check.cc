#include "events/json_check.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>

#include "crypto/bytes.h"
#include "events/labels.h"

namespace creditlog::events {
namespace {

using Tree = nlohmann::ordered_json;
using flatbuffers::BaseType;

// FlatBuffers' name for a union's type field: "body" has "body_type".
constexpr std::string_view kUnionTypeSuffix = "_type";

// ---------------------------------------------------------------- lines

// Where the lexer has got to: newlines read, and the last character read.
struct Position {
  size_t newlines = 0;
  char last = 0;
};

// A character iterator that counts the newlines nlohmann's lexer reads through it.
class CountingIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator() = default;
  CountingIterator(const char* at, Position* position) : at_(at), position_(position) {}
  reference operator*() const { return *at_; }
  CountingIterator& operator++() {
    position_->last = *at_;
    if (*at_ == '\n') ++position_->newlines;
    ++at_;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const CountingIterator& other) const { return at_ == other.at_; }
  bool operator!=(const CountingIterator& other) const { return at_ != other.at_; }

 private:
  const char* at_ = nullptr;
  Position* position_ = nullptr;
};

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string Index(const std::string& path, size_t i) { return path + "[" + std::to_string(i) + "]"; }

// The line of every key, and of every value in a list, by path ("body.fields[2].field"). A key
// is placed when the lexer has just read its closing quote; a number when it has read one
// character past it, which is taken back if it was a newline.
class LineSax : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit LineSax(const Position* position) : position_(position) {}

  bool null() override { return Scalar(false); }
  bool boolean(bool) override { return Scalar(false); }
  bool number_integer(number_integer_t) override { return Scalar(true); }
  bool number_unsigned(number_unsigned_t) override { return Scalar(true); }
  bool number_float(number_float_t, const string_t&) override { return Scalar(true); }
  bool string(string_t&) override { return Scalar(false); }
  bool binary(binary_t&) override { return Scalar(false); }
  bool start_object(std::size_t) override {
    levels_.push_back({false, 0, Place(false)});
    return true;
  }
  bool key(string_t& key) override {
    key_path_ = Join(levels_.back().path, key);
    lines_.emplace(key_path_, Line(false));
    return true;
  }
  bool end_object() override {
    levels_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    levels_.push_back({true, 0, Place(false)});
    return true;
  }
  bool end_array() override {
    levels_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

  const std::map<std::string, size_t>& lines() const { return lines_; }

 private:
  struct Level {
    bool list = false;
    size_t next = 0;
    std::string path;
  };

  size_t Line(bool number) const {
    return position_->newlines + 1 - (number && position_->last == '\n' ? 1 : 0);
  }

  bool Scalar(bool number) {
    Place(number);
    return true;
  }

  // The path of the value just read; a value in a list is placed on its own line.
  std::string Place(bool number) {
    if (levels_.empty()) return "";
    Level& level = levels_.back();
    if (!level.list) return key_path_;
    std::string path = Index(level.path, level.next++);
    lines_.emplace(path, Line(number));
    return path;
  }

  const Position* position_;
  std::vector<Level> levels_;
  std::string key_path_;
  std::map<std::string, size_t> lines_;
};

// ---------------------------------------------------------------- words

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// A short form of `value` for an error: quoted text, the number, or what kind of value it is.
std::string Found(const Tree& value) {
  if (value.is_string()) return "'" + value.get<std::string>() + "'";
  if (value.is_number() || value.is_boolean()) return value.dump();
  if (value.is_array()) return "a list";
  if (value.is_object()) return "an object";
  return "null";
}

bool IsIntegerText(std::string_view text) {
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string FieldList(const flatbuffers::StructDef& def) {
  std::string out;
  for (const flatbuffers::FieldDef* field : def.fields.vec) {
    if (field->deprecated) continue;
    out += (out.empty() ? "" : ", ") + field->name;
  }
  return out;
}

std::vector<std::string> FieldNames(const flatbuffers::StructDef& def) {
  std::vector<std::string> names;
  for (const flatbuffers::FieldDef* field : def.fields.vec) {
    if (!field->deprecated) names.push_back(field->name);
  }
  return names;
}

std::vector<std::string> MemberNames(const flatbuffers::EnumDef& def) {
  std::vector<std::string> names;
  for (const flatbuffers::EnumVal* value : def.Vals()) {
    if (value->name != "NONE" || !def.is_union) names.push_back(value->name);
  }
  return names;
}

// "Standard (标准), NoPenalty (不予处罚), …"
std::string AcceptedValues(const flatbuffers::EnumDef& def) {
  std::string out;
  for (const flatbuffers::EnumVal* value : def.Vals()) {
    const std::string_view label = ChineseLabel(def.name, value->name);
    out += (out.empty() ? "" : ", ") + value->name + (label.empty() ? "" : " (" + std::string(label) + ")");
  }
  return out;
}

// The range of an integer field's type, for "does not fit".
bool IntegerRange(BaseType type, int64_t* min, uint64_t* max) {
  switch (type) {
    case flatbuffers::BASE_TYPE_CHAR: *min = INT8_MIN, *max = INT8_MAX; return true;
    case flatbuffers::BASE_TYPE_UCHAR: *min = 0, *max = UINT8_MAX; return true;
    case flatbuffers::BASE_TYPE_SHORT: *min = INT16_MIN, *max = INT16_MAX; return true;
    case flatbuffers::BASE_TYPE_USHORT: *min = 0, *max = UINT16_MAX; return true;
    case flatbuffers::BASE_TYPE_INT: *min = INT32_MIN, *max = INT32_MAX; return true;
    case flatbuffers::BASE_TYPE_UINT: *min = 0, *max = UINT32_MAX; return true;
    case flatbuffers::BASE_TYPE_LONG: *min = INT64_MIN, *max = INT64_MAX; return true;
    case flatbuffers::BASE_TYPE_ULONG: *min = 0, *max = UINT64_MAX; return true;
    default: return false;
  }
}

// ---------------------------------------------------------------- the walk

// Walks an event tree along the schema. kPrepare rewrites what the parser would not take into
// its forms; kDiagnose (after the parser refused the prepared tree) finds the first refusal.
class Walker {
 public:
  enum class Mode { kPrepare, kDiagnose };
  explicit Walker(Mode mode) : diagnose_(mode == Mode::kDiagnose) {}

  bool changed() const { return changed_; }

  Status Table(Tree& object, const flatbuffers::StructDef& def, const std::string& path) {
    for (auto& [key, value] : object.items()) {
      const flatbuffers::FieldDef* field = def.fields.Lookup(key);
      if (field == nullptr) {
        if (diagnose_) return UnknownField(key, def, Join(path, key));
        continue;
      }
      if (value.is_null()) continue;  // the parser takes null as absent
      RETURN_IF_ERROR(Value(value, field->value.type, object, *field, path, Join(path, key)));
    }
    if (!diagnose_) return Status::Ok();
    for (const flatbuffers::FieldDef* field : def.fields.vec) {
      if (field->deprecated || !(field->IsRequired() || def.fixed)) continue;
      auto it = object.find(field->name);
      if (it != object.end() && !it->is_null()) continue;
      return Status::InvalidArgument(Join(path, field->name) + ": is required" +
                                     (def.fixed ? " (every field of " + def.name + " is)" : ""));
    }
    return Status::Ok();
  }

 private:
  Status Refuse(const std::string& path, const std::string& what) const {
    return diagnose_ ? Status::InvalidArgument(path + ": " + what) : Status::Ok();
  }

  Status UnknownField(const std::string& key, const flatbuffers::StructDef& def, const std::string& path) const {
    const std::string nearest = NearestName(key, FieldNames(def));
    if (!nearest.empty()) return Status::InvalidArgument(path + ": unknown field; did you mean " + nearest + "?");
    return Status::InvalidArgument(path + ": unknown field; the fields of " + def.name + " are " + FieldList(def));
  }

  Status UnknownMember(const std::string& name, const flatbuffers::EnumDef& def, const std::string& path) const {
    const std::string nearest = NearestName(name, MemberNames(def));
    return Status::InvalidArgument(path + ": '" + name + "' is not an event type" +
                                   (nearest.empty() ? " (docs/events.md lists them)" : "; did you mean " + nearest + "?"));
  }

  Status Value(Tree& value, const flatbuffers::Type& type, Tree& object, const flatbuffers::FieldDef& field,
               const std::string& parent, const std::string& path) {
    switch (type.base_type) {
      case flatbuffers::BASE_TYPE_UTYPE:
        if (value.is_string() && type.enum_def->Lookup(value.get<std::string>()) == nullptr && diagnose_) {
          return UnknownMember(value.get<std::string>(), *type.enum_def, path);
        }
        if (!value.is_string() && !value.is_number_integer()) {
          return Refuse(path, "expected the name of an event type in quotes, e.g. \"PenaltyDecided\", found " + Found(value));
        }
        return Status::Ok();
      case flatbuffers::BASE_TYPE_UNION: return Union(value, type, object, field, parent, path);
      case flatbuffers::BASE_TYPE_STRUCT:
        if (!value.is_object()) return Refuse(path, "expected an object {…} (a " + type.struct_def->name + "), found " + Found(value));
        return Table(value, *type.struct_def, path);
      case flatbuffers::BASE_TYPE_STRING:
        if (!value.is_string()) return Refuse(path, "expected text in quotes, found " + Found(value));
        return Status::Ok();
      case flatbuffers::BASE_TYPE_VECTOR: return Vector(value, type, object, field, parent, path);
      case flatbuffers::BASE_TYPE_BOOL:
        if (!value.is_boolean() && !value.is_number_integer()) return Refuse(path, "expected true or false, found " + Found(value));
        return Status::Ok();
      default:
        return type.enum_def != nullptr ? Enum(value, *type.enum_def, path) : Number(value, type.base_type, path);
    }
  }

  // "body" is read as the table its sibling "body_type" names.
  Status Union(Tree& value, const flatbuffers::Type& type, Tree& object, const flatbuffers::FieldDef& field,
               const std::string& parent, const std::string& path) {
    const std::string type_key = field.name + std::string(kUnionTypeSuffix);
    auto it = object.find(type_key);
    if (it == object.end() || it->is_null()) {
      return Refuse(path, "has no " + type_key + " beside it: name its type, e.g. \"" + type_key + "\": \"PenaltyDecided\"");
    }
    if (!it->is_string()) return Status::Ok();  // a number, or wrong: its own field says so
    const flatbuffers::EnumVal* member = type.enum_def->Lookup(it->get<std::string>());
    if (member == nullptr || member->union_type.struct_def == nullptr) {
      return diagnose_ ? UnknownMember(it->get<std::string>(), *type.enum_def, Join(parent, type_key)) : Status::Ok();
    }
    const flatbuffers::StructDef& def = *member->union_type.struct_def;
    if (!value.is_object()) return Refuse(path, "expected an object {…} with the fields of " + def.name + ", found " + Found(value));
    return Table(value, def, path);
  }

  Status Vector(Tree& value, const flatbuffers::Type& type, Tree& object, const flatbuffers::FieldDef& field,
                const std::string& parent, const std::string& path) {
    const bool bytes = type.element == flatbuffers::BASE_TYPE_UCHAR;
    if (bytes && value.is_string()) {
      // A key as `keys generate` and `agencies list` print it.
      auto decoded = Base64Decode(value.get<std::string>());
      if (!decoded.ok()) {
        return Status::InvalidArgument(path + ": " + Found(value) + " is not standard base64 (a key is 44 characters, as `creditlog keys generate` prints it), nor a list of numbers");
      }
      Tree numbers = Tree::array();
      for (uint8_t byte : *decoded) numbers.push_back(byte);
      value = std::move(numbers);
      changed_ = true;
      return Status::Ok();
    }
    if (!value.is_array()) {
      return Refuse(path, bytes ? "expected base64 text or a list of numbers 0..255, found " + Found(value)
                                : "expected a list […], found " + Found(value));
    }
    const flatbuffers::Type element = type.VectorType();
    for (size_t i = 0; i < value.size(); ++i) {
      RETURN_IF_ERROR(Value(value[i], element, object, field, parent, Index(path, i)));
    }
    return Status::Ok();
  }

  Status Enum(Tree& value, const flatbuffers::EnumDef& def, const std::string& path) {
    if (value.is_number_integer()) return Status::Ok();  // the validator checks the number
    if (value.is_string()) {
      const std::string text = value.get<std::string>();
      if (def.Lookup(text) != nullptr || IsIntegerText(text)) return Status::Ok();
      if (std::optional<std::string_view> name = ValueFromChinese(def.name, text)) {
        value = std::string(*name);
        changed_ = true;
        return Status::Ok();
      }
    }
    if (!diagnose_) return Status::Ok();
    std::string nearest;
    if (value.is_string()) nearest = NearestName(value.get<std::string>(), MemberNames(def));
    return Status::InvalidArgument(path + ": " + Found(value) + " is not a " + def.name + " value" +
                                   (nearest.empty() ? "" : "; did you mean " + nearest + "?") +
                                   "; accepted: " + AcceptedValues(def));
  }

  Status Number(const Tree& value, BaseType type, const std::string& path) const {
    if (!diagnose_) return Status::Ok();
    const bool whole = !flatbuffers::IsFloat(type);
    const std::string wanted = whole ? "a whole number" : "a number";
    if (value.is_string()) {
      if (IsIntegerText(value.get<std::string>())) return Status::Ok();  // the parser takes "500"
      return Status::InvalidArgument(path + ": expected " + wanted + ", found the text " + Found(value));
    }
    if (!value.is_number()) return Status::InvalidArgument(path + ": expected " + wanted + ", found " + Found(value));
    int64_t min = 0;
    uint64_t max = 0;
    const bool ranged = IntegerRange(type, &min, &max);
    if (value.is_number_float() && whole) {
      // Digits beyond 64 bits reach here as a float: say that they do not fit.
      const double number = value.get<double>();
      if (ranged && std::trunc(number) == number && (number < static_cast<double>(min) || number > static_cast<double>(max))) {
        return Status::InvalidArgument(path + ": " + value.dump() + " does not fit (" + std::to_string(min) + ".." + std::to_string(max) + ")");
      }
      return Status::InvalidArgument(path + ": expected " + wanted + " (no decimal point or exponent), found " + value.dump());
    }
    if (!ranged) return Status::Ok();
    const bool fits = value.is_number_unsigned() ? value.get<uint64_t>() <= max
                                                 : value.get<int64_t>() >= min && (value.get<int64_t>() < 0 || static_cast<uint64_t>(value.get<int64_t>()) <= max);
    if (fits) return Status::Ok();
    return Status::InvalidArgument(path + ": " + value.dump() + " does not fit (" + std::to_string(min) + ".." + std::to_string(max) + ")");
  }

  const bool diagnose_;
  bool changed_ = false;
};

// ---------------------------------------------------------------- the parser's words

struct Rewording {
  std::string_view prefix;  // of the parser's message
  std::string_view plain;   // what it means; the rest of the message follows
};

constexpr Rewording kRewordings[] = {
    {"input file is empty", "the event JSON is empty"},
    {"unknown field: ", "unknown field "},
    {"unknown enum value: ", "not an accepted value: "},
    {"required field is missing: ", "a required field is missing: "},
    {"enum values need to be qualified by an enum type", "text where a number is expected"},
    {"type mismatch or invalid value, an initializer of non-string field must be trivial ASCII string",
     "text where a number or a value name is expected"},
    {"Cannot assign token starting with ", "a value of the wrong kind: "},
    {"invalid number: ", "not a number in range: "},
    {"illegal character in string constant", "a control character inside quoted text (escape it, e.g. \\n)"},
    {"illegal UTF-8 sequence", "text that is not UTF-8"},
    {"illegal character: code: ", "a character JSON does not allow here, code "},
    {"unknown escape code in string constant", "an escape JSON does not have, inside quoted text"},
};

size_t ReadNumber(std::string_view* text) {
  size_t n = 0, digits = 0;
  while (digits < text->size() && (*text)[digits] >= '0' && (*text)[digits] <= '9') n = n * 10 + ((*text)[digits++] - '0');
  text->remove_prefix(digits);
  return digits == 0 ? 0 : n;
}

}  // namespace

Tree ReadEventTree(std::string_view text) {
  // The nesting, strings aside, before any tree is built.
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  if (deepest > kEventJsonDepthMax) return Tree(Tree::value_t::discarded);
  return Tree::parse(text, nullptr, /*allow_exceptions=*/false);
}

Status PrepareEventTree(const flatbuffers::Parser& schema, Tree& tree, bool* changed) {
  *changed = false;
  if (!tree.is_object() || schema.root_struct_def_ == nullptr) return Status::Ok();
  Walker walker(Walker::Mode::kPrepare);
  RETURN_IF_ERROR(walker.Table(tree, *schema.root_struct_def_, ""));
  *changed = walker.changed();
  return Status::Ok();
}

Status DiagnoseEventTree(const flatbuffers::Parser& schema, const Tree& tree) {
  if (tree.is_discarded() || schema.root_struct_def_ == nullptr) return Status::Ok();
  if (!tree.is_object()) return Status::InvalidArgument("event JSON: expected an object {…}, found " + Found(tree));
  Tree copy = tree;  // no deeper than kEventJsonDepthMax
  return Walker(Walker::Mode::kDiagnose).Table(copy, *schema.root_struct_def_, "");
}

std::string PlainParserError(std::string_view error, size_t* line) {
  // "LINE: COLUMN: error: MESSAGE"
  std::string_view rest = error;
  *line = ReadNumber(&rest);
  if (*line > 0 && rest.starts_with(": ")) {
    rest.remove_prefix(2);
    ReadNumber(&rest);
    if (rest.starts_with(": ")) rest.remove_prefix(2);
  } else {
    rest = error;
  }
  if (rest.starts_with("error: ")) rest.remove_prefix(7);
  // "expecting: , instead got: end of file"
  constexpr std::string_view kExpecting = "expecting: ", kInsteadGot = " instead got: ";
  if (rest.starts_with(kExpecting) && rest.find(kInsteadGot) != std::string_view::npos) {
    const size_t got = rest.find(kInsteadGot);
    auto token = [](std::string_view t) { return t.size() == 1 ? "'" + std::string(t) + "'" : std::string(t); };  // ',' not ,
    return "expected " + token(rest.substr(kExpecting.size(), got - kExpecting.size())) + ", found " +
           token(rest.substr(got + kInsteadGot.size()));
  }
  for (const Rewording& r : kRewordings) {
    if (rest.starts_with(r.prefix)) return std::string(r.plain) + std::string(rest.substr(r.prefix.size()));
  }
  return std::string(rest);
}

size_t LineOfError(std::string_view text, std::string_view message) {
  const size_t colon = message.find(": ");
  if (colon == std::string_view::npos || colon == 0) return 0;
  std::string path(message.substr(0, colon));
  const bool is_path = std::all_of(path.begin(), path.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '[' || c == ']';
  });
  if (!is_path) return 0;
  Position position;
  LineSax sax(&position);
  const bool parsed = nlohmann::json::sax_parse(CountingIterator(text.data(), &position),
                                                CountingIterator(text.data() + text.size(), &position), &sax);
  if (!parsed) return 0;
  // The path, or the nearest field that holds it (a required field that is missing).
  while (!path.empty()) {
    auto it = sax.lines().find(path);
    if (it != sax.lines().end()) return it->second;
    const size_t cut = path.find_last_of(".[");
    path.resize(cut == std::string::npos ? 0 : cut);
  }
  return 0;
}

std::string NearestName(std::string_view name, const std::vector<std::string>& candidates) {
  constexpr size_t kPrefixLengthMin = 3;  // "fine" → fine_fen; "de" suggests nothing
  const std::string wanted = Lower(name);
  std::string best;
  size_t best_edits = std::numeric_limits<size_t>::max();
  for (const std::string& candidate : candidates) {
    const std::string lower = Lower(candidate);
    const size_t edits = EditDistance(wanted, lower);
    const bool near = edits <= kSuggestEditsMax && edits * 2 <= lower.size();
    const bool prefix = wanted.size() >= kPrefixLengthMin && (lower.starts_with(wanted) || wanted.starts_with(lower));
    if ((near || prefix) && edits < best_edits) {
      best = candidate;
      best_edits = edits;
    }
  }
  return best;
}

}  // namespace creditlog::events
