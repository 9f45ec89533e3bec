// Ed25519 through libsodium. Known answers: RFC 8032 §7.1, TEST 1, TEST 2 and TEST 3
// (secret seed, public key, message, signature).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string_view>
#include <vector>

#include "crypto/ed25519.h"

namespace creditlog {
namespace {

Bytes FromHex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  REQUIRE(bytes.ok());
  return *bytes;
}

struct Rfc8032Vector {
  std::string_view name;
  std::string_view seed;
  std::string_view public_key;
  std::string_view message;
  std::string_view signature;
};

const std::vector<Rfc8032Vector> kRfc8032Vectors = {
    {"TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

}  // namespace

TEST_CASE("RFC 8032 vectors: key derivation and signatures match byte for byte") {
  InitCrypto();
  for (const Rfc8032Vector& v : kRfc8032Vectors) {
    INFO(v.name);
    const KeyPair pair = KeyPairFromSeed(FromHex(v.seed));
    CHECK(HexEncode(pair.public_key) == v.public_key);
    CHECK(HexEncode(pair.secret_key.public_key()) == v.public_key);
    const Bytes message = FromHex(v.message);
    const Signature signature = Sign(pair.secret_key, message);
    CHECK(HexEncode(signature) == v.signature);

    auto published = SignatureFromBytes(FromHex(v.signature));
    auto public_key = PublicKeyFromBytes(FromHex(v.public_key));
    REQUIRE(published.ok());
    REQUIRE(public_key.ok());
    CHECK(Verify(*public_key, message, *published));

    Signature flipped = *published;
    flipped[0] ^= 0x01;
    CHECK_FALSE(Verify(*public_key, message, flipped));
    Bytes other_message = message;
    other_message.push_back(0x00);
    CHECK_FALSE(Verify(*public_key, other_message, *published));
  }
}

TEST_CASE("Generated key pairs sign and verify, and differ from each other") {
  InitCrypto();
  const KeyPair a = GenerateKeyPair();
  const KeyPair b = GenerateKeyPair();
  CHECK(a.public_key != b.public_key);
  CHECK(a.secret_key.public_key() == a.public_key);
  const Signature signature = Sign(a.secret_key, AsBytes("hello"));
  CHECK(Verify(a.public_key, AsBytes("hello"), signature));
  CHECK_FALSE(Verify(b.public_key, AsBytes("hello"), signature));
}

TEST_CASE("Domain messages have the documented layout") {
  const Bytes message = DomainMessage("p", "o", AsBytes("x"));
  constexpr char kExpected[] = "creditlog-signature-v1\0p\0o\0x";
  const std::string_view expected(kExpected, sizeof(kExpected) - 1);
  CHECK(AsString(message) == expected);
}

TEST_CASE("Domain signatures do not verify for another purpose, origin or payload") {
  InitCrypto();
  const KeyPair pair = GenerateKeyPair();
  const Bytes payload = {1, 2, 3};
  const Signature signature = SignDomain(pair.secret_key, kPurposeEvent, "ledger-a", payload);
  CHECK(VerifyDomain(pair.public_key, kPurposeEvent, "ledger-a", payload, signature));
  CHECK_FALSE(VerifyDomain(pair.public_key, "creditlog/other/v1", "ledger-a", payload, signature));
  CHECK_FALSE(VerifyDomain(pair.public_key, kPurposeEvent, "ledger-b", payload, signature));
  CHECK_FALSE(VerifyDomain(pair.public_key, kPurposeEvent, "ledger-a", Bytes{1, 2}, signature));
  // Moving bytes between fields changes the message (the NUL separators see to that).
  CHECK_FALSE(VerifyDomain(pair.public_key, kPurposeEvent, "ledger-", Bytes{'a', 1, 2, 3},
                           signature));
  // A plain signature over the payload is not a domain signature.
  CHECK_FALSE(VerifyDomain(pair.public_key, kPurposeEvent, "ledger-a", payload,
                           Sign(pair.secret_key, payload)));
}

TEST_CASE("Keys and signatures of the wrong size are invalid arguments") {
  CHECK(PublicKeyFromBytes(Bytes(31)).status().code() == StatusCode::kInvalidArgument);
  CHECK(PublicKeyFromBytes(Bytes(33)).status().code() == StatusCode::kInvalidArgument);
  CHECK(SignatureFromBytes(Bytes(63)).status().code() == StatusCode::kInvalidArgument);
  CHECK(SignatureFromBytes(Bytes(65)).status().code() == StatusCode::kInvalidArgument);
  CHECK(PublicKeyFromBytes(Bytes(32)).ok());
  CHECK(SignatureFromBytes(Bytes(64)).ok());
}

TEST_CASE("Secret keys copy their bytes") {
  InitCrypto();
  const KeyPair pair = GenerateKeyPair();
  SecretKey copy(pair.secret_key);
  CHECK(std::equal(copy.data(), copy.data() + kSecretKeySize, pair.secret_key.data()));
  SecretKey assigned;
  assigned = pair.secret_key;
  CHECK(assigned.public_key() == pair.public_key);
}

}  // namespace creditlog
