#include "api/http/http_target.h"

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace creditlog::api {
namespace {

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// RFC 3986 pchar without pct-encoded, plus '/' and '?': what may stand unescaped in a path and
// query. '%' is kept: escapes were checked before.
bool StandsUnescaped(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-': case '.': case '_': case '~':                                   // unreserved
    case '!': case '$': case '&': case '\'': case '(': case ')': case '*':
    case '+': case ',': case ';': case '=':                                   // sub-delims
    case ':': case '@': case '/': case '?': case '%':
      return true;
    default:
      return false;
  }
}

// The text around byte `at`, for messages: at most a few bytes either side, printable.
std::string Around(std::string_view text, size_t at) {
  const size_t from = at > 8 ? at - 8 : 0;
  std::string out;
  for (char c : text.substr(from, 16)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return out;
}

Status CheckEscapes(std::string_view target) {
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] != '%') continue;
    if (i + 2 >= target.size() || !IsHex(target[i + 1]) || !IsHex(target[i + 2])) {
      const std::string bad(target.substr(i, 3));
      return Status::InvalidArgument("the request target has '" + Around(bad, 0) + "' at byte " + std::to_string(i) +
                                     " (near '" + Around(target, i) +
                                     "'): '%' must start an escape of two hex digits (%XX); a literal '%' is %25");
    }
  }
  return Status::Ok();
}

// Percent-encodes what browsers leave raw (see the header); other bytes are kept as they are.
std::string Lenient(std::string_view target) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(target.size() + 16);
  for (char c : target) {
    const auto byte = static_cast<unsigned char>(c);
    if (StandsUnescaped(byte)) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra = 0;
    uint32_t code = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1, code = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2, code = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3, code = c & 0x07;
    } else {
      return false;  // a continuation byte first, an overlong lead (C0, C1) or past F4
    }
    if (i + extra >= text.size()) return false;  // cut short
    for (size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if ((extra == 2 && code < 0x800) || (extra == 3 && (code < 0x10000 || code > 0x10FFFF))) return false;  // overlong
    if (code >= 0xD800 && code <= 0xDFFF) return false;  // a surrogate
    i += extra + 1;
  }
  return true;
}

Result<Target> ParseTarget(std::string_view target) {
  if (target.empty() || (target[0] != '/' && target.find("://") == std::string_view::npos)) {
    return Status::InvalidArgument("the request target must be a path starting with '/', not '" + Around(target, 0) + "'");
  }
  RETURN_IF_ERROR(CheckEscapes(target));
  bool clean = true;
  for (char c : target) clean = clean && StandsUnescaped(static_cast<unsigned char>(c));
  const std::string lenient = clean ? std::string() : Lenient(target);
  const std::string_view text = clean ? target : std::string_view(lenient);
  auto parsed = text[0] == '/' ? boost::urls::parse_origin_form(text) : boost::urls::parse_absolute_uri(text);
  if (!parsed) {
    return Status::InvalidArgument("the request target '" + Around(target, 0) + "…' is not a URL path: " + parsed.error().message());
  }
  const boost::urls::url_view& url = *parsed;
  Target out;
  out.path = std::string(url.encoded_path());
  if (out.path.empty()) out.path = "/";
  size_t n = 0;
  for (auto segment : url.encoded_segments()) {
    ++n;
    std::string decoded = segment.decode();
    if (!IsValidUtf8(decoded)) {
      return Status::InvalidArgument("path segment " + std::to_string(n) + " ('" + std::string(segment) +
                                     "') is not valid UTF-8 once percent-decoded");
    }
    out.segments.push_back(std::move(decoded));
  }
  boost::urls::encoding_opts plus_is_space;
  plus_is_space.space_as_plus = true;
  for (auto param : url.encoded_params()) {
    std::string key = param.key.decode(plus_is_space);
    std::string value = param.has_value ? param.value.decode(plus_is_space) : std::string();
    if (!IsValidUtf8(key)) {
      return Status::InvalidArgument("query parameter name '" + std::string(param.key) + "' is not valid UTF-8 once percent-decoded");
    }
    if (!IsValidUtf8(value)) {
      return Status::InvalidArgument("query parameter '" + key + "' ('" + std::string(param.value) +
                                     "') is not valid UTF-8 once percent-decoded");
    }
    out.query.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

std::string_view PathParams::operator[](std::string_view name) const {
  for (const auto& [key, value] : values_) {
    if (key == name) return value;
  }
  return {};
}

Result<PathTemplate> PathTemplate::Parse(std::string_view text, ParamMatch last_param) {
  if (!text.starts_with("/")) return Status::InvalidArgument("path template '" + std::string(text) + "' does not start with '/'");
  PathTemplate out;
  out.text_ = std::string(text);
  out.last_param_ = last_param;
  std::string_view rest = text.substr(1);
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    Part part;
    if (segment.starts_with("{")) {
      if (!segment.ends_with("}") || segment.size() < 3) {
        return Status::InvalidArgument("path template '" + std::string(text) + "': '" + std::string(segment) + "' is not {name}");
      }
      part.text = std::string(segment.substr(1, segment.size() - 2));
      part.parameter = true;
    } else {
      part.text = std::string(segment);
    }
    out.parts_.push_back(std::move(part));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
  }
  return out;
}

bool PathTemplate::Match(const std::vector<std::string>& segments, PathParams* params) const {
  const bool rest_of_path = !parts_.empty() && parts_.back().parameter && last_param_ == ParamMatch::kRestOfPath;
  if (rest_of_path ? segments.size() < parts_.size() : segments.size() != parts_.size()) return false;
  params->Clear();
  for (size_t i = 0; i < parts_.size(); ++i) {
    const Part& part = parts_[i];
    const std::string& segment = segments[i];
    if (!part.parameter) {
      if (segment != part.text) return false;
      continue;
    }
    if (segment.empty()) return false;
    const bool last = i + 1 == parts_.size();
    if (last && last_param_ == ParamMatch::kDigits) {
      for (char c : segment) {
        if (c < '0' || c > '9') return false;
      }
    }
    if (last && rest_of_path) {
      std::string joined = segment;
      for (size_t k = i + 1; k < segments.size(); ++k) joined += "/" + segments[k];
      params->Add(part.text, std::move(joined));
      return true;
    }
    params->Add(part.text, segment);
  }
  return true;
}

}  // namespace creditlog::api
