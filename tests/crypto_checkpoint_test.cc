// C2SP tlog-checkpoint bodies. Known answer: the example in C2SP/C2SP, tlog-checkpoint.md.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "crypto/merkle.h"
#include "crypto/note.h"

namespace creditlog {
namespace {

constexpr std::string_view kSpecExample =
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

}  // namespace

TEST_CASE("ParseCheckpoint reads the C2SP example and FormatCheckpoint writes it back") {
  auto checkpoint = ParseCheckpoint(kSpecExample);
  REQUIRE(checkpoint.ok());
  CHECK(checkpoint->origin == "example.com/behind-the-sofa");
  CHECK(checkpoint->size == 20852163);
  CHECK(Base64Encode(checkpoint->root) == "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  CHECK(checkpoint->extensions.empty());
  CHECK(FormatCheckpoint(*checkpoint) == kSpecExample);
}

TEST_CASE("Checkpoints with extension lines, size 0 and the largest size round-trip") {
  for (uint64_t size : {uint64_t{0}, uint64_t{1}, uint64_t{18446744073709551615u}}) {
    Checkpoint checkpoint;
    checkpoint.origin = "creditlog.example/ledger";
    checkpoint.size = size;
    checkpoint.root = MerkleEmptyRoot();
    checkpoint.extensions = {"timestamp 1700000000", "— not a signature"};
    const std::string text = FormatCheckpoint(checkpoint);
    auto parsed = ParseCheckpoint(text);
    REQUIRE(parsed.ok());
    CHECK(parsed->origin == checkpoint.origin);
    CHECK(parsed->size == size);
    CHECK(parsed->root == checkpoint.root);
    CHECK(parsed->extensions == checkpoint.extensions);
    CHECK(FormatCheckpoint(*parsed) == text);
  }
  CHECK(FormatCheckpoint(Checkpoint{"o", 0, MerkleEmptyRoot(), {}}) ==
        "o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
}

TEST_CASE("ParseCheckpoint rejects malformed checkpoints") {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  const std::vector<std::string> bad = {
      "",
      "origin\n",
      "origin\n5\n",
      "origin\n5\n" + root,                    // no final newline
      "\n5\n" + root + "\n",                   // empty origin
      "origin\n05\n" + root + "\n",            // leading zero
      "origin\n00\n" + root + "\n",            // leading zero
      "origin\n-1\n" + root + "\n",            // sign
      "origin\n+1\n" + root + "\n",            // sign
      "origin\n 1\n" + root + "\n",            // space
      "origin\n1 \n" + root + "\n",            // space
      "origin\n0x10\n" + root + "\n",          // hex
      "origin\n\n" + root + "\n",              // empty size
      "origin\n18446744073709551616\n" + root + "\n",  // 2^64
      "origin\n99999999999999999999999\n" + root + "\n",
      "origin\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n",  // 31 bytes
      "origin\n5\n" + root + "AAAA\n",         // 35 bytes
      "origin\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n",  // non-canonical
      "origin\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",   // no padding
      "origin\n5\n" + root + "\n\n",           // empty extension line
      "origin\n5\n" + root + "\nextension",    // extension without newline
      "origin\r\n5\n" + root + "\n",           // carriage return
      "origin\n5\r\n" + root + "\n",
      "origin\n5\n" + root + "\n\xff\n",        // not UTF-8
  };
  for (const std::string& text : bad) {
    INFO("checkpoint " << text);
    CHECK(ParseCheckpoint(text).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("A checkpoint signed as a note opens and parses back") {
  InitCrypto();
  const KeyPair pair = GenerateKeyPair();
  const Checkpoint checkpoint{"creditlog.example/ledger", 42, MerkleEmptyRoot(), {}};
  auto note = SignNote(FormatCheckpoint(checkpoint), checkpoint.origin, pair.secret_key);
  REQUIRE(note.ok());
  auto verifier = ParseVerifierKey(FormatVerifierKey(checkpoint.origin, pair.public_key));
  REQUIRE(verifier.ok());
  auto text = OpenNote(*note, *verifier);
  REQUIRE(text.ok());
  auto parsed = ParseCheckpoint(*text);
  REQUIRE(parsed.ok());
  CHECK(parsed->size == 42);
  CHECK(parsed->root == MerkleEmptyRoot());
}

}  // namespace creditlog
