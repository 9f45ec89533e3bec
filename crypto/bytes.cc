#include "crypto/bytes.h"

#include <sodium.h>

namespace creditlog {
namespace {

constexpr int kBase64Variant = sodium_base64_VARIANT_ORIGINAL;
constexpr size_t kBase64BlockChars = 4;
constexpr size_t kBase64BlockBytes = 3;

}  // namespace

std::string Base64Encode(ByteView data) {
  // sodium_base64_ENCODED_LEN counts the terminating NUL.
  std::string out(sodium_base64_ENCODED_LEN(data.size(), kBase64Variant), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(), kBase64Variant);
  out.resize(out.size() - 1);
  return out;
}

Result<Bytes> Base64Decode(std::string_view text) {
  if (text.size() % kBase64BlockChars != 0) {
    return Status::InvalidArgument("base64: length " + std::to_string(text.size()) +
                                   " is not a multiple of 4 (padding missing?)");
  }
  if (text.empty()) return Bytes();  // libsodium wants a non-null output buffer
  Bytes out(text.size() / kBase64BlockChars * kBase64BlockBytes);
  size_t out_size = 0;
  const char* end = nullptr;
  // No ignore set: whitespace is an invalid character like any other.
  const int rc = sodium_base642bin(out.data(), out.size(), text.data(), text.size(),
                                   /*ignore=*/nullptr, &out_size, &end, kBase64Variant);
  if (rc != 0 || end != text.data() + text.size()) {
    const size_t offset = end == nullptr ? 0 : static_cast<size_t>(end - text.data());
    return Status::InvalidArgument("base64: invalid character or padding at offset " +
                                   std::to_string(offset));
  }
  out.resize(out_size);
  // Unused low bits in the last character must be zero: one encoding per byte string,
  // so that signed text cannot be altered without changing its bytes.
  if (Base64Encode(out) != text) {
    return Status::InvalidArgument("base64: non-canonical encoding (unused bits set)");
  }
  return out;
}

std::string HexEncode(ByteView data) {
  std::string out(data.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), data.data(), data.size());
  out.resize(out.size() - 1);
  return out;
}

Result<Bytes> HexDecode(std::string_view text) {
  if (text.size() % 2 != 0) {
    return Status::InvalidArgument("hex: odd length " + std::to_string(text.size()));
  }
  if (text.empty()) return Bytes();  // libsodium wants a non-null output buffer
  Bytes out(text.size() / 2);
  size_t out_size = 0;
  const char* end = nullptr;
  const int rc = sodium_hex2bin(out.data(), out.size(), text.data(), text.size(),
                                /*ignore=*/nullptr, &out_size, &end);
  if (rc != 0 || end != text.data() + text.size() || out_size != out.size()) {
    const size_t offset = end == nullptr ? 0 : static_cast<size_t>(end - text.data());
    return Status::InvalidArgument("hex: invalid character at offset " +
                                   std::to_string(offset));
  }
  return out;
}

}  // namespace creditlog
