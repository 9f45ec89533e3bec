// Secret keys at rest: encrypted with a key derived from a passphrase
// (crypto_pwhash Argon2id, then crypto_secretbox XSalsa20-Poly1305).
//
// File format (text, one "field: value" per line, base64 values):
//   creditlog-secret-key-v1
//   name: <key name>
//   public: <base64 public key>
//   kdf: argon2id13 <opslimit> <memlimit>
//   salt: <base64>
//   nonce: <base64>
//   box: <base64 secretbox of the 32-byte seed>
#pragma once

#include <string>
#include <string_view>

#include "crypto/ed25519.h"

namespace creditlog {

inline constexpr std::string_view kPassphraseEnv = "CREDITLOG_PASSPHRASE";
inline constexpr size_t kPassphraseBytesMax = 1024;
inline constexpr size_t kKeyFileBytesMax = 4096;

struct NamedKeyPair {
  std::string name;
  KeyPair key_pair;
};

// Uses crypto_pwhash's INTERACTIVE limits (the key is opened once per process).
Result<std::string> EncryptKeyFile(const NamedKeyPair& key, std::string_view passphrase);

// InvalidArgument for a malformed file; PermissionDenied for a wrong passphrase.
Result<NamedKeyPair> DecryptKeyFile(std::string_view file_text, std::string_view passphrase);

// The public half only, no passphrase needed.
Result<PublicKey> ReadPublicKeyFromKeyFile(std::string_view file_text);

// $CREDITLOG_PASSPHRASE if set (then erased from the environment, its bytes included, and
// kept for later calls); otherwise prompts on the terminal with echo off (base/terminal.h).
// InvalidArgument if neither is available (no terminal and no variable).
Result<std::string> ReadPassphrase(std::string_view prompt);

}  // namespace creditlog
