// The ledger: an append-only log of signed events in RocksDB, with an RFC 6962 Merkle tree
// over its entries and signed C2SP checkpoints.
//
// Guarantees (docs/format.md has the byte-level detail):
//   - An append is acknowledged only after its entry, tree nodes and indexes are on disk in one
//     synced RocksDB write; a crash loses no acknowledged event and leaves no half-written one.
//   - Sequence numbers start at 0 (Genesis) and equal Merkle leaf indexes.
//   - Appending checks, in this order: structure and fields, the author's signature (in the
//     caller's thread, so signature checks use every core), then in the single writer:
//     idempotency by event id, the key registry at that sequence number, the subject stream's
//     expected version. A rejected event changes nothing.
//   - Concurrent appends share one fsync (group commit, up to kCommitBatchEventsMax).
//   - If a write fails the writer stops: every later append fails Unavailable until the ledger
//     is reopened, and opening runs the same recovery as after a crash.
//   - Never rolled back, never two roots for one size: the latest published checkpoint is also
//     kept outside RocksDB (DIR/checkpoint, written durably before the checkpoint is stored or
//     returned). Opening fails with Corruption when the database no longer holds that
//     checkpoint's tree, and no checkpoint is signed that is not consistent with it.
//   - Event ids are scoped to the signing key's agency; the signer (key, permission,
//     jurisdiction) is checked before the id is looked up, so an answer never tells a key
//     that may not write an event whether its id exists.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "crypto/merkle.h"
#include "crypto/note.h"
#include "ledger/entry.h"
#include "ledger/personal_keys.h"
#include "ledger/registry.h"
#include "ledger/tree_tiles.h"

namespace rocksdb {
class DB;
class Env;
class Status;
class WriteBatch;
}  // namespace rocksdb

namespace creditlog::ledger {

struct GenesisParams {
  std::string origin;        // checkpoint origin and note key name
  std::string ledger_id;
  std::string office_uscc;   // the credit office that holds the root key
  std::string office_name;
  std::string created_date;  // YYYY-MM-DD
};

struct OpenOptions {
  bool read_only = false;  // no writer; safe beside a running writer process
  // With read_only: follow a writer process's commits; Refresh() catches up with them.
  bool follow = false;
  // Tests only: the RocksDB Env to run on (e.g. one that injects I/O faults). Must outlive
  // the ledger. Null: the default.
  rocksdb::Env* env = nullptr;
};

struct AppendResult {
  uint64_t seq = 0;
  uint64_t stream_version = 0;
  int64_t recorded_at_ms = 0;
  bool duplicate = false;  // the event id was already recorded with these bytes; nothing added
};

using AppendCallback = std::function<void(Result<AppendResult>)>;
using BatchCallback = std::function<void(std::vector<Result<AppendResult>>)>;

// `n` callbacks, one per append of a batch: once each has been called, `done` gets their
// results in order (at once for n == 0), in the thread of the last call.
std::vector<AppendCallback> CollectResults(size_t n, BatchCallback done);

// A refusal that says something about this node (its storage, its state: closing, a writer
// stopped) rather than about the event: never recorded as the stream message's outcome.
inline bool IsNodeFailure(StatusCode code) {
  return code == StatusCode::kIOError || code == StatusCode::kCorruption || code == StatusCode::kUnavailable;
}

// Cluster mode (docs/cluster.md): where a message sits in the replicated stream every node
// applies in the same order.
struct StreamPosition {
  uint64_t stream_seq = 0;     // the stream's sequence number of the message (from 1)
  int64_t stream_time_ms = 0;  // the time the stream stored it, as the stream recorded it
};

// What one group commit did, for metrics.
struct CommitStats {
  size_t events = 0;            // entries written (rejected and duplicate ones excluded)
  double write_seconds = 0;     // the one synced RocksDB write
  std::vector<uint8_t> types;   // fb::EventBody of each entry written
};
using CommitObserver = std::function<void(const CommitStats&)>;

// A check of each new event against everything recorded before it: the rules of the credit
// system that need the log's facts (projections/admission.h), which this layer does not know.
// Admit is called on the writer thread, in seq order, for each new event that passed every
// other check, right before it is staged; a refusal refuses that event alone and changes
// nothing. An admitted event is written unless its group commit fails, after which the writer
// stops (every later append fails until the ledger is reopened and a new guard loaded), so the
// guard never runs ahead of a log that goes on. Entries taken by a mirror are not admitted
// again: their primary admitted them.
class AppendGuard {
 public:
  virtual ~AppendGuard() = default;
  // `agency`: the USCC of the signing key's agency (ledger/registry.h).
  virtual Status Admit(const fb::Event& event, uint64_t seq, int64_t recorded_at_ms, std::string_view agency) = 0;
  // False once the guard can admit nothing more (what it checked against is gone): it then
  // refuses every event, and guarded() says false so that the next opener installs its own.
  virtual bool active() const { return true; }
};

class Ledger {
 public:
  // Creates a new ledger in `dir` (which must not hold one) with Genesis at seq 0, signed by
  // the root key; `ledger_key` is the public key that will sign checkpoints.
  static Result<std::unique_ptr<Ledger>> Create(const std::string& dir, const GenesisParams& params,
                                                const KeyPair& root, const PublicKey& ledger_key);
  static Result<std::unique_ptr<Ledger>> Open(const std::string& dir, OpenOptions options = {});
  ~Ledger();  // waits for queued appends to finish

  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Creates a mirror of another ledger in `dir` from that ledger's entry 0. A mirror takes
  // entries only through AppendMirrored, never new events.
  static Result<std::unique_ptr<Ledger>> CreateMirror(const std::string& dir, ByteView genesis_entry);

