// Reads and proofs. Creating and opening are in open.cc, recovery in recover.cc, checkpoints
// in checkpoints.cc, the append path in append.cc (the caller's side) and writer.cc.
#include "ledger/ledger.h"

#include <algorithm>
#include <cstring>

#include <rocksdb/db.h>

#include "ledger/format.h"
#include "ledger/rocks_status.h"

namespace creditlog::ledger {
namespace {

// What every read of a stored entry checks before handing it out: ParseEntry (structure and
// canonical form, ledger/entry.h) and the seq the entry names against the seq it is stored at.
// The entry stored at `seq`, parsed: its structure and canonical form checked, and the seq it
// names the one it is stored at.
Result<EntryView> ParseStoredEntry(uint64_t seq, ByteView bytes) {
  auto view = ParseEntry(bytes);
  if (!view.ok()) return view.status().WithContext("entry " + std::to_string(seq));
  if (view->seq != seq) {
    return Status::Corruption("entry stored at seq " + std::to_string(seq) + " says seq " + std::to_string(view->seq));
  }
  return view;
}

Status CheckTreeSize(uint64_t tree_size, uint64_t ledger_size) {
  if (tree_size > ledger_size) {
    return Status::InvalidArgument("tree size " + std::to_string(tree_size) + " is beyond the ledger's size " +
                                   std::to_string(ledger_size));
  }
  return Status::Ok();
}

}  // namespace

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
  RETURN_IF_ERROR(ParseStoredEntry(seq, bytes).status());
  return bytes;
}

Status Ledger::ForEachEntry(uint64_t from, uint64_t to,
                            const std::function<Status(uint64_t, ByteView)>& fn) const {
  return ForEachEntryView(from, to, [&](const EntryView& view, ByteView bytes) { return fn(view.seq, bytes); });
}

Status Ledger::ForEachEntryView(uint64_t from, uint64_t to,
                                const std::function<Status(const EntryView&, ByteView)>& fn) const {
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
    ASSIGN_OR_RETURN(const EntryView view, ParseStoredEntry(seq, buffer));
    RETURN_IF_ERROR(fn(view, ByteView(buffer)));
  }
  return Status::Ok();
}

NodeReader Ledger::Nodes() const {
  std::optional<TreeEdge> edge;
  {
    std::shared_lock lock(state_mutex_);
    edge = edge_;
  }
  return NodesOf(std::move(edge));
}

bool Ledger::stores_tiles() const {
  std::shared_lock lock(state_mutex_);
  return edge_.has_value();
}

Result<std::string> Ledger::StoredTileBytes(int tile_level, uint64_t index) const {
  ASSIGN_OR_RETURN(auto value, Get(TileKey(tile_level, index)));
  if (!value || value->size() != kTreeTileBytes) {
    if (!value && !stores_tiles()) return Status::NotFound("the ledger stores its tree as nodes, not tiles");
    return Status::Corruption("hash tile (" + std::to_string(tile_level) + ", " + std::to_string(index) +
                              ") is missing or malformed");
  }
  return std::move(*value);
}

Result<std::vector<Hash>> Ledger::StoredTile(int tile_level, uint64_t index) const {
  ASSIGN_OR_RETURN(const std::string bytes, StoredTileBytes(tile_level, index));
  std::vector<Hash> hashes(kTreeTileWidth);
  std::memcpy(hashes.data(), bytes.data(), kTreeTileBytes);
  return hashes;
}

Status Ledger::CheckStoredTile(int tile_level, uint64_t index, std::span<const Hash> hashes) const {
  ASSIGN_OR_RETURN(const std::string bytes, StoredTileBytes(tile_level, index));
  if (bytes.size() != hashes.size_bytes() || std::memcmp(bytes.data(), hashes.data(), bytes.size()) != 0) {
    return Status::Corruption("stored hash tile (" + std::to_string(tile_level) + ", " + std::to_string(index) +
                              ") does not match the entries");
  }
  return Status::Ok();
}

NodeReader Ledger::NodesOf(std::optional<TreeEdge> edge) const {
  if (!edge) {
    // The older layout: a key per node.
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
  // A proof or a root reads a few nodes of the same tiles: the last tile read is kept.
  struct LastTile {
    int tile_level = -1;
    uint64_t index = 0;
    std::vector<Hash> hashes;
  };
  return [this, edge = std::move(*edge), last = LastTile{}](int level, uint64_t index) mutable -> Result<Hash> {
    return TileNode(level, index, edge, [&](int tile_level, uint64_t tile) -> Result<std::span<const Hash>> {
      if (last.tile_level != tile_level || last.index != tile) {
        ASSIGN_OR_RETURN(last.hashes, StoredTile(tile_level, tile));
        last.tile_level = tile_level;
        last.index = tile;
      }
      return std::span<const Hash>(last.hashes);
    });
  };
}

Result<Hash> Ledger::LeafHash(uint64_t seq) const { return Nodes()(0, seq); }

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

Result<std::optional<uint64_t>> Ledger::FindEventId(std::string_view agency, std::string_view event_id) const {
  ASSIGN_OR_RETURN(auto value, Get(agency_event_ids_ ? AgencyEventIdKey(agency, event_id) : EventIdKey(event_id)));
  if (!value) return std::optional<uint64_t>();
  ASSIGN_OR_RETURN(const uint64_t seq, DecodeU64(*value, "event id index value"));
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

Result<uint64_t> Ledger::StreamVersion(std::string_view subject) const {
  ASSIGN_OR_RETURN(auto value, Get(StreamKey(subject)));
  if (!value) return uint64_t{0};
  return DecodeU64(*value, "stream version");
}

Result<std::vector<uint64_t>> Ledger::StreamSeqs(std::string_view subject) const {
  std::vector<uint64_t> out;
  const std::string prefix = StreamIndexKey(subject, 0).substr(0, 1 + subject.size() + 1);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    ASSIGN_OR_RETURN(const uint64_t seq, DecodeU64(it->value().ToStringView(), "stream index value"));
    out.push_back(seq);
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading stream index"));
  return out;
}

Status Ledger::VerifyStorage() const {
  RETURN_IF_ERROR(FromRocks(db_->VerifyChecksum(), "verifying the checksum of every block of every table file"));
  return FromRocks(db_->VerifyFileChecksums(rocksdb::ReadOptions()), "verifying every table file's whole-file checksum");
}

}  // namespace creditlog::ledger
