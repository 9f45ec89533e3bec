// The on-disk layout of a ledger in RocksDB (see docs/format.md). One key space, each kind of
// record under its own one-byte prefix; integers are big-endian so that keys sort by number.
//
//   'e' seq                      → Entry bytes (ledger/entry.fbs): the leaf `seq`
//   'n' level index              → 32-byte hash of the complete subtree (level, index);
//                                  level 0 holds the leaf hashes
//   'i' event_id                 → seq of the event with that client-chosen id
//   's' subject                  → the subject stream's version (number of its events)
//   'v' subject 0x00 version     → seq of that version of the stream
//   'a' seq                      → "" : seq holds a ledger-administration event (key registry)
//   'c' size                     → signed checkpoint note for that tree size
//   'm' name                     → metadata: "size" (tree size), "mirror" (a mirror's mark)
//
// Every entry's write — entry, nodes, indexes, size — is one RocksDB WriteBatch written with
// sync=true: after a crash either all of it is there or none of it is.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace creditlog::ledger {

inline constexpr char kPrefixEntry = 'e';
inline constexpr char kPrefixNode = 'n';
inline constexpr char kPrefixEventId = 'i';
inline constexpr char kPrefixStream = 's';
inline constexpr char kPrefixStreamIndex = 'v';
inline constexpr char kPrefixAdmin = 'a';
inline constexpr char kPrefixCheckpoint = 'c';
inline constexpr char kPrefixMeta = 'm';

inline constexpr std::string_view kMetaSize = "size";
inline constexpr std::string_view kMetaOrigin = "origin";
inline constexpr std::string_view kMetaMirror = "mirror";  // present: this ledger mirrors another

// Group commit: at most this many events share one synced write. 1,000 is where RocksDB's
// durable batch throughput on this class of machine stops improving (MACHINE-LIMITS.md).
inline constexpr size_t kCommitBatchEventsMax = 1000;
// Appends waiting for the writer; a full queue answers ResourceExhausted (HTTP 429).
inline constexpr size_t kPendingAppendsMax = 16384;
// Threads verifying signatures for batch appends and audits.
inline constexpr unsigned kVerifyThreadsMax = 16;
inline constexpr size_t kOriginBytesMax = 255;

std::string EntryKey(uint64_t seq);
std::string NodeKey(int level, uint64_t index);
std::string EventIdKey(std::string_view event_id);
std::string StreamKey(std::string_view subject);
std::string StreamIndexKey(std::string_view subject, uint64_t version);
std::string AdminKey(uint64_t seq);
std::string CheckpointKey(uint64_t size);
std::string MetaKey(std::string_view name);

void AppendBigEndian64(std::string* out, uint64_t value);
// REQUIRES: bytes.size() >= 8
uint64_t ReadBigEndian64(std::string_view bytes);
std::string EncodeU64(uint64_t value);

int64_t NowMs();

}  // namespace creditlog::ledger
