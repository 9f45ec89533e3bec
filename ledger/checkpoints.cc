// Checkpoints: signing, storing and serving them, and the rule that the ledger is never rolled
// back and never signs two roots for one size. The latest published checkpoint is kept twice:
// outside RocksDB in DIR/checkpoint (written durably first) and in the database; opening checks
// the database against the newer of the two (CheckPublished).
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "base/check.h"
#include "base/file.h"
#include "ledger/format.h"
#include "ledger/ledger.h"
#include "ledger/rocks_status.h"

namespace creditlog::ledger {
namespace {

// Whether the tree of `size` with `root` extends the latest published checkpoint: proved with
// a consistency proof from the stored tree, not assumed from the in-memory one.
Status CheckExtends(const Ledger& ledger, const Checkpoint& published, uint64_t size, const Hash& root) {
  const std::string refuse = "refusing to sign a checkpoint of size " + std::to_string(size) + ": ";
  if (size < published.size) {
    return Status::Corruption(refuse + "a checkpoint of size " + std::to_string(published.size) +
                              " has been published already");
  }
  if (size == published.size) {
    if (root == published.root) return Status::Ok();
    return Status::Corruption(refuse + "a checkpoint of this size with root " + Base64Encode(published.root) +
                              " has been published already; a second root would be an equivocation");
  }
  ASSIGN_OR_RETURN(std::vector<Hash> proof, ledger.ConsistencyProof(published.size, size));
  Status consistent = VerifyConsistency(published.size, size, published.root, root, proof);
  if (!consistent.ok()) {
    return Status::Corruption(refuse + "the tree is not consistent with the published checkpoint of size " +
                              std::to_string(published.size) + " (" + consistent.message() + ")");
  }
  return Status::Ok();
}

struct StoredCheckpoint {
  Checkpoint checkpoint;
  std::string note;
};

// The database's own latest checkpoint, opened with the ledger key; nullopt if none.
Result<std::optional<StoredCheckpoint>> LatestStored(const Ledger& ledger) {
  auto latest = ledger.LatestCheckpoint();
  if (!latest.ok()) {
    if (latest.status().code() == StatusCode::kNotFound) return std::optional<StoredCheckpoint>();
    return latest.status();
  }
  auto checkpoint = ledger.OpenCheckpoint(*latest);
  if (!checkpoint.ok()) return Status::Corruption("the latest stored checkpoint: " + checkpoint.status().message());
  return std::optional<StoredCheckpoint>(StoredCheckpoint{*checkpoint, *latest});
}

// The database must still hold the tree of the latest published checkpoint (`where` names
// which copy that is): not fewer entries, and the same root.
Status CheckHolds(const Ledger& ledger, const Checkpoint& published, const std::string& where) {
  const uint64_t held = ledger.size();
  if (published.size > held) {
    return Status::Corruption(
        "the ledger has been rolled back: the latest published checkpoint (" + where + ") covers " +
        std::to_string(published.size) + " entries with root " + Base64Encode(published.root) +
        ", but the database holds " + std::to_string(held) +
        ". Acknowledged events are missing (a damaged or deleted write-ahead log, a removed "
        "table file, or an old copy of the database); refusing to open. Restore the database from a "
        "backup holding at least " + std::to_string(published.size) + " entries (docs/security.md)");
  }
  ASSIGN_OR_RETURN(Hash root, MerkleRoot(published.size, ledger.Nodes()));
  if (root != published.root) {
    return Status::Corruption("the database's tree of size " + std::to_string(published.size) + " has root " +
                              Base64Encode(root) + ", but the latest published checkpoint (" + where + ") has " +
                              Base64Encode(published.root) + ": a different history; refusing to open");
  }
  return Status::Ok();
}

}  // namespace

std::string Ledger::CheckpointRecordPath() const { return dir_ + "/" + std::string(kCheckpointRecordFile); }

Status Ledger::SetCheckpointKey(const SecretKey& key) {
  if (key.public_key() != ledger_public_key()) {
    return Status::PermissionDenied("this is not the ledger key named in genesis");
  }
  std::lock_guard lock(checkpoint_mutex_);
  checkpoint_key_ = key;
  return Status::Ok();
}

Status Ledger::CheckPublished(const std::optional<std::string>& record) {
  std::unique_lock lock(checkpoint_mutex_);
  const std::string record_path = CheckpointRecordPath();
  std::optional<Checkpoint> kept;  // DIR/checkpoint
  if (record) {
    auto checkpoint = OpenCheckpoint(*record);
    if (!checkpoint.ok()) {
      return Status::Corruption(record_path + ": the checkpoint record is damaged (" + checkpoint.status().message() + ")");
    }
    kept = *checkpoint;
  } else {
    ASSIGN_OR_RETURN(auto marked, Get(MetaKey(kMetaRecord)));
    if (marked) {
      return Status::Corruption(record_path + " is missing: this ledger keeps its latest published checkpoint there; "
                                "without it a rolled-back database cannot be told from an intact one. Restore the "
                                "file (a mirror's or an auditor's copy of the latest checkpoint will do)");
    }
  }
  ASSIGN_OR_RETURN(const std::optional<StoredCheckpoint> stored, LatestStored(*this));
  // The newest of the two is what has been published; the other may trail it by one crash.
  const bool record_newest = kept && (!stored || kept->size >= stored->checkpoint.size);
  if (!record_newest && !stored) return Status::Ok();  // nothing published yet
  const Checkpoint& newest = record_newest ? *kept : stored->checkpoint;
  RETURN_IF_ERROR(CheckHolds(*this, newest, record_newest ? record_path : "the database's latest checkpoint"));
  if (kept && stored && kept->size == stored->checkpoint.size && kept->root != stored->checkpoint.root) {
    return Status::Corruption(record_path + " and the database hold two different checkpoints of size " +
                              std::to_string(kept->size));
  }
  const std::string& newest_note = record_newest ? *record : stored->note;
  published_ = newest;
  published_note_ = newest_note;
  if (read_only_) return Status::Ok();
  // A crash between writing the record and storing the checkpoint, or a ledger from before
  // the record existed: bring the lagging copy up to date.
  const bool record_behind = !kept || kept->size < newest.size;
  const bool store_behind = !stored || stored->checkpoint.size < newest.size;
  if (record_behind || store_behind) return RecordCheckpoint(lock, newest, newest_note);
  return Status::Ok();
}

Status Ledger::RecordCheckpoint(const std::unique_lock<std::mutex>& held, const Checkpoint& checkpoint,
                                const std::string& note) {
  CREDITLOG_CHECK(held.owns_lock() && held.mutex() == &checkpoint_mutex_);
  RETURN_IF_ERROR(WriteFileDurably(CheckpointRecordPath(), note, 0600).WithContext("keeping the checkpoint record"));
  rocksdb::WriteBatch batch;
  batch.Put(CheckpointKey(checkpoint.size), note);
  batch.Put(MetaKey(kMetaRecord), "1");
  RETURN_IF_ERROR(FromRocks(SyncedWrite(batch), "storing checkpoint"));
  published_ = checkpoint;
  published_note_ = note;
  return Status::Ok();
}

Result<std::string> Ledger::PublishCheckpoint() {
  std::unique_lock lock(checkpoint_mutex_);
  if (!checkpoint_key_) return Status::PermissionDenied("no checkpoint key: open the ledger key first");
  if (read_only_) return Status::InvalidArgument("ledger is open read-only");
  Checkpoint checkpoint;
  checkpoint.origin = origin_;
  {
    std::shared_lock state_lock(state_mutex_);
    checkpoint.size = range_.size();
    checkpoint.root = range_.Root();
  }
  if (published_) {
    RETURN_IF_ERROR(CheckExtends(*this, *published_, checkpoint.size, checkpoint.root));
    if (published_->size == checkpoint.size) return published_note_;
  }
  ASSIGN_OR_RETURN(std::string note, SignNote(FormatCheckpoint(checkpoint), origin_, *checkpoint_key_));
  RETURN_IF_ERROR(RecordCheckpoint(lock, checkpoint, note));
  return note;
}

Result<Checkpoint> Ledger::OpenCheckpoint(std::string_view note) const {
  const PublicKey key = ledger_public_key();
  auto text = OpenNote(note, NoteVerifier{origin_, NoteKeyHash(origin_, key), key});
  if (!text.ok()) return Status::Corruption("checkpoint: " + text.status().message());
  ASSIGN_OR_RETURN(Checkpoint checkpoint, ParseCheckpoint(*text));
  if (checkpoint.origin != origin_) return Status::Corruption("checkpoint names origin '" + checkpoint.origin + "'");
  return checkpoint;
}

Status Ledger::StoreCheckpoint(const std::string& note) {
  ASSIGN_OR_RETURN(Checkpoint checkpoint, OpenCheckpoint(note));
  ASSIGN_OR_RETURN(Hash root, Root(checkpoint.size));
  if (root != checkpoint.root) {
    return Status::Corruption("checkpoint at size " + std::to_string(checkpoint.size) +
                              ": root does not match this ledger's entries (a forked history)");
  }
  if (read_only_) return Status::InvalidArgument("ledger is open read-only");
  std::unique_lock lock(checkpoint_mutex_);
  if (published_ && checkpoint.size <= published_->size) {
    // Older than what this ledger holds: keep it beside the others; the record stays.
    ASSIGN_OR_RETURN(Hash at, MerkleRoot(checkpoint.size, Nodes()));
    if (at != checkpoint.root) return Status::Corruption("checkpoint at size " + std::to_string(checkpoint.size) + ": a forked history");
    rocksdb::WriteBatch batch;
    batch.Put(CheckpointKey(checkpoint.size), note);
    return FromRocks(SyncedWrite(batch), "storing checkpoint");
  }
  if (published_) RETURN_IF_ERROR(CheckExtends(*this, *published_, checkpoint.size, checkpoint.root));
  return RecordCheckpoint(lock, checkpoint, note);
}

Result<std::vector<std::pair<uint64_t, std::string>>> Ledger::Checkpoints() const {
  std::vector<std::pair<uint64_t, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  const std::string prefix(1, kPrefixCheckpoint);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    ASSIGN_OR_RETURN(const uint64_t size, KeyNumber(it->key().ToStringView()));
    out.emplace_back(size, it->value().ToString());
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading checkpoints"));
  return out;
}

Result<std::string> Ledger::LatestCheckpoint() const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  it->SeekForPrev(CheckpointKey(~uint64_t{0}));
  if (!it->Valid() || !it->key().starts_with(std::string(1, kPrefixCheckpoint))) {
    RETURN_IF_ERROR(FromRocks(it->status(), "reading checkpoints"));
    return Status::NotFound("no checkpoint has been published yet");
  }
  return it->value().ToString();
}

}  // namespace creditlog::ledger
