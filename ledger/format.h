// The on-disk layout of a ledger in RocksDB (see docs/format.md). One key space, each kind of
// record under its own one-byte prefix; integers are big-endian so that keys sort by number.
//
//   'e' seq                      → Entry bytes (ledger/entry.fbs): the leaf `seq`
//   't' L index                  → a full hash tile (ledger/tree_tiles.h): the 256 hashes
//                                  of nodes (8L, index*256 .. index*256+255), 32 bytes each
//   'n' level index              → older ledgers: 32-byte hash of the complete subtree
//                                  (level, index), level 0 the leaf hashes; turned into tiles
//                                  when such a ledger is first opened for writing
//   'd' agency 0x00 event_id     → seq of the event with that client-chosen id, recorded by
//                                  that agency (the USCC of the signing key's agency)
//   'i' event_id                 → seq (ledgers from before agency-scoped ids; rebuilt as 'd'
//                                  when such a ledger is first opened for writing)
//   's' subject                  → the subject stream's version (number of its events)
//   'v' subject 0x00 version     → seq of that version of the stream
//   'a' seq                      → "" : seq holds a ledger-administration event (key registry)
//   'c' size                     → signed checkpoint note for that tree size
//   'm' name                     → metadata: "size" (tree size), "mirror" (a mirror's mark),
//                                  "event_ids" ("agency" once ids are agency-scoped),
//                                  "record" (this ledger keeps DIR/checkpoint),
//                                  "tree" ("tiles" once the tree is stored as tiles),
//                                  "stream_seq" (cluster mode: the last message of the
//                                  replicated stream applied, docs/cluster.md)
//   'x' stream_seq               → cluster mode: why the stream's message at stream_seq was
//                                  refused at its position (every node refuses it alike)
//
// Every entry's write — entry, the tile it fills if it fills one, indexes, size — is one
// RocksDB WriteBatch written with sync=true: after a crash either all of it is there or none
// of it is. The hashes not yet in a full tile are not stored: opening hashes them again from
// the last (at most 255) entries and the stored tiles.
//
// Outside RocksDB, DIR/checkpoint holds the latest published checkpoint (a signed note),
// written durably before the checkpoint is stored or served. Opening checks the database
// against it, so a database that lost acknowledged entries (a damaged or deleted write-ahead
// log, a removed table file, an old copy restored) refuses to open instead of shrinking.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"

namespace creditlog::ledger {

inline constexpr char kPrefixEntry = 'e';
inline constexpr char kPrefixTile = 't';
inline constexpr char kPrefixNode = 'n';  // legacy: one key per tree node
inline constexpr char kPrefixAgencyEventId = 'd';
inline constexpr char kPrefixEventId = 'i';  // legacy: unscoped event ids
inline constexpr char kPrefixStream = 's';
inline constexpr char kPrefixStreamIndex = 'v';
inline constexpr char kPrefixAdmin = 'a';
inline constexpr char kPrefixCheckpoint = 'c';
inline constexpr char kPrefixMeta = 'm';
inline constexpr char kPrefixStreamRejected = 'x';

inline constexpr std::string_view kMetaSize = "size";
inline constexpr std::string_view kMetaOrigin = "origin";
inline constexpr std::string_view kMetaMirror = "mirror";  // present: this ledger mirrors another
inline constexpr std::string_view kMetaEventIds = "event_ids";  // "agency": the 'd' index is complete
inline constexpr std::string_view kMetaEventIdsAgency = "agency";
inline constexpr std::string_view kMetaRecord = "record";  // present: DIR/checkpoint is kept
inline constexpr std::string_view kMetaTree = "tree";  // "tiles": the tree is stored as 't' tiles
inline constexpr std::string_view kMetaTreeTiles = "tiles";
inline constexpr std::string_view kMetaStreamSeq = "stream_seq";

// The checkpoint record beside the database, and the most it may hold.
inline constexpr std::string_view kCheckpointRecordFile = "checkpoint";
inline constexpr size_t kCheckpointRecordBytesMax = 4096;
// Written when a writable ledger closes cleanly: the SHA-256 of each of RocksDB's own files
// that no RocksDB checksum covers whole (CURRENT, IDENTITY, MANIFEST-*, write-ahead logs), so
// that a byte flipped in them while the ledger is closed is caught; removed when a writer opens.
inline constexpr std::string_view kSealFile = "db-sealed";
inline constexpr size_t kSealBytesMax = 64 * 1024;
inline constexpr size_t kSealedFileBytesMax = size_t{1} << 30;  // RocksDB's MANIFEST limit
// Rebuilding the agency-scoped event id index of an older ledger: entries per write.
inline constexpr size_t kIndexRebuildBatchEntries = 10000;
// Turning an older ledger's tree nodes into tiles: tiles per write (8 KiB each).
inline constexpr size_t kTileMigrationBatchTiles = 256;
// A new event's signed_at_ms must lie within this window around the writer's clock. Agencies
// sign just before submitting; a month covers signing offline and carrying the file over.
inline constexpr int64_t kSignedAtPastMaxMs = int64_t{31} * 24 * 3600 * 1000;
inline constexpr int64_t kSignedAtFutureMaxMs = int64_t{10} * 60 * 1000;  // clock skew
// Group commit: at most this many events share one synced write; benchmarks/bench_ledger.cc
// measures RocksDB's synced batches of this size as the writer's ceiling.
inline constexpr size_t kCommitBatchEventsMax = 1000;
// Appends waiting for the writer; a full queue answers ResourceExhausted (HTTP 429).
inline constexpr size_t kPendingAppendsMax = 16384;
// Threads verifying signatures for batch appends and audits.
inline constexpr unsigned kVerifyThreadsMax = 16;
inline constexpr size_t kOriginBytesMax = 255;

std::string EntryKey(uint64_t seq);
std::string TileKey(int tile_level, uint64_t index);
std::string NodeKey(int level, uint64_t index);  // legacy
std::string EventIdKey(std::string_view event_id);  // legacy
std::string AgencyEventIdKey(std::string_view agency, std::string_view event_id);
std::string StreamKey(std::string_view subject);
std::string StreamIndexKey(std::string_view subject, uint64_t version);
std::string AdminKey(uint64_t seq);
std::string CheckpointKey(uint64_t size);
std::string MetaKey(std::string_view name);
std::string StreamRejectedKey(uint64_t stream_seq);

void AppendBigEndian64(std::string* out, uint64_t value);
// The first 8 bytes, big-endian. REQUIRES: bytes.size() >= 8 (checked). Bytes read from disk
// go through DecodeU64 or KeyNumber, which answer Corruption instead.
uint64_t ReadBigEndian64(std::string_view bytes);
std::string EncodeU64(uint64_t value);
// A stored value written by EncodeU64; Corruption naming `what` unless it has exactly 8 bytes.
Result<uint64_t> DecodeU64(std::string_view value, std::string_view what);
// The number in the 8 bytes after a key's one-byte prefix; Corruption for a malformed key.
Result<uint64_t> KeyNumber(std::string_view key);

// An origin (the checkpoint origin line and note key name): 1..kOriginBytesMax bytes of
// printable ASCII without spaces or '+'. InvalidArgument naming what is wrong.
Status ValidateOrigin(std::string_view origin);

using creditlog::NowMs;  // the one clock (base/clock.h)

}  // namespace creditlog::ledger
