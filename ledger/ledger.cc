// Opening, recovery, reads, proofs and checkpoints. The append path is in writer.cc.
#include "ledger/ledger.h"

#include <filesystem>

#include <unistd.h>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/write_batch.h>

#include "crypto/note.h"
#include "ledger/format.h"
#include "ledger/pending.h"

namespace creditlog::ledger {
namespace {

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  std::string message = std::string(what) + ": " + s.ToString();
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
  RETURN_IF_ERROR(events::ValidateEvent(*parsed).WithContext("genesis"));
  return events::SignEnvelope(event, root.secret_key, params.origin);
}

rocksdb::Options DatabaseOptions() {
  rocksdb::Options options;
  options.create_if_missing = false;
  options.paranoid_checks = true;
  options.IncreaseParallelism(2);
  // Entries, tree nodes and stream indexes are written in increasing key order within their
  // one-byte prefix: inserting each next to the last one of its prefix skips the memtable's
  // skiplist search, which was most of the writer's time.
  options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
  return options;
}

// A new, empty database in DIR/db; fails if one exists.
Result<std::unique_ptr<rocksdb::DB>> CreateDatabase(const std::string& dir) {
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

}  // namespace

Result<std::unique_ptr<Ledger>> Ledger::Create(const std::string& dir, const GenesisParams& params,
                                               const KeyPair& root, const PublicKey& ledger_key) {
  RETURN_IF_ERROR(ValidateOrigin(params.origin));
  ASSIGN_OR_RETURN(Bytes genesis, BuildGenesis(params, root, ledger_key));
  std::unique_ptr<Ledger> ledger(new Ledger());
  ASSIGN_OR_RETURN(ledger->db_, CreateDatabase(dir));
  ledger->origin_ = params.origin;
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
  ledger->origin_ = origin;
  ledger->mirror_ = true;
  rocksdb::WriteBatch mark;
  mark.Put(MetaKey(kMetaMirror), "1");
  RETURN_IF_ERROR(FromRocks(ledger->SyncedWrite(mark), "marking the mirror"));
  ledger->StartWriter();
  RETURN_IF_ERROR(ledger->AppendMirrored({Bytes(genesis_entry.begin(), genesis_entry.end())}));
  return ledger;
}

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::string& dir, OpenOptions open_options) {
  if (!std::filesystem::exists(dir + "/db")) return Status::NotFound("no ledger in " + dir);
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
  RETURN_IF_ERROR(FromRocks(s, "opening ledger in " + dir));
  ledger->db_.reset(raw);
  ledger->read_only_ = open_options.read_only;
  ASSIGN_OR_RETURN(auto mirror, ledger->Get(MetaKey(kMetaMirror)));
  ledger->mirror_ = mirror.has_value();
  RETURN_IF_ERROR(ledger->Recover());
  if (!ledger->read_only_) ledger->StartWriter();
  return ledger;
}

Ledger::~Ledger() {
  StopWriter();
  db_.reset();
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
    const uint64_t seq = ReadBigEndian64(it->key().ToStringView().substr(1));
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

Status Ledger::WriteCheckpoint(uint64_t size, const std::string& note) {
  rocksdb::WriteBatch batch;
  batch.Put(CheckpointKey(size), note);
  return FromRocks(SyncedWrite(batch), "storing checkpoint");
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
  ASSIGN_OR_RETURN(auto existing, Get(CheckpointKey(checkpoint.size)));
  if (existing) return *existing;
  ASSIGN_OR_RETURN(std::string note, SignNote(FormatCheckpoint(checkpoint), origin_, *checkpoint_key_));
  RETURN_IF_ERROR(WriteCheckpoint(checkpoint.size, note));
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
  return WriteCheckpoint(checkpoint.size, note);
}

Result<std::vector<std::pair<uint64_t, std::string>>> Ledger::Checkpoints() const {
  std::vector<std::pair<uint64_t, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  const std::string prefix(1, kPrefixCheckpoint);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    out.emplace_back(ReadBigEndian64(it->key().ToStringView().substr(1)), it->value().ToString());
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

Result<std::optional<uint64_t>> Ledger::FindEventId(std::string_view event_id) const {
  ASSIGN_OR_RETURN(auto value, Get(EventIdKey(event_id)));
  if (!value) return std::optional<uint64_t>();
  if (value->size() != 8) return Status::Corruption("event id index value is malformed");
  return std::optional<uint64_t>(ReadBigEndian64(*value));
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
    const uint64_t seq = ReadBigEndian64(it->key().ToStringView().substr(1));
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
