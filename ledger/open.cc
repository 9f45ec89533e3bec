// Creating, opening and closing a ledger. Opening runs the same recovery after a clean close
// and after a crash (recover.cc), then checks the database against the latest published
// checkpoint (checkpoints.cc) before anything is read or written.
#include <unistd.h>

#include <filesystem>

#include <rocksdb/db.h>
#include <rocksdb/file_checksum.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/write_batch.h>

#include "base/file.h"
#include "ledger/format.h"
#include "ledger/ledger.h"
#include "ledger/pending.h"  // ~Ledger destroys the queue
#include "ledger/rocks_status.h"
#include "ledger/seal.h"

namespace creditlog::ledger {
namespace {

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

// The family of a stored key, for the memtable's insert hints: its prefix byte, and for a tree
// node the level byte after it (NodeKey), since an entry's nodes at different levels are written
// in turn and each level's are written in increasing order. Memory only: not a table option, and
// nothing on disk depends on it.
class KeyFamily : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "creditlog.KeyFamily"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const size_t n = (key[0] == kPrefixNode || key[0] == kPrefixTile) && key.size() >= 2 ? 2 : 1;
    return rocksdb::Slice(key.data(), n);
  }
  bool InDomain(const rocksdb::Slice& key) const override { return !key.empty(); }
};

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
  // Entries and each level's tree nodes are written in increasing key order within their
  // family: inserting each next to the last one of its family skips the memtable's skiplist
  // search, which was most of the writer's time.
  options.memtable_insert_with_hint_prefix_extractor = std::make_shared<KeyFamily>();
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

// DIR/checkpoint's text, if there is one. Read before the database is opened: a writer
// publishes a checkpoint only after committing what it covers, so a database opened after
// reading the record holds at least the record's entries.
Result<std::optional<std::string>> ReadCheckpointRecord(const std::string& record_path) {
  auto text = ReadSmallFile(record_path, kCheckpointRecordBytesMax);
  if (text.ok()) return std::optional<std::string>(std::move(*text));
  if (text.status().code() == StatusCode::kNotFound) return std::optional<std::string>();
  return Status::Corruption(record_path + ": the checkpoint record cannot be read: " + text.status().message());
}

// Opens DIR/db as asked: a writer, a read-only look, or a follower (a RocksDB secondary
// instance that reads beside the writer process and catches up on Refresh(), its own files in
// `secondary_dir`, which this sets).
Result<std::unique_ptr<rocksdb::DB>> OpenRocks(const std::string& dir, const OpenOptions& open_options,
                                               std::string* secondary_dir) {
  rocksdb::Options options = DatabaseOptions();
  if (open_options.env != nullptr) options.env = open_options.env;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (open_options.read_only && open_options.follow) {
    options.max_open_files = -1;
    *secondary_dir = (std::filesystem::temp_directory_path() /
                      ("creditlog-follow-" + std::to_string(::getpid()) + "-" + std::to_string(NowMs()))).string();
    s = rocksdb::DB::OpenAsSecondary(options, dir + "/db", *secondary_dir, &raw);
  } else if (open_options.read_only) {
    s = rocksdb::DB::OpenForReadOnly(options, dir + "/db", &raw);
  } else {
    s = rocksdb::DB::Open(options, dir + "/db", &raw);
  }
  if (s.IsPathNotFound()) {
    // dir/db exists (checked before): a file the database itself names is gone.
    return Status::Corruption("opening ledger in " + dir + ": a file of the database is missing: " +
                              (s.getState() != nullptr ? std::string(s.getState()) : s.ToString()));
  }
  RETURN_IF_ERROR(FromRocks(s, "opening ledger in " + dir));
  return std::unique_ptr<rocksdb::DB>(raw);
}

// A database too damaged to read back (its log deleted, say) while a checkpoint has been
// published: names what was published. The record's signature cannot be checked without the
// genesis entry, so this only reads its size.
Status UnreadableDatabase(const std::string& dir, const std::string& record_path,
                          const std::optional<std::string>& record, const Status& recovered) {
  auto named = record ? ParseCheckpoint(record->substr(0, record->find("\n\n") + 1)) : Result<Checkpoint>(Status::NotFound(""));
  if (!named.ok()) return recovered.WithContext("opening ledger in " + dir);
  return Status::Corruption("opening ledger in " + dir + ": the ledger has been rolled back: " + record_path +
                            " names a published checkpoint of " + std::to_string(named->size) +
                            " entries, but the database cannot be read back to it (" + recovered.message() +
                            "); refusing to open. Restore the database from a backup holding at least " +
                            std::to_string(named->size) + " entries (docs/security.md)");
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
  mark.Put(MetaKey(kMetaTree), kMetaTreeTiles);
  RETURN_IF_ERROR(FromRocks(ledger->SyncedWrite(mark), "creating the ledger"));
  ledger->agency_event_ids_ = true;
  ledger->edge_.emplace();
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
  RETURN_IF_ERROR(CheckRecordedFields(*genesis.envelope.event).WithContext("seq 0"));
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
  mark.Put(MetaKey(kMetaTree), kMetaTreeTiles);
  RETURN_IF_ERROR(FromRocks(ledger->SyncedWrite(mark), "marking the mirror"));
  ledger->agency_event_ids_ = true;
  ledger->edge_.emplace();
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
  const std::string record_path = dir + "/" + std::string(kCheckpointRecordFile);
  ASSIGN_OR_RETURN(const std::optional<std::string> record, ReadCheckpointRecord(record_path));
  std::unique_ptr<Ledger> ledger(new Ledger());
  ASSIGN_OR_RETURN(ledger->db_, OpenRocks(dir, open_options, &ledger->secondary_dir_));
  ledger->dir_ = dir;
  ledger->read_only_ = open_options.read_only;
  ASSIGN_OR_RETURN(auto mirror, ledger->Get(MetaKey(kMetaMirror)));
  ledger->mirror_ = mirror.has_value();
  if (Status recovered = ledger->Recover(); !recovered.ok()) {
    return UnreadableDatabase(dir, record_path, record, recovered);
  }
  ASSIGN_OR_RETURN(auto event_ids, ledger->Get(MetaKey(kMetaEventIds)));
  ledger->agency_event_ids_ = event_ids && *event_ids == kMetaEventIdsAgency;
  RETURN_IF_ERROR(ledger->CheckPublished(record).WithContext("opening ledger in " + dir));
  if (!ledger->read_only_ && !ledger->agency_event_ids_) RETURN_IF_ERROR(ledger->RebuildEventIdIndex());
  if (!ledger->read_only_ && !ledger->stores_tiles()) RETURN_IF_ERROR(ledger->MigrateToTiles());
  ASSIGN_OR_RETURN(auto stream_seq, ledger->Get(MetaKey(kMetaStreamSeq)));
  if (stream_seq) {
    ASSIGN_OR_RETURN(uint64_t applied, DecodeU64(*stream_seq, "the last stream message applied"));
    ledger->applied_stream_seq_.store(applied, std::memory_order_release);
  }
  if (!ledger->read_only_) ledger->StartWriter();
  return ledger;
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

}  // namespace creditlog::ledger