  // Enables PublishCheckpoint. PermissionDenied unless it is the key named in Genesis.
  Status SetCheckpointKey(const SecretKey& key);

  // Appends one signed Envelope. Structure, fields and signature are checked in the calling
  // thread; a full queue answers ResourceExhausted at once.
  std::future<Result<AppendResult>> AppendAsync(Bytes envelope);
  Result<AppendResult> Append(Bytes envelope);
  // Checks signatures on all cores, then appends in order, waiting for queue space.
  // One result per envelope, in order.
  std::vector<Result<AppendResult>> AppendBatch(std::vector<Bytes> envelopes);
  // Event-driven forms for servers: `done` runs on the writer thread after the durable commit,
  // or at once in the calling thread when the input is refused before queueing. Checks run in
  // the calling thread. A batch is queued whole or not at all (ResourceExhausted for every
  // envelope when the queue cannot take it all); `done` gets one result per envelope, in order.
  void AppendWithCallback(Bytes envelope, AppendCallback done);
  // AppendWithCallback for an envelope this process has just signed with a key it holds (the
  // access log records each read so): every check but verifying the signature, which would
  // cost more than making it (a debug build still verifies). `verify` checks the entry later.
  void AppendSignedHereWithCallback(Bytes envelope, AppendCallback done);
  void AppendManyWithCallback(std::vector<Bytes> envelopes, BatchCallback done);

  // Cluster mode: appends the envelope of the replicated stream's message at `position`, after
  // the last one applied (InvalidArgument otherwise, and for personal fields not sealed
  // already: PrepareForStream seals them on the node that took the write). Every input of the
  // append is a function of the stream and the log: the recorded time is max(stream time, the
  // last recorded time), and signed_at is checked against it, not against this machine's clock. Whatever the outcome — an entry, a
  // duplicate, a refusal at this position — the position is stored durably with it, a refusal
  // under 'x' with its reason, so that every node that applies the stream refuses alike and a
  // restarted node resumes after applied_stream_seq(). Waits for queue space.
  void AppendFromStream(Bytes envelope, StreamPosition position, AppendCallback done);
  // The last stream message applied (0: none), durable with it.
  uint64_t applied_stream_seq() const { return applied_stream_seq_.load(std::memory_order_acquire); }
  // Why the stream's message at `stream_seq` was refused; nullopt when it was not.
  Result<std::optional<std::string>> StreamRejection(uint64_t stream_seq) const;
  // The check a node makes before it publishes an envelope to the stream: every check of an
  // append that needs no log position (structure, fields, signature, signed_at against this
  // machine's clock) and (with `check_key`) the signer's key as of the log now. Returns the
  // envelope to publish: its personal fields sealed by this node's personal key store, as a
  // single node seals them before they reach a leaf (an envelope sealed already, with no
  // openings — another ledger's entry of this origin — as it is).
  Result<Bytes> PrepareForStream(Bytes envelope, bool check_key = true) const;

