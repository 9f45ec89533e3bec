// C2SP signed notes. Known answers: golang.org/x/mod, sumdb/note/note.go (package
// documentation) and sumdb/note/note_test.go (TestNewVerifier, TestSign, TestOpen).
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "crypto/note.h"

namespace creditlog {
namespace {

constexpr std::string_view kPeterVerifierKey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
// "PRIVATE+KEY+PeterNeumann+c74f20a3+" followed by base64(0x01 || seed).
constexpr std::string_view kPeterSignerKeyData = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kEnochVerifierKey =
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";

constexpr std::string_view kText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view kPeterSignature =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
constexpr std::string_view kEnochSignature =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

std::string PeterNote() { return std::string(kText) + "\n" + std::string(kPeterSignature); }

NoteVerifier Verifier(std::string_view key) {
  auto verifier = ParseVerifierKey(key);
  REQUIRE(verifier.ok());
  return *verifier;
}

KeyPair PeterKeyPair() {
  auto data = Base64Decode(kPeterSignerKeyData);
  REQUIRE(data.ok());
  REQUIRE(data->size() == 1 + kSeedSize);
  REQUIRE((*data)[0] == kNoteAlgorithmEd25519);
  return KeyPairFromSeed(ByteView(*data).subspan(1));
}

}  // namespace

TEST_CASE("Go's PeterNeumann verifier key parses and its key hash is NoteKeyHash") {
  const NoteVerifier verifier = Verifier(kPeterVerifierKey);
  CHECK(verifier.name == "PeterNeumann");
  CHECK(verifier.key_hash == 0xc74f20a3);
  CHECK(NoteKeyHash("PeterNeumann", verifier.public_key) == 0xc74f20a3);
  CHECK(FormatVerifierKey("PeterNeumann", verifier.public_key) == kPeterVerifierKey);
  CHECK(PeterKeyPair().public_key == verifier.public_key);
  CHECK(Verifier(kEnochVerifierKey).key_hash == 0xaf0cfe78);
}

TEST_CASE("Verifier keys with any substring or any byte changed are rejected") {
  // Go's TestNewVerifier manglings.
  const std::string key(kPeterVerifierKey);
  for (size_t i = 0; i <= key.size(); ++i) {
    for (size_t j = i + 1; j <= key.size(); ++j) {
      if (i == 0 && j == key.size()) continue;
      INFO("substring " << key.substr(i, j - i));
      CHECK_FALSE(ParseVerifierKey(key.substr(i, j - i)).ok());
    }
  }
  for (size_t i = 0; i < key.size(); ++i) {
    std::string changed = key;
    ++changed[i];
    INFO("changed " << changed);
    CHECK_FALSE(ParseVerifierKey(changed).ok());
  }
  // Wrong key length and unknown algorithm, each with a matching key hash.
  CHECK_FALSE(ParseVerifierKey(
      "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==").ok());
  CHECK_FALSE(
      ParseVerifierKey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").ok());
}

TEST_CASE("SignNote reproduces Go's published PeterNeumann note byte for byte") {
  const KeyPair pair = PeterKeyPair();
  auto note = SignNote(kText, "PeterNeumann", pair.secret_key);
  REQUIRE(note.ok());
  CHECK(*note == PeterNote());
}

TEST_CASE("OpenNote accepts Go's published note and returns its text") {
  auto text = OpenNote(PeterNote(), Verifier(kPeterVerifierKey));
  REQUIRE(text.ok());
  CHECK(*text == kText);
}

TEST_CASE("OpenNote rejects the published note with any one byte changed") {
  const NoteVerifier verifier = Verifier(kPeterVerifierKey);
  const std::string note = PeterNote();
  for (size_t i = 0; i < note.size(); ++i) {
    std::string changed = note;
    ++changed[i];
    INFO("byte " << i);
    CHECK_FALSE(OpenNote(changed, verifier).ok());
  }
}

TEST_CASE("OpenNote ignores signatures by other keys") {
  const std::string both = std::string(kText) + "\n" + std::string(kPeterSignature) +
                           std::string(kEnochSignature);
  auto by_peter = OpenNote(both, Verifier(kPeterVerifierKey));
  REQUIRE(by_peter.ok());
  CHECK(*by_peter == kText);
  auto by_enoch = OpenNote(both, Verifier(kEnochVerifierKey));
  REQUIRE(by_enoch.ok());
  CHECK(*by_enoch == kText);
}

TEST_CASE("OpenNote denies a note without a signature by the verifier's key") {
  const std::string enoch_only = std::string(kText) + "\n" + std::string(kEnochSignature);
  CHECK(OpenNote(enoch_only, Verifier(kPeterVerifierKey)).status().code() ==
        StatusCode::kPermissionDenied);
  // Same name, different key hash: an unknown key, ignored.
  std::string renamed = enoch_only;
  renamed.replace(renamed.find("EnochRoot"), 9, "PeterNeumann");
  CHECK(OpenNote(renamed, Verifier(kPeterVerifierKey)).status().code() ==
        StatusCode::kPermissionDenied);
}

TEST_CASE("OpenNote denies a note whose signature by the verifier's key is invalid") {
  // Go's "Invalid signature" case: four characters inserted into the base64.
  std::string bad_signature(kPeterSignature);
  bad_signature.insert(60, "ABCD");
  const std::string note = std::string(kText) + "\n" + bad_signature;
  CHECK(OpenNote(note, Verifier(kPeterVerifierKey)).status().code() ==
        StatusCode::kPermissionDenied);
  // An invalid signature by the key is fatal even next to a valid one.
  const std::string mixed = PeterNote() + bad_signature;
  CHECK(OpenNote(mixed, Verifier(kPeterVerifierKey)).status().code() ==
        StatusCode::kPermissionDenied);
}

TEST_CASE("OpenNote rejects malformed notes as invalid arguments") {
  const std::string text(kText);
  const std::string sig(kPeterSignature);
  // Go's badMsgs, and a few more.
  const std::vector<std::string> bad = {
      text,
      text + "\n",
      text + "\n" + sig.substr(0, sig.size() - 1),
      "\x01" + text + "\n" + sig,
      "\xff" + text + "\n" + sig,
      text + "\n" + "\xE2\x80\x94 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1"
                    "FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
      text + "\n" + sig + "Unexpected line.\n",
      text + "\n" + "- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZ"
                    "SNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
      text + "\n" + "\xE2\x80\x94 PeterNeumann AAAA\n",
      text + "\r\n" + sig,
      "\xED\xA0\x80\n\n" + sig,       // an encoded surrogate
      "\xC0\xAF\n\n" + sig,           // an overlong '/'
  };
  const NoteVerifier verifier = Verifier(kPeterVerifierKey);
  for (const std::string& note : bad) {
    INFO("note " << note);
    CHECK(OpenNote(note, verifier).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("OpenNote rejects notes with too many signatures or too many bytes") {
  const NoteVerifier verifier = Verifier(kPeterVerifierKey);
  std::string many = std::string(kText) + "\n";
  for (size_t i = 0; i < kNoteSignaturesMax; ++i) many += kPeterSignature;
  CHECK(OpenNote(many, verifier).ok());
  many += kPeterSignature;
  CHECK(OpenNote(many, verifier).status().code() == StatusCode::kInvalidArgument);

  const std::string huge = std::string(kNoteBytesMax, 'a') + "\n\n" + std::string(kPeterSignature);
  CHECK(OpenNote(huge, verifier).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("SignNote and OpenNote round-trip with a fresh key, blank lines included") {
  InitCrypto();
  const KeyPair pair = GenerateKeyPair();
  const std::string name = "example.com/log";
  const std::string text = "line one\n\nline three, après une ligne vide\n";
  auto note = SignNote(text, name, pair.secret_key);
  REQUIRE(note.ok());
  auto verifier = ParseVerifierKey(FormatVerifierKey(name, pair.public_key));
  REQUIRE(verifier.ok());
  auto opened = OpenNote(*note, *verifier);
  REQUIRE(opened.ok());
  CHECK(*opened == text);
}

TEST_CASE("SignNote rejects text without a final newline, bad names and control characters") {
  InitCrypto();
  const KeyPair pair = GenerateKeyPair();
  CHECK(SignNote("no newline", "log", pair.secret_key).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(SignNote("", "log", pair.secret_key).status().code() == StatusCode::kInvalidArgument);
  CHECK(SignNote("tab\there\n", "log", pair.secret_key).status().code() ==
        StatusCode::kInvalidArgument);
  for (std::string_view name : {"", "a b", "a+b", "a\xC2\xA0" "b", "tab\tname"}) {
    CHECK(SignNote("text\n", name, pair.secret_key).status().code() ==
          StatusCode::kInvalidArgument);
  }
  CHECK(SignNote(std::string(kNoteBytesMax, 'a') + "\n", "log", pair.secret_key)
            .status().code() == StatusCode::kInvalidArgument);
}

}  // namespace creditlog
