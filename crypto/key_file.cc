#include "crypto/key_file.h"

#include <sodium.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <mutex>
#include <utility>
#include <vector>

#include "base/terminal.h"
#include "crypto/text.h"

namespace creditlog {
namespace {

constexpr std::string_view kMagicLine = "creditlog-secret-key-v1";
constexpr std::string_view kKdfName = "argon2id13";
constexpr int kKdfAlgorithm = crypto_pwhash_ALG_ARGON2ID13;
constexpr size_t kKeyFileLines = 7;

// What we write: the key is opened once per process, so interactive cost is enough.
constexpr uint64_t kKdfOpsLimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr uint64_t kKdfMemLimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
// What we accept: a file is input, and its limits decide how long and how much memory
// opening it takes; anything beyond MODERATE (3 passes, 256 MiB) is refused.
constexpr uint64_t kKdfOpsLimitMin = crypto_pwhash_OPSLIMIT_MIN;
constexpr uint64_t kKdfOpsLimitMax = crypto_pwhash_OPSLIMIT_MODERATE;
constexpr uint64_t kKdfMemLimitMin = crypto_pwhash_MEMLIMIT_MIN;
constexpr uint64_t kKdfMemLimitMax = crypto_pwhash_MEMLIMIT_MODERATE;

constexpr size_t kSaltSize = crypto_pwhash_SALTBYTES;
constexpr size_t kNonceSize = crypto_secretbox_NONCEBYTES;
constexpr size_t kBoxKeySize = crypto_secretbox_KEYBYTES;
constexpr size_t kBoxSize = crypto_secretbox_MACBYTES + kSeedSize;

// Key material on the stack, wiped when it goes out of scope.
template <size_t N>
class Wiped {
 public:
  Wiped() { bytes_.fill(0); }
  ~Wiped() { sodium_memzero(bytes_.data(), bytes_.size()); }
  Wiped(const Wiped&) = delete;
  Wiped& operator=(const Wiped&) = delete;
  uint8_t* data() { return bytes_.data(); }
  ByteView view() const { return ByteView(bytes_.data(), bytes_.size()); }

 private:
  std::array<uint8_t, N> bytes_;
};

struct KeyFileFields {
  std::string name;
  PublicKey public_key{};
  uint64_t ops_limit = 0;
  uint64_t mem_limit = 0;
  Bytes salt;
  Bytes nonce;
  Bytes box;
};

Status Malformed(std::string_view what) {
  return Status::InvalidArgument("key file: " + std::string(what));
}

// Splits text into lines; every line, the last included, must end in '\n'.
Result<std::vector<std::string_view>> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    if (newline == std::string_view::npos) return Malformed("last line has no newline");
    lines.push_back(text.substr(0, newline));
    text.remove_prefix(newline + 1);
  }
  return lines;
}

// "field: value" -> value.
Result<std::string_view> FieldValue(std::string_view line, std::string_view field) {
  const size_t prefix = field.size() + 2;
  if (line.size() < prefix || line.substr(0, field.size()) != field ||
      line.substr(field.size(), 2) != ": ") {
    return Malformed("expected line \"" + std::string(field) + ": ...\"");
  }
  return line.substr(prefix);
}

Result<Bytes> Base64Field(std::string_view line, std::string_view field, size_t size) {
  ASSIGN_OR_RETURN(std::string_view value, FieldValue(line, field));
  auto bytes = Base64Decode(value);
  if (!bytes.ok()) return bytes.status().WithContext("key file: " + std::string(field));
  if (bytes->size() != size) {
    return Malformed(std::string(field) + " has " + std::to_string(bytes->size()) +
                     " bytes, want " + std::to_string(size));
  }
  return std::move(bytes).value();
}

Result<uint64_t> ParseLimit(std::string_view text, uint64_t min, uint64_t max) {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty() ||
      (text.size() > 1 && text[0] == '0')) {
    return Malformed("kdf limit \"" + std::string(text) + "\" is not a decimal number");
  }
  if (value < min || value > max) {
    return Malformed("kdf limit " + std::string(text) + " outside [" + std::to_string(min) +
                     ", " + std::to_string(max) + "]");
  }
  return value;
}