  // Mirrors: appends entries exactly as the primary wrote them, continuing at size(). Each is
  // checked as a new append would be (structure, signature, key registry, stream version,
  // idempotency, time order) and must rebuild byte for byte; the first that does not stops the
  // mirror with Corruption naming its seq. Entries before it are kept.
  Status AppendMirrored(std::vector<Bytes> entries);
  // Stores a checkpoint received from the primary: it must be signed by the ledger key for
  // this origin and its root must equal this tree's root at its size.
  Status StoreCheckpoint(const std::string& note);
  // A checkpoint note checked against this ledger's key and origin, then parsed.
  Result<Checkpoint> OpenCheckpoint(std::string_view note) const;
  bool is_mirror() const { return mirror_; }

  // Follow mode (OpenOptions::follow): catches up with the writer process's commits.
  Status Refresh();
  // Catch-ups that loaded the committed state whole rather than extend it by the new entries
  // (a changed layout, a shrunken log, or new entries that do not extend it).
  uint64_t refreshes_loaded_whole() const { return refreshes_loaded_whole_.load(std::memory_order_relaxed); }

  size_t queue_depth() const;
  // Called on the writer thread after every group commit. Set before appending.
  void SetCommitObserver(CommitObserver observer) { commit_observer_ = std::move(observer); }
  // Every new event from the next group commit on must pass `guard` (null: none).
  void SetAppendGuard(std::shared_ptr<AppendGuard> guard);
  bool guarded() const;
  // The personal key store (ledger/personal_keys.h). With one, each new envelope's personal
  // fields are sealed before it is queued, and an ErasureRecorded, once durable, destroys the
  // person's key before it is acknowledged. Without one, an event with a personal field is
  // refused: no plaintext personal value reaches a leaf. Set before appending.
  void SetPersonalKeys(std::shared_ptr<PersonalKeys> keys);
  std::shared_ptr<PersonalKeys> personal_keys() const;

  uint64_t size() const { return size_.load(std::memory_order_acquire); }
  const std::string& origin() const { return origin_; }
  PublicKey ledger_public_key() const;
  std::string VerifierKey() const;  // name+hash+base64 of the checkpoint key
  KeyRegistry registry() const;     // a snapshot

  // Reads verify what they return: every entry handed out, by Entry or ForEachEntry, has passed
  // ParseEntry (structure and canonical form of the entry and its envelope, ledger/entry.h)
  // and names the seq it is stored at; Corruption naming the seq otherwise. Neither read checks
  // the author's signature or the stored leaf hash: the audit does (ledger/audit.h).
  Result<Bytes> Entry(uint64_t seq) const;
  Result<Hash> LeafHash(uint64_t seq) const;
  Result<Hash> Root(uint64_t tree_size) const;
  Result<std::vector<Hash>> InclusionProof(uint64_t seq, uint64_t tree_size) const;
  Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size) const;
  // The tree's nodes as of now. A reader keeps the tile it read last: use one from one thread
  // at a time (each call of Nodes() makes a new one).
  NodeReader Nodes() const;
  // The 256 hashes of the full stored tile (tile_level, index) (ledger/tree_tiles.h);
  // Corruption when it is missing or malformed, NotFound for a ledger of older layout.
  Result<std::vector<Hash>> StoredTile(int tile_level, uint64_t index) const;
  // OK when the stored tile (tile_level, index) holds `hashes` (a tile the entries filled, as the
  // audit and a follower's catch-up recompute it); Corruption naming the tile otherwise.
  Status CheckStoredTile(int tile_level, uint64_t index, std::span<const Hash> hashes) const;
  // The same tile as stored: 256 × 32 bytes, as GET /tile/L/N serves it.
  Result<std::string> StoredTileBytes(int tile_level, uint64_t index) const;
  // The tree is stored as tiles ('t'), not one key per node (older ledgers, opened read-only).
  bool stores_tiles() const;

