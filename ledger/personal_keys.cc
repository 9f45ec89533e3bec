#include "ledger/personal_keys.h"

#include <filesystem>
#include <set>

#include <flatbuffers/flatbuffers.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "crypto/random.h"
#include "events/limits.h"
#include "events/personal.h"
#include "events/text_rules.h"
#include "ledger/rocks_status.h"

namespace creditlog::ledger {
namespace {

constexpr std::string_view kKeyPrefix = "k";  // "k" person → key id ‖ wrapped data key
constexpr std::string_view kWrapDomain = "creditlog-personal-key-v1";
constexpr size_t kNestedBufferAlignment = 8;
constexpr size_t kInfoLogFilesKept = 4;  // RocksDB's own LOG files, not data

Bytes Join(std::initializer_list<std::string_view> parts) {
  Bytes out;
  bool first = true;
  for (std::string_view part : parts) {
    if (!first) out.push_back(0);
    first = false;
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

std::string_view IdView(const std::array<uint8_t, kPersonalKeyIdBytes>& id) {
  return std::string_view(reinterpret_cast<const char*>(id.data()), id.size());
}

}  // namespace

Bytes SealedFieldAssociatedData(std::string_view path, std::string_view person, std::string_view marker) {
  return Join({"creditlog-sealed-field-v1", path, person, marker});
}

PersonalKeys::~PersonalKeys() {
  for (auto& [person, key] : cache_) key.key.fill(0);
  key_encryption_key_.fill(0);
}

Result<std::shared_ptr<PersonalKeys>> PersonalKeys::Open(const std::string& ledger_dir, const SecretKey& ledger_key,
                                                         bool read_only) {
  const std::string path = ledger_dir + "/" + std::string(kPersonalKeysDir);
  std::shared_ptr<PersonalKeys> keys(new PersonalKeys());
  keys->read_only_ = read_only;
  keys->key_encryption_key_ =
      DeriveKey(ByteView(ledger_key.data(), kSeedSize), kKeyEncryptionSubkey, kKeyEncryptionContext);
  rocksdb::Options options;
  options.create_if_missing = !read_only;
  options.paranoid_checks = true;
  options.WAL_ttl_seconds = 0;  // a destroyed key's WAL record goes with its log file
  options.WAL_size_limit_MB = 0;
  options.keep_log_file_num = kInfoLogFilesKept;
  rocksdb::DB* raw = nullptr;
  if (read_only) {
    if (!std::filesystem::exists(path)) return Status::NotFound("no personal key store in " + ledger_dir);
    RETURN_IF_ERROR(FromRocks(rocksdb::DB::OpenForReadOnly(options, path, &raw), "opening " + path));
  } else {
    RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(options, path, &raw), "opening " + path));
  }
  keys->db_.reset(raw);
  return keys;
}

Result<std::optional<PersonalKeys::DataKey>> PersonalKeys::Find(std::string_view person, bool create) const {
  std::lock_guard lock(mutex_);
  if (auto it = cache_.find(person); it != cache_.end()) return std::optional<DataKey>(it->second);
  const std::string db_key = std::string(kKeyPrefix) + std::string(person);
  std::string stored;
  rocksdb::Status got = db_->Get(rocksdb::ReadOptions(), db_key, &stored);
  if (got.ok()) {
    if (stored.size() < kPersonalKeyIdBytes) return Status::Corruption("personal key of '" + std::string(person) + "' is truncated");
    DataKey key;
    std::copy(stored.begin(), stored.begin() + kPersonalKeyIdBytes, key.id.begin());
    auto opened = AeadOpen(key_encryption_key_, AsBytes(std::string_view(stored).substr(kPersonalKeyIdBytes)),
                           Join({kWrapDomain, person, IdView(key.id)}));
    if (!opened.ok() || opened->size() != kAeadKeyBytes) {
      return Status::PermissionDenied("personal key of '" + std::string(person) +
                                      "' does not open with this ledger's key-encryption key");
    }
    std::copy(opened->begin(), opened->end(), key.key.begin());
    cache_[std::string(person)] = key;
    return std::optional<DataKey>(key);
  }
  if (!got.IsNotFound()) return FromRocks(got, "reading the personal key store");
  if (!create) return std::optional<DataKey>();
  if (read_only_) return Status::InvalidArgument("the personal key store is open read-only");
  DataKey key;
  const Bytes id = RandomBytes(kPersonalKeyIdBytes);
  std::copy(id.begin(), id.end(), key.id.begin());
  key.key = RandomAeadKey();
  const Bytes wrapped = AeadSeal(key_encryption_key_, ByteView(key.key.data(), key.key.size()),
                                 Join({kWrapDomain, person, IdView(key.id)}));
  std::string value(IdView(key.id));
  value.append(reinterpret_cast<const char*>(wrapped.data()), wrapped.size());
  rocksdb::WriteOptions sync;
  sync.sync = true;  // a key must be durable before anything sealed under it is acknowledged
  RETURN_IF_ERROR(FromRocks(db_->Put(sync, db_key, value), "storing a personal key"));
  cache_[std::string(person)] = key;
  return std::optional<DataKey>(key);
}

bool PersonalKeys::HasKey(std::string_view person) const {
  auto key = Find(person, /*create=*/false);
  return key.ok() && key->has_value();
}

Result<Bytes> PersonalKeys::SealEnvelope(const events::EnvelopeView& view) {
  const fb::Envelope& envelope = *view.envelope;
  if (envelope.sealed() != nullptr) {
    return Status::InvalidArgument("envelope.sealed: is written by the ledger; send the openings instead (docs/privacy.md)");
  }
  const std::vector<events::PersonalField> fields = events::PersonalFields(*view.event);
  const auto* openings = envelope.openings();
  const size_t opening_count = openings ? openings->size() : 0;
  if (fields.empty() && opening_count == 0) return Bytes();  // nothing to seal: the envelope as it is
  std::set<size_t> used;
  struct Sealed {
    std::string path, person;
    std::array<uint8_t, kPersonalKeyIdBytes> key_id;
    Bytes box;
  };
  std::vector<Sealed> sealed;
  for (const events::PersonalField& f : fields) {
    if (!events::IsSealedMarker(f.value)) {
      return Status::InvalidArgument(f.path + ": personal information must be sealed before it is signed "
                                     "(docs/privacy.md, \"Erasure\"); creditlog sign, record, submit and import seal it");
    }
    std::optional<size_t> found;
    for (size_t i = 0; i < opening_count; ++i) {
      if (openings->Get(i)->path()->string_view() == f.path && !used.count(i)) found = i;
    }
    if (!found) return Status::InvalidArgument(f.path + ": is sealed, but the envelope carries no opening for it");
    used.insert(*found);
    const fb::Opening& o = *openings->Get(*found);
    const ByteView salt(o.salt()->data(), o.salt()->size());
    const std::string_view value = o.value()->string_view();
    if (salt.size() != events::kSealSaltBytes) {
      return Status::InvalidArgument("envelope.openings[" + std::to_string(*found) + "].salt: must be " +
                                     std::to_string(events::kSealSaltBytes) + " bytes");
    }
    if (events::SealMarker(f.path, salt, value) != f.value) {
      return Status::InvalidArgument(f.path + ": the opening does not match the signed commitment");
    }
    const size_t max = f.kind == events::TextKind::kSingleLine ? events::kNameBytesMax : events::kTextBytesMax;
    if (value.empty() || value.size() > max) {
      return Status::InvalidArgument(f.path + ": must be 1.." + std::to_string(max) + " bytes");
    }
    if (Status text = events::CheckText(value, f.kind); !text.ok()) return text.WithContext(f.path);
    ASSIGN_OR_RETURN(std::optional<DataKey> key, Find(f.person, /*create=*/true));
    Bytes plaintext(salt.begin(), salt.end());
    plaintext.insert(plaintext.end(), value.begin(), value.end());
    sealed.push_back({f.path, f.person, key->id, AeadSeal(key->key, plaintext, SealedFieldAssociatedData(f.path, f.person, f.value))});
  }
  for (size_t i = 0; i < opening_count; ++i) {
    if (!used.count(i)) {
      return Status::InvalidArgument("envelope.openings[" + std::to_string(i) + "]: '" + openings->Get(i)->path()->str() +
                                     "' is no sealed personal field of this event");
    }
  }
  flatbuffers::FlatBufferBuilder b(view.event_bytes.size() + 1024);
  std::vector<flatbuffers::Offset<fb::SealedField>> offsets;
  for (const Sealed& s : sealed) {
    offsets.push_back(fb::CreateSealedField(b, b.CreateString(s.path), b.CreateString(s.person),
                                            b.CreateVector(s.key_id.data(), s.key_id.size()),
                                            b.CreateVector(s.box.data(), s.box.size())));
  }
  auto sealed_vector = b.CreateVector(offsets);
  auto signature = b.CreateVector(view.signature.data(), view.signature.size());
  auto key = b.CreateVector(view.public_key.data(), view.public_key.size());
  b.ForceVectorAlignment(view.event_bytes.size(), 1, kNestedBufferAlignment);
  auto event = b.CreateVector(view.event_bytes.data(), view.event_bytes.size());
  b.Finish(fb::CreateEnvelope(b, view.schema_version, event, key, signature, 0, sealed_vector));
  return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

UnsealResult PersonalKeys::Unseal(const fb::SealedField& field, std::string_view marker) const {
  auto key = Find(field.person()->string_view(), /*create=*/false);
  if (!key.ok()) return {Unsealed::kUnavailable, {}};
  if (!key->has_value()) return {Unsealed::kErased, {}};
  const DataKey& k = **key;
  if (field.key_id()->size() != kPersonalKeyIdBytes || !std::equal(k.id.begin(), k.id.end(), field.key_id()->begin())) {
    return {Unsealed::kErased, {}};  // sealed under a key destroyed since; the person has a new one
  }
  auto opened = AeadOpen(k.key, ByteView(field.box()->data(), field.box()->size()),
                         SealedFieldAssociatedData(field.path()->string_view(), field.person()->string_view(), marker));
  if (!opened.ok() || opened->size() < events::kSealSaltBytes) return {Unsealed::kUnavailable, {}};
  const ByteView salt(opened->data(), events::kSealSaltBytes);
  std::string value(opened->begin() + events::kSealSaltBytes, opened->end());
  if (events::SealMarker(field.path()->string_view(), salt, value) != marker) return {Unsealed::kUnavailable, {}};
  return {Unsealed::kValue, std::move(value)};
}

Status PersonalKeys::Destroy(std::string_view person) {
  if (read_only_) return Status::InvalidArgument("the personal key store is open read-only");
  std::lock_guard lock(mutex_);
  if (auto it = cache_.find(person); it != cache_.end()) {
    it->second.key.fill(0);
    cache_.erase(it);
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  RETURN_IF_ERROR(FromRocks(db_->Delete(sync, std::string(kKeyPrefix) + std::string(person)), "destroying a personal key"));
  // Rewrite every table file, so that none keeps the key: flush the memtable, then compact the
  // whole store (it holds one small record per person) down to its last level.
  RETURN_IF_ERROR(FromRocks(db_->Flush(rocksdb::FlushOptions()), "flushing the personal key store"));
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return FromRocks(db_->CompactRange(compact, nullptr, nullptr), "compacting the personal key store");
}

}  // namespace creditlog::ledger
