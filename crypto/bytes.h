// Byte strings, fixed-size hashes and their text encodings (standard base64 with padding, hex).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace creditlog {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline constexpr size_t kHashSize = 32;
using Hash = std::array<uint8_t, kHashSize>;

inline ByteView AsBytes(std::string_view s) {
  return ByteView(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline std::string_view AsString(ByteView b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

// RFC 4648 §4 base64 (the alphabet with + and /, '=' padding), as used by C2SP notes.
std::string Base64Encode(ByteView data);
// Rejects anything but canonical padded base64 (no whitespace), naming the problem.
Result<Bytes> Base64Decode(std::string_view text);

std::string HexEncode(ByteView data);  // lower case
Result<Bytes> HexDecode(std::string_view text);

}  // namespace creditlog
