// The personal key store: one data key per natural person, kept outside the log in
// DIR/personal-keys (a RocksDB store of its own, backed up separately), each key wrapped
// (XChaCha20-Poly1305) under a key-encryption key derived from the ledger's checkpoint key with
// crypto_kdf. docs/privacy.md, "Erasure", has the design; events/personal.h the catalogue.
//
// Writing: the ledger hands each new envelope to SealEnvelope before it is queued. Every
// personal field of the event must be a commitment ("sealed:v1:…") with its opening in the
// envelope's `openings`; the opening is checked against the commitment, encrypted under the
// person's data key (created on first use) and stored as Envelope.sealed. No plaintext
// personal value reaches a leaf.
//
// Erasing: Destroy deletes the person's key and compacts the store, so that no table file
// keeps it. The ledger calls it after an ErasureRecorded is durable. What was sealed under the
// key is then ciphertext nobody can open; the signed events, leaves and proofs are unchanged.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/aead.h"
#include "crypto/ed25519.h"
#include "events/event.h"

namespace rocksdb {
class DB;
}  // namespace rocksdb

namespace creditlog::ledger {

inline constexpr std::string_view kPersonalKeysDir = "personal-keys";  // DIR/personal-keys
inline constexpr size_t kPersonalKeyIdBytes = 8;
// crypto_kdf context and subkey id of the key-encryption key (docs/privacy.md).
inline constexpr std::string_view kKeyEncryptionContext = "clpkeys1";
inline constexpr uint64_t kKeyEncryptionSubkey = 1;

// Why a sealed value is not shown.
enum class Unsealed { kValue, kErased, kUnavailable };
struct UnsealResult {
  Unsealed state = Unsealed::kUnavailable;
  std::string value;  // kValue only
};

class PersonalKeys {
 public:
  // The store of the ledger in `ledger_dir`, created when missing unless `read_only` (then
  // opened beside a writer process, as it was at this moment; NotFound when there is none).
  static Result<std::shared_ptr<PersonalKeys>> Open(const std::string& ledger_dir, const SecretKey& ledger_key,
                                                    bool read_only = false);
  ~PersonalKeys();

  // The envelope to store for a new one: its openings checked and sealed (see above).
  // InvalidArgument naming the field: a plaintext personal field, an opening that does not
  // match its commitment or that names no sealed field, a commitment without an opening, a
  // value that breaks the field's text rules, or a submitted `sealed`.
  Result<Bytes> SealEnvelope(const events::EnvelopeView& view);

  // The value of a sealed field whose commitment is `marker`: kErased when the person's key is
  // gone or is a later one (an erasure since), kUnavailable when it does not open (not this
  // ledger's store). The value is checked against the commitment.
  UnsealResult Unseal(const fb::SealedField& field, std::string_view marker) const;

  // Deletes `person`'s data key and compacts the store. Idempotent.
  Status Destroy(std::string_view person);
  bool HasKey(std::string_view person) const;

 private:
  struct DataKey {
    std::array<uint8_t, kPersonalKeyIdBytes> id{};
    AeadKey key{};
  };
  PersonalKeys() = default;
  // The person's key; created (and stored durably) when missing and `create`.
  Result<std::optional<DataKey>> Find(std::string_view person, bool create) const;

  std::unique_ptr<rocksdb::DB> db_;
  bool read_only_ = false;
  AeadKey key_encryption_key_{};
  mutable std::mutex mutex_;
  mutable std::map<std::string, DataKey, std::less<>> cache_;  // GUARDED_BY(mutex_)
};

// The associated data a sealed field's box is bound to: path, person and commitment.
Bytes SealedFieldAssociatedData(std::string_view path, std::string_view person, std::string_view marker);

}  // namespace creditlog::ledger
