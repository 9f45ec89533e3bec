// Opening, recovery, reads, proofs and checkpoints. The append path is in writer.cc.
#include "ledger/ledger.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include <unistd.h>

#include <rocksdb/db.h>
#include <rocksdb/file_checksum.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/write_batch.h>

#include "crypto/key_file.h"
#include "crypto/note.h"
#include "crypto/sha256.h"
#include "ledger/format.h"
#include "ledger/pending.h"

namespace creditlog::ledger {
namespace {

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  // RocksDB's message without its own code name (ours is added where the status is shown).
  std::string message = std::string(what) + ": " + (s.getState() != nullptr ? std::string(s.getState()) : s.ToString());
  if (s.IsCorruption()) return Status::Corruption(message);
  if (s.IsInvalidArgument()) return Status::InvalidArgument(message);
  return Status::IOError(message);
}

Status ValidateOrigin(std::string_view origin) {
  if (origin.empty() || origin.size() > kOriginBytesMax) {
    return Status::InvalidArgument("origin: must be 1.." + std::to_string(kOriginBytesMax) + " bytes");
  }
  for (char c : origin) {
    if (c <= ' ' || c == '+' || static_cast<unsigned char>(c) >= 0x7f) {
      return Status::InvalidArgument("origin: '" + std::string(origin) +
                                     "' may hold only printable ASCII without spaces or '+'");
    }
  }
  return Status::Ok();
}

Result<Bytes> BuildGenesis(const GenesisParams& params, const KeyPair& root, const PublicKey& ledger_key) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<uint8_t> root_bytes(root.public_key.begin(), root.public_key.end());
  std::vector<uint8_t> ledger_bytes(ledger_key.begin(), ledger_key.end());
  auto genesis = fb::CreateGenesisDirect(b, params.ledger_id.c_str(), params.origin.c_str(), &root_bytes,
                                         &ledger_bytes, params.office_uscc.c_str(),
                                         params.office_name.c_str(), params.created_date.c_str());
  b.Finish(fb::CreateEventDirect(b, "genesis", "", -1, NowMs(), 0, fb::EventBody::Genesis, genesis.Union()));
  Bytes event(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  ASSIGN_OR_RETURN(const fb::Event* parsed, events::ParseEvent(event));
  RETURN_IF_ERROR(events::ValidateEvent(*parsed, events::FieldRules::kNew).WithContext("genesis"));
  return events::SignEnvelope(event, root.secret_key, params.origin);
}

rocksdb::Options DatabaseOptions() {
  rocksdb::Options options;
  options.create_if_missing = false;
  options.paranoid_checks = true;
  // Every append is a synced write, so the only damage a crash leaves in the write-ahead log
  // is an incomplete last record, which was never acknowledged: recovery drops it. Anything
  // else — a checksum mismatch, a bad record in the middle — fails the open. (The default,
  // kPointInTimeRecovery, would stop at the first bad record and open a shorter ledger without
  // a word.) A tail cut at a record boundary looks like a clean end; the checkpoint record
  // outside the database catches what a published checkpoint covers (docs/format.md).
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  // A CRC32C of every table file, recorded in the MANIFEST when the file is written, so that
  // VerifyStorage covers every byte of a file, not only its blocks.
  options.file_checksum_gen_factory = rocksdb::GetFileChecksumGenCrc32cFactory();
  options.IncreaseParallelism(2);
  // Entries, tree nodes and stream indexes are written in increasing key order within their
  // one-byte prefix: inserting each next to the last one of its prefix skips the memtable's
  // skiplist search, which was most of the writer's time.
  options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
  return options;
}

// A new, empty database in DIR/db; fails if one exists, or a checkpoint record does.
Result<std::unique_ptr<rocksdb::DB>> CreateDatabase(const std::string& dir) {
  const std::string record = dir + "/" + std::string(kCheckpointRecordFile);
  if (std::filesystem::exists(record)) {
    return Status::Conflict(record + " exists: the directory belonged to another ledger; use an empty one");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  rocksdb::Options options = DatabaseOptions();
  options.create_if_missing = true;
  options.error_if_exists = true;
  rocksdb::DB* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(options, dir + "/db", &raw), "creating a ledger in " + dir));
  return std::unique_ptr<rocksdb::DB>(raw);
}

