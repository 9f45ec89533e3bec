// Request targets and path templates of the HTTP transport (api/http_server.h).
//
// A target is parsed with Boost.URL after two steps that make it lenient like browsers, which
// send `[`, `]`, `|`, `{`, `}`, `^`, a backtick, a backslash, `"`, `<`, `>` and bytes >= 0x80
// without escaping them: every such byte is percent-encoded first. A `%` that does not start an
// escape %XX is refused, naming the place. Path segments and query keys and values are then
// percent-decoded (in the query, `+` is a space) and must be valid UTF-8.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace creditlog::api {

struct Target {
  std::string path;                                        // as sent, without the query
  std::vector<std::string> segments;                       // decoded: "/a%2Fb/c" is {"a/b", "c"}
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in the order sent
};

// InvalidArgument naming what is wrong and where.
Result<Target> ParseTarget(std::string_view target);

// Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
bool IsValidUtf8(std::string_view text);

// The decoded values of a route's path parameters, by name.
class PathParams {
 public:
  std::string_view operator[](std::string_view name) const;  // "" when the route has no such parameter
  void Add(std::string_view name, std::string value) { values_.emplace_back(name, std::move(value)); }
  void Clear() { values_.clear(); }

 private:
  std::vector<std::pair<std::string_view, std::string>> values_;  // names point into a PathTemplate
};

// What the last parameter of a template matches.
enum class ParamMatch : uint8_t {
  kSegment,     // one non-empty segment
  kDigits,      // one segment of ASCII digits: "/v1/entries/x" is no route at all
  kRestOfPath,  // one or more segments, joined with '/': "/web/{file}" takes "/web/pages/a.js"
};

// "/v1/subjects/{id}/profile": literal segments and {named} parameters, matched segment by
// segment against a decoded path (no regular expression).
class PathTemplate {
 public:
  // InvalidArgument for a template that does not start with '/' or has an unclosed '{'.
  static Result<PathTemplate> Parse(std::string_view text, ParamMatch last_param);
  // True when `segments` match; then `params` holds the parameters. The template must outlive
  // `params`.
  bool Match(const std::vector<std::string>& segments, PathParams* params) const;
  const std::string& text() const { return text_; }

 private:
  struct Part {
    std::string text;  // a literal segment, or a parameter's name
    bool parameter = false;
  };
  std::string text_;
  std::vector<Part> parts_;
  ParamMatch last_param_ = ParamMatch::kSegment;
};

}  // namespace creditlog::api
