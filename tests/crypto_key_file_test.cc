// Encrypted key files, the passphrase source and the durable file helpers.
#include <cstring>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "base/file.h"
#include "crypto/key_file.h"
#include "temp_dir.h"

namespace creditlog {
namespace {

constexpr std::string_view kPassphrase = "correct horse battery staple";

NamedKeyPair TestKey() {
  InitCrypto();
  return NamedKeyPair{"example.com/ledger-key", GenerateKeyPair()};
}

// One encryption shared by the tests: Argon2id costs a fraction of a second per call.
const std::string& EncryptedTestKey(NamedKeyPair* key_out) {
  static const NamedKeyPair key = TestKey();
  static const std::string file = [] {
    auto text = EncryptKeyFile(key, kPassphrase);
    REQUIRE(text.ok());
    return *text;
  }();
  if (key_out != nullptr) *key_out = key;
  return file;
}

// Replaces the value of `field` in a key file.
std::string WithField(const std::string& file, const std::string& field,
                      const std::string& value) {
  const size_t start = file.find("\n" + field + ": ") + field.size() + 3;
  const size_t end = file.find('\n', start);
  return file.substr(0, start) + value + file.substr(end);
}

std::string FieldOf(const std::string& file, const std::string& field) {
  const size_t start = file.find("\n" + field + ": ") + field.size() + 3;
  return file.substr(start, file.find('\n', start) - start);
}

using testing::TempDir;

}  // namespace

TEST_CASE("Key files decrypt to the same named key pair") {
  NamedKeyPair key;
  const std::string& file = EncryptedTestKey(&key);
  CHECK(file.rfind("creditlog-secret-key-v1\nname: example.com/ledger-key\n", 0) == 0);
  CHECK(file.size() <= kKeyFileBytesMax);
  auto opened = DecryptKeyFile(file, kPassphrase);
  REQUIRE(opened.ok());
  CHECK(opened->name == key.name);
  CHECK(opened->key_pair.public_key == key.key_pair.public_key);
  CHECK(std::equal(opened->key_pair.secret_key.data(),
                   opened->key_pair.secret_key.data() + kSecretKeySize,
                   key.key_pair.secret_key.data()));
  auto public_key = ReadPublicKeyFromKeyFile(file);
  REQUIRE(public_key.ok());
  CHECK(*public_key == key.key_pair.public_key);
}

TEST_CASE("A wrong passphrase is denied") {
  const std::string& file = EncryptedTestKey(nullptr);
  CHECK(DecryptKeyFile(file, "correct horse battery stapler").status().code() ==
        StatusCode::kPermissionDenied);
  CHECK(DecryptKeyFile(file, "").status().code() == StatusCode::kPermissionDenied);
}

TEST_CASE("A tampered box, nonce or salt does not decrypt") {
  const std::string& file = EncryptedTestKey(nullptr);
  for (const std::string field : {"box", "nonce", "salt"}) {
    INFO("field " << field);
    std::string value = FieldOf(file, field);
    value[1] = value[1] == 'A' ? 'B' : 'A';  // a different, still canonical base64 string
    CHECK(DecryptKeyFile(WithField(file, field, value), kPassphrase).status().code() ==
          StatusCode::kPermissionDenied);
  }
}

TEST_CASE("A key file whose public key was replaced is rejected") {
  const std::string& file = EncryptedTestKey(nullptr);
  const std::string other = Base64Encode(GenerateKeyPair().public_key);
  CHECK(DecryptKeyFile(WithField(file, "public", other), kPassphrase).status().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("Malformed key files are invalid arguments, checked before any key derivation") {
  const std::string& file = EncryptedTestKey(nullptr);
  const std::vector<std::string> bad = {
      "",
      "creditlog-secret-key-v2" + file.substr(file.find('\n')),
      file.substr(0, file.size() - 1),                      // no final newline
      file + "extra: line\n",
      WithField(file, "name", "two words"),
      WithField(file, "name", ""),
      WithField(file, "public", "AAAA"),
      WithField(file, "kdf", "argon2i13 2 67108864"),
      WithField(file, "kdf", "argon2id13 2"),
      WithField(file, "kdf", "argon2id13 02 67108864"),
      WithField(file, "kdf", "argon2id13 2 67108864 1"),
      WithField(file, "kdf", "argon2id13 100 67108864"),     // too many passes
      WithField(file, "kdf", "argon2id13 2 68719476736"),    // 64 GiB of memory
      WithField(file, "salt", FieldOf(file, "salt") + "AAAA"),
      WithField(file, "box", FieldOf(file, "box") + " "),
      file + std::string(kKeyFileBytesMax, '#'),
  };
  for (const std::string& text : bad) {
    INFO("file " << text.substr(0, 200));
    CHECK(DecryptKeyFile(text, kPassphrase).status().code() == StatusCode::kInvalidArgument);
    CHECK(ReadPublicKeyFromKeyFile(text).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("EncryptKeyFile refuses invalid names, empty passphrases and mismatched keys") {
  NamedKeyPair key = TestKey();
  CHECK(EncryptKeyFile(key, "").status().code() == StatusCode::kInvalidArgument);
  CHECK(EncryptKeyFile(key, std::string(kPassphraseBytesMax + 1, 'x')).status().code() ==
        StatusCode::kInvalidArgument);
  NamedKeyPair mismatched = key;
  mismatched.key_pair.public_key = GenerateKeyPair().public_key;
  CHECK(EncryptKeyFile(mismatched, kPassphrase).status().code() == StatusCode::kInvalidArgument);
  key.name = "bad+name";
  CHECK(EncryptKeyFile(key, kPassphrase).status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("ReadPassphrase takes the environment variable first") {
  const std::string variable(kPassphraseEnv);
  REQUIRE(::setenv(variable.c_str(), "from the environment", 1) == 0);
  auto passphrase = ReadPassphrase("unused: ");
  CHECK((passphrase.ok() && *passphrase == "from the environment"));
  REQUIRE(::setenv(variable.c_str(), std::string(kPassphraseBytesMax + 1, 'x').c_str(), 1) == 0);
  CHECK(ReadPassphrase("unused: ").status().code() == StatusCode::kInvalidArgument);
  REQUIRE(::setenv(variable.c_str(), "", 1) == 0);
  CHECK(ReadPassphrase("unused: ").status().code() == StatusCode::kInvalidArgument);
  REQUIRE(::unsetenv(variable.c_str()) == 0);
}

TEST_CASE("ReadPassphrase erases the variable from the environment, bytes included, and keeps its copy") {
  // In a child process: the copy ReadPassphrase keeps lasts as long as the process, and the other
  // tests of this binary must not inherit it. The child reports each finding as one bit.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const std::string variable(kPassphraseEnv);
    if (::setenv(variable.c_str(), "erase-me-please", 1) != 0) ::_exit(0x80);
    const char* original = std::getenv(variable.c_str());
    if (original == nullptr) ::_exit(0x80);
    const std::string_view value(original, std::strlen(original));  // the bytes /proc/PID/environ would show
    auto first = ReadPassphrase("unused: ");
    auto second = ReadPassphrase("unused: ");  // no terminal needed: the kept copy
    int findings = 0;
    if (first.ok() && *first == "erase-me-please") findings |= 1;
    if (std::getenv(variable.c_str()) == nullptr) findings |= 2;
    if (value.find("erase-me") == std::string_view::npos) findings |= 4;
    if (second.ok() && *second == "erase-me-please") findings |= 8;
    ::_exit(findings);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  const int findings = WEXITSTATUS(status);
  REQUIRE((findings & 0x80) == 0);  // the variable could be set
  CHECK((findings & 1) != 0);       // the first read returns the passphrase
  CHECK((findings & 2) != 0);       // the variable is gone from the environment
  CHECK((findings & 4) != 0);       // its bytes are overwritten
  CHECK((findings & 8) != 0);       // a second read returns the kept copy
}

TEST_CASE("ReadPassphrase without the variable or a terminal is an invalid argument") {
  const int tty = ::open("/dev/tty", O_RDWR | O_NOCTTY);
  if (tty >= 0) {
    ::close(tty);
    WARN("a terminal is attached; not prompting during tests");
    return;
  }
  REQUIRE(::unsetenv(std::string(kPassphraseEnv).c_str()) == 0);
  const auto passphrase = ReadPassphrase("Passphrase: ");
  CHECK(passphrase.status().code() == StatusCode::kInvalidArgument);
  CHECK(passphrase.status().message().find("CREDITLOG_PASSPHRASE") != std::string::npos);
}

TEST_CASE("WriteFileDurably writes, replaces and sets the mode, ReadSmallFile reads back") {
  const TempDir dir;
  const std::string path = dir.path() + "/key";
  REQUIRE(WriteFileDurably(path, "first", 0600).ok());
  REQUIRE(WriteFileDurably(path, "second version", 0640).ok());
  auto contents = ReadSmallFile(path, 100);
  REQUIRE(contents.ok());
  CHECK(*contents == "second version");
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0640);
  // Nothing but the file itself is left in the directory.
  const std::string listing = "ls -A '" + dir.path() + "' | wc -l | grep -qx 1";
  CHECK(std::system(listing.c_str()) == 0);
}

TEST_CASE("ReadSmallFile reports missing and oversized files") {
  const TempDir dir;
  CHECK(ReadSmallFile(dir.path() + "/missing", 10).status().code() == StatusCode::kNotFound);
  const std::string path = dir.path() + "/big";
  REQUIRE(WriteFileDurably(path, std::string(11, 'x'), 0600).ok());
  CHECK(ReadSmallFile(path, 10).status().code() == StatusCode::kInvalidArgument);
  CHECK(ReadSmallFile(path, 11).ok());
}

TEST_CASE("WriteFileDurably reports a missing directory as an I/O error") {
  CHECK(WriteFileDurably("/nonexistent-creditlog-dir/file", "x", 0600).code() ==
        StatusCode::kIOError);
}

}  // namespace creditlog