  // Signs and durably stores a checkpoint of the current tree unless the latest stored one
  // already has this size; returns the latest note. PermissionDenied before SetCheckpointKey.
  Result<std::string> PublishCheckpoint();
  Result<std::string> LatestCheckpoint() const;  // NotFound if none yet
  Result<std::vector<std::pair<uint64_t, std::string>>> Checkpoints() const;  // by size

  // The seq of the event `agency` (a USCC) recorded with this id, if any.
  Result<std::optional<uint64_t>> FindEventId(std::string_view agency, std::string_view event_id) const;
  Result<uint64_t> StreamVersion(std::string_view subject) const;
  // The seqs of a subject stream's events, oldest first.
  Result<std::vector<uint64_t>> StreamSeqs(std::string_view subject) const;

  // RocksDB's own checksums over every byte of the database's table files: every block's
  // checksum, and each file's whole-file checksum where one was recorded when it was written.
  Status VerifyStorage() const;
  // Where the latest published checkpoint is kept outside the database.
  std::string CheckpointRecordPath() const;

  // Calls fn(seq, entry bytes) for seq in [from, to), in order; stops at the first error. Each
  // entry is verified as Entry(seq) verifies it (see above) before fn sees it: one parse per
  // entry, on one pass of one iterator.
  Status ForEachEntry(uint64_t from, uint64_t to,
                      const std::function<Status(uint64_t, ByteView)>& fn) const;
  // The same, handing fn the entry as that verifying parse read it (view.seq is its seq) with
  // its bytes, so that a reader that needs the parse does not parse twice. Both are valid only
  // during the call.
  Status ForEachEntryView(uint64_t from, uint64_t to,
                          const std::function<Status(const EntryView&, ByteView)>& fn) const;

  struct Pending;  // internal (ledger/pending.h)

