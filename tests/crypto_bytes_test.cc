// Base64, hex and SHA-256. Known answers: RFC 4648 §10 (base64), FIPS 180-2 appendix B
// ("abc" and the two-block message) and the empty-string digest.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/sha256.h"

namespace creditlog {

TEST_CASE("Base64 encodes the RFC 4648 test vectors and decodes them back") {
  const std::vector<std::pair<std::string_view, std::string_view>> vectors = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    CHECK(Base64Encode(AsBytes(plain)) == encoded);
    auto decoded = Base64Decode(encoded);
    REQUIRE(decoded.ok());
    CHECK(AsString(*decoded) == plain);
  }
}

TEST_CASE("Base64 round-trips every byte value and every length up to 64") {
  Bytes data;
  for (int i = 0; i < 256; ++i) data.push_back(static_cast<uint8_t>(i));
  auto all = Base64Decode(Base64Encode(data));
  REQUIRE(all.ok());
  CHECK(*all == data);
  for (size_t n = 0; n <= 64; ++n) {
    const Bytes prefix(data.begin() + static_cast<ptrdiff_t>(n), data.begin() + 2 * n);
    auto decoded = Base64Decode(Base64Encode(prefix));
    REQUIRE(decoded.ok());
    CHECK(*decoded == prefix);
  }
}

TEST_CASE("Base64 rejects missing padding, whitespace, other alphabets and garbage") {
  const std::vector<std::string_view> bad = {
      "Zg",           // padding missing
      "Zg=",          // padding short
      "Zg===",        // padding long
      "Zh==",         // unused bits set: a second spelling of "f"
      "Zm9=",         // unused bits set: a second spelling of "fo"
      "Zm9v\n",       // trailing newline
      "Zm9 ",         // space inside
      " Zm9v",        // leading space
      "Zm9vYmFy ",    // trailing space
      "Zm9v\r\nYmFy",  // line break
      "Zg==Zg==",     // data after padding
      "Zm9-",         // URL-safe alphabet
      "Zm9_",         // URL-safe alphabet
      "Zm9v!A==",     // not an alphabet character
      "====",         // padding only
      std::string_view("Zm\0v", 4),  // NUL inside
  };
  for (std::string_view text : bad) {
    INFO("input " << std::string(text));
    CHECK(Base64Decode(text).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("Hex encodes lower case and decodes either case") {
  CHECK(HexEncode(Bytes{0x00, 0x0a, 0xff}) == "000aff");
  CHECK(HexEncode(Bytes{}) == "");
  auto decoded = HexDecode("000aFF");
  REQUIRE(decoded.ok());
  CHECK(*decoded == Bytes{0x00, 0x0a, 0xff});
}

TEST_CASE("Hex rejects odd lengths, non-hex characters and whitespace") {
  for (std::string_view text : {"0", "0g", "zz", " 00", "00 ", "0 0", "0x00"}) {
    INFO("input " << text);
    CHECK(HexDecode(text).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("SHA-256 matches the FIPS 180-2 known answers") {
  CHECK(HexEncode(Sha256(ByteView())) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(HexEncode(Sha256(AsBytes("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(HexEncode(Sha256(AsBytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("SHA-256 streaming over parts equals hashing the whole") {
  const std::string message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  for (size_t split = 0; split <= message.size(); ++split) {
    Sha256Stream stream;
    stream.Update(AsBytes(std::string_view(message).substr(0, split)));
    stream.Update(AsBytes(std::string_view(message).substr(split)));
    CHECK(stream.Finish() == Sha256(AsBytes(message)));
  }
}

}  // namespace creditlog