Status ParseKdf(std::string_view line, KeyFileFields* fields) {
  ASSIGN_OR_RETURN(std::string_view value, FieldValue(line, "kdf"));
  const size_t first = value.find(' ');
  const size_t second = first == std::string_view::npos ? first : value.find(' ', first + 1);
  if (second == std::string_view::npos || value.substr(0, first) != kKdfName) {
    return Malformed("kdf must be \"argon2id13 <opslimit> <memlimit>\"");
  }
  ASSIGN_OR_RETURN(fields->ops_limit, ParseLimit(value.substr(first + 1, second - first - 1),
                                                 kKdfOpsLimitMin, kKdfOpsLimitMax));
  ASSIGN_OR_RETURN(fields->mem_limit,
                   ParseLimit(value.substr(second + 1), kKdfMemLimitMin, kKdfMemLimitMax));
  return Status::Ok();
}

Result<KeyFileFields> ParseKeyFile(std::string_view text) {
  if (text.size() > kKeyFileBytesMax) {
    return Malformed("larger than " + std::to_string(kKeyFileBytesMax) + " bytes");
  }
  ASSIGN_OR_RETURN(auto lines, SplitLines(text));
  if (lines.size() != kKeyFileLines) {
    return Malformed(std::to_string(lines.size()) + " lines, want " +
                     std::to_string(kKeyFileLines));
  }
  if (lines[0] != kMagicLine) return Malformed("first line is not \"creditlog-secret-key-v1\"");
  KeyFileFields fields;
  ASSIGN_OR_RETURN(std::string_view name, FieldValue(lines[1], "name"));
  if (!IsValidKeyName(name)) return Malformed("invalid key name");
  fields.name = std::string(name);
  ASSIGN_OR_RETURN(Bytes public_key, Base64Field(lines[2], "public", kPublicKeySize));
  ASSIGN_OR_RETURN(fields.public_key, PublicKeyFromBytes(public_key));
  RETURN_IF_ERROR(ParseKdf(lines[3], &fields));
  ASSIGN_OR_RETURN(fields.salt, Base64Field(lines[4], "salt", kSaltSize));
  ASSIGN_OR_RETURN(fields.nonce, Base64Field(lines[5], "nonce", kNonceSize));
  ASSIGN_OR_RETURN(fields.box, Base64Field(lines[6], "box", kBoxSize));
  return fields;
}