 private:
  Ledger() = default;
  // Open, after the seal (DIR/db-sealed) has been checked and, for a writer, removed.
  static Result<std::unique_ptr<Ledger>> OpenDatabase(const std::string& dir, OpenOptions options);
  Status Recover();
  // Checks the database against the latest published checkpoint (`record`: DIR/checkpoint's
  // text as read before the database was opened) and the database's own latest checkpoint;
  // a writable ledger repairs a record or stored checkpoint that a crash left one step behind.
  Status CheckPublished(const std::optional<std::string>& record);
  // Signs nothing: keeps `note` as the latest published checkpoint, in DIR/checkpoint first,
  // then in the database. REQUIRES: `held` holds checkpoint_mutex_ (checked).
  Status RecordCheckpoint(const std::unique_lock<std::mutex>& held, const Checkpoint& checkpoint,
                          const std::string& note);
  // Older ledgers: builds the agency-scoped event id index from the entries.
  Status RebuildEventIdIndex();
  // Older ledgers: stores the tree's nodes as tiles and drops the nodes.
  Status MigrateToTiles();
  // Nodes read through `edge` and the stored tiles, or the older layout's node keys.
  NodeReader NodesOf(std::optional<TreeEdge> edge) const;
  struct Committed;
  Result<Committed> LoadCommitted() const;
  // Follow mode: the committed state as installed, extended by the writer's entries up to
  // `size`, as its commits extended its own. REQUIRES: refresh_mutex_ held, size > size().
  Result<Committed> ExtendCommitted(uint64_t size) const;
  Result<KeyRegistry> ReplayRegistry(uint64_t size) const;
  Result<TreeEdge> LoadEdge(uint64_t size) const;
  void Install(Committed committed);
  Result<std::optional<std::string>> Get(const std::string& key) const;
  // AppendWithCallback and AppendSignedHereWithCallback.
  void Submit(Bytes envelope, bool signed_here, AppendCallback done);
  // Where an envelope comes from, for Prepare.
  enum class Intake {
    kClient,     // a new event: signed_at against this clock; personal fields sealed here
    kStream,     // the replicated stream (AppendFromStream): signed_at is checked by the writer
                 // against the recorded time; personal fields must arrive sealed
    kForStream,  // about to be published (PrepareForStream): as kClient, but an envelope sealed
                 // already, with no openings, is taken as the stream takes it
  };
  // `signed_here`: the envelope was signed in this process (AppendSignedHereWithCallback).
  Result<std::unique_ptr<Pending>> Prepare(Bytes envelope, bool signed_here = false, Intake intake = Intake::kClient) const;
  Status Enqueue(std::unique_ptr<Pending>& pending, bool wait_for_space);
  Status EnqueueAll(std::vector<std::unique_ptr<Pending>>& pending);
  Status CheckWritable() const;
  void WriterLoop();
  void CommitBatch(std::vector<std::unique_ptr<Pending>>& items);
  Result<AppendResult> Stage(Pending& item, uint64_t seq, struct BatchState& state,
                             rocksdb::WriteBatch& batch);
  void StartWriter();
  void StopWriter();

  // Writes |batch| with sync, after any other write to db_ has finished.
  rocksdb::Status SyncedWrite(rocksdb::WriteBatch& batch);

  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  // Every write to db_ goes through SyncedWrite, one at a time. RocksDB would merge a
  // checkpoint written from another thread into the writer's group commit; that is
  // correct, but its hand-off happens inside RocksDB, where ThreadSanitizer cannot see
  // it, and one writer at a time keeps the order of syncs plain.
  std::mutex db_write_mutex_;
  bool read_only_ = false;
  bool mirror_ = false;
  bool agency_event_ids_ = false;  // the 'd' index is complete (else the legacy 'i' one)
  std::string origin_;
  std::string secondary_dir_;  // follow mode: RocksDB's secondary instance files
  std::mutex refresh_mutex_;   // one Refresh at a time: each extends the state the last installed
  std::atomic<uint64_t> refreshes_loaded_whole_{0};
  CommitObserver commit_observer_;

  // Committed state. Written only by the writer thread under state_mutex_ after a
  // successful commit; readers take a shared lock.
  mutable std::shared_mutex state_mutex_;
  std::atomic<uint64_t> size_{0};
  std::atomic<uint64_t> applied_stream_seq_{0};  // written by the writer after its commit
  CompactRange range_;
  std::optional<TreeEdge> edge_;  // the tree's right edge; none for the older layout
  KeyRegistry registry_;
  int64_t last_recorded_at_ms_ = 0;
  std::optional<SecretKey> checkpoint_key_;
  std::mutex checkpoint_mutex_;
  // The latest published checkpoint and its note. GUARDED_BY(checkpoint_mutex_)
  std::optional<Checkpoint> published_;
  std::string published_note_;

  // The append queue. GUARDED_BY(queue_mutex_)
  mutable std::mutex queue_mutex_;
  std::condition_variable queue_ready_;   // an item arrived, or stopping
  std::condition_variable queue_space_;   // an item left the queue
  std::deque<std::unique_ptr<Pending>> queue_;
  bool stopping_ = false;
  Status writer_status_;  // non-OK once a write failed: the writer has stopped
  std::shared_ptr<AppendGuard> guard_;
  std::shared_ptr<PersonalKeys> personal_keys_;
  std::thread writer_;
};

}  // namespace creditlog::ledger