// RocksDB's files that the seal covers: everything it reads whose bytes no checksum of its own
// covers whole. (Table files carry block and whole-file checksums; OPTIONS and LOG are not read.)
bool Sealed(const std::string& name) {
  return name == "CURRENT" || name == "IDENTITY" || name.starts_with("MANIFEST-") || name.ends_with(".log");
}

std::string SealLine(const std::string& name, const Hash& hash) { return HexEncode(hash) + "  " + name + "\n"; }

// Writes DIR/db-sealed for the closed database in DIR/db.
Status Seal(const std::string& dir) {
  std::string text;
  std::vector<std::string> names;
  for (const auto& file : std::filesystem::directory_iterator(dir + "/db")) {
    if (file.is_regular_file() && Sealed(file.path().filename().string())) names.push_back(file.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    ASSIGN_OR_RETURN(std::string bytes, ReadSmallFile(dir + "/db/" + name, kSealedFileBytesMax));
    text += SealLine(name, Sha256(ByteView(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
  }
  return WriteFileDurably(dir + "/" + std::string(kSealFile), text, 0600);
}

// Checks DIR/db against DIR/db-sealed, if there is one. A writer opening the database next
// removes the seal first (Unseal: RocksDB rewrites these files when it opens); a reader racing
// with such a writer finds the seal gone and does not hold the writer's changes against it.
Status CheckSeal(const std::string& dir) {
  const std::string path = dir + "/" + std::string(kSealFile);
  auto text = ReadSmallFile(path, kSealBytesMax);
  if (!text.ok()) return text.status().code() == StatusCode::kNotFound ? Status::Ok() : text.status();
  std::string_view rest = *text;
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    const size_t gap = line.find("  ");
    if (gap == std::string_view::npos || line.substr(gap + 2).find('/') != std::string_view::npos) {
      return Status::Corruption(path + ": malformed line '" + std::string(line) + "'");
    }
    const std::string name(line.substr(gap + 2));
    auto bytes = ReadSmallFile(dir + "/db/" + name, kSealedFileBytesMax);
    const bool same = bytes.ok() && SealLine(name, Sha256(ByteView(reinterpret_cast<const uint8_t*>(bytes->data()),
                                                                    bytes->size()))) == std::string(line) + "\n";
    if (!same && std::filesystem::exists(path)) {
      return Status::Corruption("db/" + name + (bytes.ok() ? " has changed" : " is missing") +
                                " since the ledger was closed (" + path + " holds its SHA-256)");
    }
  }
  return Status::Ok();
}

Status Unseal(const std::string& dir) {
  const std::string path = dir + "/" + std::string(kSealFile);
  if (::unlink(path.c_str()) != 0) return errno == ENOENT ? Status::Ok() : Status::IOError("cannot remove " + path);
  return SyncDirectory(dir);
}

}  // namespace

Result<std::unique_ptr<Ledger>> Ledger::Create(const std::string& dir, const GenesisParams& params,
                                               const KeyPair& root, const PublicKey& ledger_key) {
  RETURN_IF_ERROR(ValidateOrigin(params.origin));
  ASSIGN_OR_RETURN(Bytes genesis, BuildGenesis(params, root, ledger_key));
  std::unique_ptr<Ledger> ledger(new Ledger());
  ASSIGN_OR_RETURN(ledger->db_, CreateDatabase(dir));
  ledger->dir_ = dir;
  ledger->origin_ = params.origin;
  rocksdb::WriteBatch mark;
  mark.Put(MetaKey(kMetaEventIds), kMetaEventIdsAgency);
  RETURN_IF_ERROR(FromRocks(ledger->SyncedWrite(mark), "creating the ledger"));
  ledger->agency_event_ids_ = true;
  ledger->StartWriter();
  ASSIGN_OR_RETURN(AppendResult appended, ledger->Append(std::move(genesis)));
  if (appended.seq != 0) return Status::Corruption("genesis was not recorded at seq 0");
  return ledger;
}

Result<std::unique_ptr<Ledger>> Ledger::CreateMirror(const std::string& dir, ByteView genesis_entry) {
  ASSIGN_OR_RETURN(EntryView genesis, ParseEntry(genesis_entry));
  if (genesis.seq != 0 || genesis.envelope.event->body_type() != fb::EventBody::Genesis) {
    return Status::Corruption("seq 0: the first entry is not Genesis");
  }
  const std::string origin = genesis.envelope.event->body_as_Genesis()->origin()->str();
  RETURN_IF_ERROR(ValidateOrigin(origin));
  std::unique_ptr<Ledger> ledger(new Ledger());
  ASSIGN_OR_RETURN(ledger->db_, CreateDatabase(dir));
  ledger->dir_ = dir;
  ledger->origin_ = origin;
  ledger->mirror_ = true;
  rocksdb::WriteBatch mark;
  mark.Put(MetaKey(kMetaMirror), "1");
  mark.Put(MetaKey(kMetaEventIds), kMetaEventIdsAgency);
  RETURN_IF_ERROR(FromRocks(ledger->SyncedWrite(mark), "marking the mirror"));
  ledger->agency_event_ids_ = true;
  ledger->StartWriter();
  RETURN_IF_ERROR(ledger->AppendMirrored({Bytes(genesis_entry.begin(), genesis_entry.end())}));
  return ledger;
}

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::string& dir, OpenOptions open_options) {
  if (!std::filesystem::exists(dir + "/db")) return Status::NotFound("no ledger in " + dir);
  if (Status sealed = CheckSeal(dir); !sealed.ok()) {
    // Changed while closed. Say what the change did when the checkpoint record can tell (an
    // old copy put back, say), from a read-only look that changes nothing; refuse either way.
    auto look = OpenDatabase(dir, {.read_only = true});
    if (!look.ok()) return look.status();
    return sealed.WithContext("opening ledger in " + dir);
  }
  if (!open_options.read_only) RETURN_IF_ERROR(Unseal(dir).WithContext("opening ledger in " + dir));
  return OpenDatabase(dir, open_options);
}

Result<std::unique_ptr<Ledger>> Ledger::OpenDatabase(const std::string& dir, OpenOptions open_options) {
  // The record first: a writer publishes a checkpoint only after committing what it covers,
  // so a database opened after reading the record holds at least the record's entries.
  std::optional<std::string> record;
  const std::string record_path = dir + "/" + std::string(kCheckpointRecordFile);
  if (auto text = ReadSmallFile(record_path, kCheckpointRecordBytesMax); text.ok()) {
    record = std::move(*text);
  } else if (text.status().code() != StatusCode::kNotFound) {
    return Status::Corruption(record_path + ": the checkpoint record cannot be read: " + text.status().message());
  }
  rocksdb::Options options = DatabaseOptions();
  if (open_options.env != nullptr) options.env = open_options.env;
  rocksdb::DB* raw = nullptr;
  std::unique_ptr<Ledger> ledger(new Ledger());
  rocksdb::Status s;
  if (open_options.read_only && open_options.follow) {
    // A RocksDB secondary instance: reads beside the writer process, catches up on Refresh().
    options.max_open_files = -1;
    ledger->secondary_dir_ = (std::filesystem::temp_directory_path() /
                              ("creditlog-follow-" + std::to_string(::getpid()) + "-" + std::to_string(NowMs()))).string();
    s = rocksdb::DB::OpenAsSecondary(options, dir + "/db", ledger->secondary_dir_, &raw);
  } else if (open_options.read_only) {
    s = rocksdb::DB::OpenForReadOnly(options, dir + "/db", &raw);
  } else {
    s = rocksdb::DB::Open(options, dir + "/db", &raw);
  }
  if (s.IsPathNotFound()) {
    // dir/db exists (checked above): a file the database itself names is gone.
    return Status::Corruption("opening ledger in " + dir + ": a file of the database is missing: " +
                              (s.getState() != nullptr ? std::string(s.getState()) : s.ToString()));
  }
  RETURN_IF_ERROR(FromRocks(s, "opening ledger in " + dir));
  ledger->db_.reset(raw);
  ledger->dir_ = dir;
  ledger->read_only_ = open_options.read_only;
  ASSIGN_OR_RETURN(auto mirror, ledger->Get(MetaKey(kMetaMirror)));
  ledger->mirror_ = mirror.has_value();
  if (Status recovered = ledger->Recover(); !recovered.ok()) {
    // A database too damaged to read back (its log deleted, say) while a checkpoint has been
    // published: name what was published. The record's signature cannot be checked without
    // the genesis entry, so this only reads its size.
    auto named = record ? ParseCheckpoint(record->substr(0, record->find("\n\n") + 1)) : Result<Checkpoint>(Status::NotFound(""));
    if (named.ok()) {
      return Status::Corruption("opening ledger in " + dir + ": the ledger has been rolled back: " + record_path +
                                " names a published checkpoint of " + std::to_string(named->size) +
                                " entries, but the database cannot be read back to it (" + recovered.message() +
                                "); refusing to open. Restore the database from a backup holding at least " +
                                std::to_string(named->size) + " entries (docs/security.md)");
    }
    return recovered.WithContext("opening ledger in " + dir);
  }
  ASSIGN_OR_RETURN(auto event_ids, ledger->Get(MetaKey(kMetaEventIds)));
  ledger->agency_event_ids_ = event_ids && *event_ids == kMetaEventIdsAgency;
  RETURN_IF_ERROR(ledger->CheckPublished(record).WithContext("opening ledger in " + dir));
  if (!ledger->read_only_ && !ledger->agency_event_ids_) RETURN_IF_ERROR(ledger->RebuildEventIdIndex());
  if (!ledger->read_only_) ledger->StartWriter();
  return ledger;
}

std::string Ledger::CheckpointRecordPath() const { return dir_ + "/" + std::string(kCheckpointRecordFile); }

Status Ledger::CheckPublished(const std::optional<std::string>& record) {
  std::lock_guard lock(checkpoint_mutex_);
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
  std::optional<Checkpoint> stored;  // the database's own latest
  std::string stored_note;
  if (auto latest = LatestCheckpoint(); latest.ok()) {
    auto checkpoint = OpenCheckpoint(*latest);
    if (!checkpoint.ok()) return Status::Corruption("the latest stored checkpoint: " + checkpoint.status().message());
    stored = *checkpoint;
    stored_note = *latest;
  } else if (latest.status().code() != StatusCode::kNotFound) {
    return latest.status();
  }
  // The newest of the two is what has been published; the other may trail it by one crash.
  const bool record_newest = kept && (!stored || kept->size >= stored->size);
  const std::optional<Checkpoint>& newest = record_newest ? kept : stored;
  if (!newest) return Status::Ok();  // nothing published yet
  const std::string where = record_newest ? record_path : "the database's latest checkpoint";
  const uint64_t held = size();
  if (newest->size > held) {
    return Status::Corruption(
        "the ledger has been rolled back: the latest published checkpoint (" + where + ") covers " +
        std::to_string(newest->size) + " entries with root " + Base64Encode(newest->root) + ", but the database holds " +
        std::to_string(held) + ". Acknowledged events are missing (a damaged or deleted write-ahead log, a removed "
        "table file, or an old copy of the database); refusing to open. Restore the database from a "
        "backup holding at least " + std::to_string(newest->size) + " entries (docs/security.md)");
  }
  ASSIGN_OR_RETURN(Hash root, MerkleRoot(newest->size, Nodes()));
  if (root != newest->root) {
    return Status::Corruption("the database's tree of size " + std::to_string(newest->size) + " has root " +
                              Base64Encode(root) + ", but the latest published checkpoint (" + where + ") has " +
                              Base64Encode(newest->root) + ": a different history; refusing to open");
  }
  if (kept && stored && kept->size == stored->size && kept->root != stored->root) {
    return Status::Corruption(record_path + " and the database hold two different checkpoints of size " +
                              std::to_string(kept->size));
  }
  published_ = newest;
  published_note_ = record_newest ? *record : stored_note;
  if (read_only_) return Status::Ok();
  // A crash between writing the record and storing the checkpoint, or a ledger from before
  // the record existed: bring the lagging copy up to date.
  const bool record_behind = !kept || kept->size < newest->size;
  const bool store_behind = !stored || stored->size < newest->size;
  if (record_behind || store_behind) return RecordCheckpoint(*newest, published_note_);
  return Status::Ok();
}

Status Ledger::RecordCheckpoint(const Checkpoint& checkpoint, const std::string& note) {
  RETURN_IF_ERROR(WriteFileDurably(CheckpointRecordPath(), note, 0600).WithContext("keeping the checkpoint record"));
  rocksdb::WriteBatch batch;
  batch.Put(CheckpointKey(checkpoint.size), note);
  batch.Put(MetaKey(kMetaRecord), "1");
  RETURN_IF_ERROR(FromRocks(SyncedWrite(batch), "storing checkpoint"));
  published_ = checkpoint;
  published_note_ = note;
  return Status::Ok();
}

Status Ledger::RebuildEventIdIndex() {
  KeyRegistry registry;
  rocksdb::WriteBatch batch;
  const auto flush = [&]() -> Status {
    RETURN_IF_ERROR(FromRocks(SyncedWrite(batch), "rebuilding the event id index"));
    batch.Clear();
    return Status::Ok();
  };
  RETURN_IF_ERROR(ForEachEntry(0, size(), [&](uint64_t seq, ByteView bytes) -> Status {
    ASSIGN_OR_RETURN(EntryView view, ParseEntry(bytes));
    const fb::Event& event = *view.envelope.event;
    RETURN_IF_ERROR(registry.Authorize(view.envelope.public_key, event, seq)
                        .WithContext("rebuilding the event id index at seq " + std::to_string(seq)));
    batch.Put(AgencyEventIdKey(registry.AgencyOf(view.envelope.public_key, event), event.event_id()->string_view()),
              EncodeU64(seq));
    registry.Apply(event, seq);
    return batch.Count() >= kIndexRebuildBatchEntries ? flush() : Status::Ok();
  }));
  // The last batch switches the index over and drops the old one.
  batch.Put(MetaKey(kMetaEventIds), kMetaEventIdsAgency);
  batch.DeleteRange(std::string(1, kPrefixEventId), std::string(1, kPrefixEventId + 1));
  RETURN_IF_ERROR(flush());
  agency_event_ids_ = true;
  return Status::Ok();
}

Ledger::~Ledger() {
  StopWriter();
  // A clean close moves the write-ahead log's contents into table files, where every byte is
  // under a checksum that VerifyStorage reads (a crash skips this; recovery replays the log).
  bool clean = false;
  if (db_ && !read_only_) {
    rocksdb::FlushOptions flush;
    flush.wait = true;
    bool writer_ok;
    {
      std::lock_guard lock(queue_mutex_);
      writer_ok = writer_status_.ok();
    }
    clean = writer_ok && db_->Flush(flush).ok() && db_->Close().ok();
  }
  db_.reset();
  // Sealed only after a clean close; after a failed one the next opening recovers as after a crash.
  if (clean) (void)Seal(dir_);
  if (!secondary_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(secondary_dir_, ec);
  }
}

struct Ledger::Committed {
  uint64_t size = 0;
  int64_t last_recorded_at_ms = 0;
  CompactRange range;
  KeyRegistry registry;
};

// The committed state is exactly what the last successful WriteBatch left, because every
// batch carries its entries, nodes, indexes and "size" together.
Result<Ledger::Committed> Ledger::LoadCommitted() const {
  Committed c;
  ASSIGN_OR_RETURN(auto size_value, Get(MetaKey(kMetaSize)));
  if (!size_value || size_value->size() != 8) return Status::Corruption("ledger has no size record");
  c.size = ReadBigEndian64(*size_value);
  if (c.size == 0) return Status::Corruption("ledger has no genesis");
  ASSIGN_OR_RETURN(auto after_last, Get(EntryKey(c.size)));
  if (after_last) return Status::Corruption("an entry exists past the recorded size " + std::to_string(c.size));
  ASSIGN_OR_RETURN(Bytes last, Entry(c.size - 1));
  ASSIGN_OR_RETURN(EntryView last_view, ParseEntry(last));
  c.last_recorded_at_ms = last_view.recorded_at_ms;
  ASSIGN_OR_RETURN(c.range, CompactRange::Load(c.size, Nodes()));
  // The key registry: replay the administrative events, the same code the writer runs.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  const std::string prefix(1, kPrefixAdmin);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    ASSIGN_OR_RETURN(const uint64_t seq, KeyNumber(it->key().ToStringView()));
    if (seq >= c.size) break;
    ASSIGN_OR_RETURN(Bytes bytes, Entry(seq));
    ASSIGN_OR_RETURN(EntryView view, ParseEntry(bytes));
    RETURN_IF_ERROR(c.registry.Authorize(view.envelope.public_key, *view.envelope.event, seq)
                        .WithContext("replaying key registry at seq " + std::to_string(seq)));
    c.registry.Apply(*view.envelope.event, seq);
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading key registry"));
  if (!c.registry.has_genesis()) return Status::Corruption("key registry has no genesis");
  return c;
}

void Ledger::Install(Committed c) {
  std::unique_lock lock(state_mutex_);
  range_ = std::move(c.range);
  registry_ = std::move(c.registry);
  last_recorded_at_ms_ = c.last_recorded_at_ms;
  origin_ = registry_.origin();
  size_.store(c.size, std::memory_order_release);
}

Status Ledger::Recover() {
  ASSIGN_OR_RETURN(Committed committed, LoadCommitted());
  Install(std::move(committed));
  return Status::Ok();
}

Status Ledger::Refresh() {
  if (secondary_dir_.empty()) return Status::InvalidArgument("the ledger is not open in follow mode");
  RETURN_IF_ERROR(FromRocks(db_->TryCatchUpWithPrimary(), "catching up with the writer"));
  ASSIGN_OR_RETURN(auto size_value, Get(MetaKey(kMetaSize)));
  if (size_value && size_value->size() == 8 && ReadBigEndian64(*size_value) == size()) return Status::Ok();
  return Recover();
}

Result<std::optional<std::string>> Ledger::Get(const std::string& key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  RETURN_IF_ERROR(FromRocks(s, "read"));
  return std::optional<std::string>(std::move(value));
}

PublicKey Ledger::ledger_public_key() const {
  std::shared_lock lock(state_mutex_);
  return registry_.ledger_public_key();
}

std::string Ledger::VerifierKey() const { return FormatVerifierKey(origin_, ledger_public_key()); }

KeyRegistry Ledger::registry() const {
  std::shared_lock lock(state_mutex_);
  return registry_;
}

Result<Bytes> Ledger::Entry(uint64_t seq) const {
  ASSIGN_OR_RETURN(auto value, Get(EntryKey(seq)));
  if (!value) return Status::NotFound("no entry at seq " + std::to_string(seq));
  Bytes bytes(value->begin(), value->end());
  auto view = ParseEntry(bytes);
  if (!view.ok()) return view.status().WithContext("entry " + std::to_string(seq));
  if (view->seq != seq) {
    return Status::Corruption("entry stored at seq " + std::to_string(seq) + " says seq " + std::to_string(view->seq));
  }
  return bytes;
}

NodeReader Ledger::Nodes() const {
  return [this](int level, uint64_t index) -> Result<Hash> {
    ASSIGN_OR_RETURN(auto value, Get(NodeKey(level, index)));
    if (!value || value->size() != kHashSize) {
      return Status::Corruption("tree node (" + std::to_string(level) + ", " + std::to_string(index) +
                                ") is missing or malformed");
    }
    Hash hash;
    std::copy(value->begin(), value->end(), hash.begin());
    return hash;
  };
}

Result<Hash> Ledger::LeafHash(uint64_t seq) const { return Nodes()(0, seq); }

static Status CheckTreeSize(uint64_t tree_size, uint64_t ledger_size) {
  if (tree_size > ledger_size) {
    return Status::InvalidArgument("tree size " + std::to_string(tree_size) + " is beyond the ledger's size " +
                                   std::to_string(ledger_size));
  }
  return Status::Ok();
}

Result<Hash> Ledger::Root(uint64_t tree_size) const {
  RETURN_IF_ERROR(CheckTreeSize(tree_size, size()));
  return MerkleRoot(tree_size, Nodes());
}

Result<std::vector<Hash>> Ledger::InclusionProof(uint64_t seq, uint64_t tree_size) const {
  RETURN_IF_ERROR(CheckTreeSize(tree_size, size()));
  return creditlog::InclusionProof(seq, tree_size, Nodes());
}

Result<std::vector<Hash>> Ledger::ConsistencyProof(uint64_t old_size, uint64_t new_size) const {
  RETURN_IF_ERROR(CheckTreeSize(new_size, size()));
  return creditlog::ConsistencyProof(old_size, new_size, Nodes());
}

Status Ledger::SetCheckpointKey(const SecretKey& key) {
  if (key.public_key() != ledger_public_key()) {
    return Status::PermissionDenied("this is not the ledger key named in genesis");
  }
  std::lock_guard lock(checkpoint_mutex_);
  checkpoint_key_ = key;
  return Status::Ok();
}

rocksdb::Status Ledger::SyncedWrite(rocksdb::WriteBatch& batch) {
  rocksdb::WriteOptions options;
  options.sync = true;
  std::lock_guard lock(db_write_mutex_);
  return db_->Write(options, &batch);
}

// Whether the tree of `size` with `root` extends the latest published checkpoint: proved with
// a consistency proof from the stored tree, not assumed from the in-memory one.
static Status CheckExtends(const Ledger& ledger, const Checkpoint& published, uint64_t size, const Hash& root) {
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

Result<std::string> Ledger::PublishCheckpoint() {
  std::lock_guard lock(checkpoint_mutex_);
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
  RETURN_IF_ERROR(RecordCheckpoint(checkpoint, note));
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
  std::lock_guard lock(checkpoint_mutex_);
  if (published_ && checkpoint.size <= published_->size) {
    // Older than what this ledger holds: keep it beside the others; the record stays.
    ASSIGN_OR_RETURN(Hash at, MerkleRoot(checkpoint.size, Nodes()));
    if (at != checkpoint.root) return Status::Corruption("checkpoint at size " + std::to_string(checkpoint.size) + ": a forked history");
    rocksdb::WriteBatch batch;
    batch.Put(CheckpointKey(checkpoint.size), note);
    return FromRocks(SyncedWrite(batch), "storing checkpoint");
  }
  if (published_) RETURN_IF_ERROR(CheckExtends(*this, *published_, checkpoint.size, checkpoint.root));
  return RecordCheckpoint(checkpoint, note);
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

Result<std::optional<uint64_t>> Ledger::FindEventId(std::string_view agency, std::string_view event_id) const {
  ASSIGN_OR_RETURN(auto value, Get(agency_event_ids_ ? AgencyEventIdKey(agency, event_id) : EventIdKey(event_id)));
  if (!value) return std::optional<uint64_t>();
  if (value->size() != 8) return Status::Corruption("event id index value is malformed");
  const uint64_t seq = ReadBigEndian64(*value);
  if (!agency_event_ids_) {
    // An older ledger opened read-only: ids were unique across agencies; match the signer's.
    ASSIGN_OR_RETURN(Bytes bytes, Entry(seq));
    ASSIGN_OR_RETURN(EntryView view, ParseEntry(bytes));
    const KeyRegistry keys = registry();
    if (view.envelope.event->body_type() != fb::EventBody::Genesis && keys.Find(view.envelope.public_key) == nullptr) {
      return Status::Corruption("entry " + std::to_string(seq) + " is signed by a key the registry does not know");
    }
    if (keys.AgencyOf(view.envelope.public_key, *view.envelope.event) != agency) return std::optional<uint64_t>();
  }
  return std::optional<uint64_t>(seq);
}

Status Ledger::VerifyStorage() const {
  RETURN_IF_ERROR(FromRocks(db_->VerifyChecksum(), "verifying the checksum of every block of every table file"));
  return FromRocks(db_->VerifyFileChecksums(rocksdb::ReadOptions()), "verifying every table file's whole-file checksum");
}

Result<uint64_t> Ledger::StreamVersion(std::string_view subject) const {
  ASSIGN_OR_RETURN(auto value, Get(StreamKey(subject)));
  if (!value) return uint64_t{0};
  if (value->size() != 8) return Status::Corruption("stream version is malformed");
  return ReadBigEndian64(*value);
}

Result<std::vector<uint64_t>> Ledger::StreamSeqs(std::string_view subject) const {
  std::vector<uint64_t> out;
  const std::string prefix = StreamIndexKey(subject, 0).substr(0, 1 + subject.size() + 1);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->value().size() != 8) return Status::Corruption("stream index value is malformed");
    out.push_back(ReadBigEndian64(it->value().ToStringView()));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading stream index"));
  return out;
}

Status Ledger::ForEachEntry(uint64_t from, uint64_t to,
                            const std::function<Status(uint64_t, ByteView)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  Bytes buffer;
  uint64_t expected = from;
  for (it->Seek(EntryKey(from)); expected < to; it->Next(), ++expected) {
    if (!it->Valid() || !it->key().starts_with(std::string(1, kPrefixEntry))) {
      RETURN_IF_ERROR(FromRocks(it->status(), "reading entries"));
      return Status::Corruption("entry " + std::to_string(expected) + " is missing");
    }
    ASSIGN_OR_RETURN(const uint64_t seq, KeyNumber(it->key().ToStringView()));
    if (seq != expected) return Status::Corruption("entry " + std::to_string(expected) + " is missing");
    // FlatBuffers reads need aligned memory; RocksDB's slices are not, so each entry is copied
    // into one reused (heap-aligned) buffer.
    const rocksdb::Slice value = it->value();
    buffer.assign(reinterpret_cast<const uint8_t*>(value.data()), reinterpret_cast<const uint8_t*>(value.data()) + value.size());
    RETURN_IF_ERROR(fn(seq, ByteView(buffer)));
  }
  return Status::Ok();
}

}  // namespace creditlog::ledger