Status DeriveBoxKey(std::string_view passphrase, ByteView salt, uint64_t ops_limit,
                    uint64_t mem_limit, uint8_t* box_key) {
  if (crypto_pwhash(box_key, kBoxKeySize, passphrase.data(), passphrase.size(), salt.data(),
                    ops_limit, static_cast<size_t>(mem_limit), kKdfAlgorithm) != 0) {
    return Status::ResourceExhausted("key file: not enough memory to derive the key");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> EncryptKeyFile(const NamedKeyPair& key, std::string_view passphrase) {
  if (!IsValidKeyName(key.name)) return Malformed("invalid key name \"" + key.name + "\"");
  if (passphrase.empty() || passphrase.size() > kPassphraseBytesMax) {
    return Status::InvalidArgument("key file: passphrase must have 1 to " +
                                   std::to_string(kPassphraseBytesMax) + " bytes");
  }
  if (key.key_pair.secret_key.public_key() != key.key_pair.public_key) {
    return Status::InvalidArgument("key file: public key does not match the secret key");
  }
  InitCrypto();  // randombytes_buf needs an initialised generator
  std::array<uint8_t, kSaltSize> salt;
  std::array<uint8_t, kNonceSize> nonce;
  randombytes_buf(salt.data(), salt.size());
  randombytes_buf(nonce.data(), nonce.size());

  Wiped<kBoxKeySize> box_key;
  RETURN_IF_ERROR(DeriveBoxKey(passphrase, salt, kKdfOpsLimit, kKdfMemLimit, box_key.data()));
  Wiped<kSeedSize> seed;
  crypto_sign_ed25519_sk_to_seed(seed.data(), key.key_pair.secret_key.data());
  std::array<uint8_t, kBoxSize> box;
  crypto_secretbox_easy(box.data(), seed.data(), kSeedSize, nonce.data(), box_key.data());

  std::string out;
  out += std::string(kMagicLine) + "\n";
  out += "name: " + key.name + "\n";
  out += "public: " + Base64Encode(key.key_pair.public_key) + "\n";
  out += "kdf: " + std::string(kKdfName) + " " + std::to_string(kKdfOpsLimit) + " " +
         std::to_string(kKdfMemLimit) + "\n";
  out += "salt: " + Base64Encode(salt) + "\n";
  out += "nonce: " + Base64Encode(nonce) + "\n";
  out += "box: " + Base64Encode(box) + "\n";
  return out;
}

// The name is a label and is not authenticated; the public key is checked against the
// decrypted seed, so a file whose public line was replaced is rejected.
Result<NamedKeyPair> DecryptKeyFile(std::string_view file_text, std::string_view passphrase) {
  ASSIGN_OR_RETURN(KeyFileFields fields, ParseKeyFile(file_text));
  if (passphrase.size() > kPassphraseBytesMax) {
    return Status::InvalidArgument("key file: passphrase longer than " +
                                   std::to_string(kPassphraseBytesMax) + " bytes");
  }
  Wiped<kBoxKeySize> box_key;
  RETURN_IF_ERROR(DeriveBoxKey(passphrase, fields.salt, fields.ops_limit, fields.mem_limit,
                               box_key.data()));
  Wiped<kSeedSize> seed;
  if (crypto_secretbox_open_easy(seed.data(), fields.box.data(), fields.box.size(),
                                 fields.nonce.data(), box_key.data()) != 0) {
    // A wrong passphrase and a damaged box cannot be told apart: both fail authentication.
    return Status::PermissionDenied("key file: wrong passphrase (or the encrypted key is damaged)");
  }
  NamedKeyPair out{fields.name, KeyPairFromSeed(seed.view())};
  if (out.key_pair.public_key != fields.public_key) {
    return Malformed("public key does not match the encrypted secret key");
  }
  return out;
}

Result<PublicKey> ReadPublicKeyFromKeyFile(std::string_view file_text) {
  ASSIGN_OR_RETURN(KeyFileFields fields, ParseKeyFile(file_text));
  return fields.public_key;
}

Result<std::string> ReadPassphrase(std::string_view prompt) {
  const std::string variable(kPassphraseEnv);
  // Taken from the environment, then erased from it: /proc/PID/environ shows the environment
  // block the process started with, which unsetenv alone leaves as it was, so the value's
  // bytes are overwritten in place first. Later calls get the kept copy.
  static std::mutex mutex;
  static std::string from_environment;  // empty: none kept
  std::lock_guard lock(mutex);
  if (char* value = std::getenv(variable.c_str()); value != nullptr) {
    std::string passphrase(value);
    sodium_memzero(value, passphrase.size());
    ::unsetenv(variable.c_str());
    from_environment.clear();
    if (passphrase.empty() || passphrase.size() > kPassphraseBytesMax) {
      return Status::InvalidArgument("$" + variable + " must have 1 to " +
                                     std::to_string(kPassphraseBytesMax) + " bytes");
    }
    from_environment = passphrase;
    return passphrase;
  }
  if (!from_environment.empty()) return from_environment;
  auto typed = ReadLineWithoutEcho(prompt, kPassphraseBytesMax);
  if (!typed.ok()) {
    switch (typed.status().code()) {
      case StatusCode::kNotFound:
        return Status::InvalidArgument("no passphrase: set $" + variable + " or run on a terminal to be prompted");
      case StatusCode::kTooLarge:
        return Status::InvalidArgument("passphrase longer than " + std::to_string(kPassphraseBytesMax) + " bytes");
      default:
        return typed.status();
    }
  }
  if (typed->empty()) return Status::InvalidArgument("empty passphrase");
  return std::move(typed).value();
}

}  // namespace creditlog
