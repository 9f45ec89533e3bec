// Recovery: the committed state loaded from the database, the same code after a clean close,
// after a crash, and when a follower catches up with the writer process.
//
// The committed state is exactly what the last successful WriteBatch left, because every batch
// carries its entries, nodes, indexes and "size" together (ledger/format.h).
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "events/event.h"
#include "ledger/format.h"
#include "ledger/ledger.h"
#include "ledger/rocks_status.h"

namespace creditlog::ledger {

struct Ledger::Committed {
  uint64_t size = 0;
  int64_t last_recorded_at_ms = 0;
  CompactRange range;
  std::optional<TreeEdge> edge;  // none: the older layout, a key per node
  KeyRegistry registry;
};

Result<Ledger::Committed> Ledger::LoadCommitted() const {
  Committed c;
  ASSIGN_OR_RETURN(auto size_value, Get(MetaKey(kMetaSize)));
  if (!size_value) return Status::Corruption("ledger has no size record");
  ASSIGN_OR_RETURN(c.size, DecodeU64(*size_value, "the ledger's size record"));
  if (c.size == 0) return Status::Corruption("ledger has no genesis");
  ASSIGN_OR_RETURN(auto after_last, Get(EntryKey(c.size)));
  if (after_last) return Status::Corruption("an entry exists past the recorded size " + std::to_string(c.size));
  ASSIGN_OR_RETURN(Bytes last, Entry(c.size - 1));
  ASSIGN_OR_RETURN(EntryView last_view, ParseEntry(last));
  c.last_recorded_at_ms = last_view.recorded_at_ms;
  ASSIGN_OR_RETURN(auto tree, Get(MetaKey(kMetaTree)));
  if (tree) {
    if (*tree != kMetaTreeTiles) return Status::Corruption("the ledger's tree layout '" + *tree + "' is not one this program knows");
    ASSIGN_OR_RETURN(c.edge, LoadEdge(c.size));
  }
  ASSIGN_OR_RETURN(c.range, CompactRange::Load(c.size, NodesOf(c.edge)));
  ASSIGN_OR_RETURN(c.registry, ReplayRegistry(c.size));
  // The origin names every signature and checkpoint: one that Create would have refused was
  // not written by this program.
  if (Status origin = ValidateOrigin(c.registry.origin()); !origin.ok()) {
    return Status::Corruption("genesis: " + origin.message());
  }
  return c;
}

// The tree's right edge: the last entries' leaf hashes hashed again, and the higher levels'
// partial tiles from the full tiles below them.
Result<TreeEdge> Ledger::LoadEdge(uint64_t size) const {
  const auto leaves = [&](uint64_t first, uint64_t end) -> Result<std::vector<Hash>> {
    std::vector<Hash> hashes;
    RETURN_IF_ERROR(ForEachEntry(first, end, [&](uint64_t, ByteView bytes) {
      hashes.push_back(MerkleLeafHash(bytes));
      return Status::Ok();
    }));
    return hashes;
  };
  std::vector<Hash> held;
  const auto tiles = [&](int tile_level, uint64_t index) -> Result<std::span<const Hash>> {
    ASSIGN_OR_RETURN(held, StoredTile(tile_level, index));
    return std::span<const Hash>(held);
  };
  return TreeEdge::Load(size, leaves, tiles);
}

// The key registry: the administrative events replayed, the same code the writer runs.
Result<KeyRegistry> Ledger::ReplayRegistry(uint64_t size) const {
  KeyRegistry registry;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  const std::string prefix(1, kPrefixAdmin);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    ASSIGN_OR_RETURN(const uint64_t seq, KeyNumber(it->key().ToStringView()));
    if (seq >= size) break;
    ASSIGN_OR_RETURN(Bytes bytes, Entry(seq));
    ASSIGN_OR_RETURN(EntryView view, ParseEntry(bytes));
    const std::string where = "replaying key registry at seq " + std::to_string(seq);
    RETURN_IF_ERROR(CheckRecordedFields(*view.envelope.event).WithContext(where));
    RETURN_IF_ERROR(registry.Authorize(view.envelope.public_key, *view.envelope.event, seq).WithContext(where));
    registry.Apply(*view.envelope.event, seq);
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading key registry"));
  if (!registry.has_genesis()) return Status::Corruption("key registry has no genesis");
  return registry;
}

void Ledger::Install(Committed c) {
  std::unique_lock lock(state_mutex_);
  range_ = std::move(c.range);
  edge_ = std::move(c.edge);
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
  // The writer may have turned an older ledger's nodes into tiles without appending: the nodes
  // this follower would read are gone, so the layout is compared as well as the size.
  ASSIGN_OR_RETURN(auto tree, Get(MetaKey(kMetaTree)));
  std::lock_guard refresh(refresh_mutex_);
  if (size_value && tree.has_value() == stores_tiles()) {
    auto size_now = DecodeU64(*size_value, "the ledger's size record");
    if (size_now.ok() && *size_now == size()) return Status::Ok();
    // The log grew: its new entries extend the tree, its edge and the key registry, where loading
    // them whole reads the edge's entries, the tiles and every administrative entry again.
    if (size_now.ok() && *size_now > size()) {
      auto extended = ExtendCommitted(*size_now);
      if (extended.ok()) {
        Install(std::move(*extended));
        return Status::Ok();
      }
    }
  }
  refreshes_loaded_whole_.fetch_add(1, std::memory_order_relaxed);
  return Recover();  // which names a missing or malformed size record or layout, or a bad entry
}

Result<Ledger::Committed> Ledger::ExtendCommitted(uint64_t size) const {
  Committed c;
  {
    std::shared_lock lock(state_mutex_);
    c.size = size_.load(std::memory_order_acquire);
    c.range = range_;
    c.edge = edge_;
    c.registry = registry_;
    c.last_recorded_at_ms = last_recorded_at_ms_;
  }
  ASSIGN_OR_RETURN(auto after_last, Get(EntryKey(size)));
  if (after_last) return Status::Corruption("an entry exists past the recorded size " + std::to_string(size));
  RETURN_IF_ERROR(ForEachEntryView(c.size, size, [&](const EntryView& view, ByteView bytes) -> Status {
    std::vector<CompactRange::Node> finished;
    c.range.Append(MerkleLeafHash(bytes), &finished);
    if (c.edge) {
      // Each tile the new entries fill was stored by the writer with them: one that differs means
      // the log this state was extended from is not the writer's (the whole load then reads it).
      Status tiles;
      c.edge->Add(finished, [&](int tile_level, uint64_t index, std::span<const Hash> hashes) {
        if (tiles.ok()) tiles = CheckStoredTile(tile_level, index, hashes);
      });
      RETURN_IF_ERROR(tiles);
    }
    const fb::Event& event = *view.envelope.event;
    if (events::IsAdministrative(event.body_type())) {  // what ReplayRegistry replays
      const std::string where = "replaying key registry at seq " + std::to_string(view.seq);
      RETURN_IF_ERROR(CheckRecordedFields(event).WithContext(where));
      RETURN_IF_ERROR(c.registry.Authorize(view.envelope.public_key, event, view.seq).WithContext(where));
      c.registry.Apply(event, view.seq);
    }
    c.last_recorded_at_ms = view.recorded_at_ms;
    return Status::Ok();
  }));
  c.size = size;
  return c;
}

// Older ledgers: ids were unique across agencies. Each entry's id is indexed under the agency
// of the key that signed it, in batches; the last batch switches the index over.
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
    const std::string where = "rebuilding the event id index at seq " + std::to_string(seq);
    RETURN_IF_ERROR(CheckRecordedFields(event).WithContext(where));
    RETURN_IF_ERROR(registry.Authorize(view.envelope.public_key, event, seq).WithContext(where));
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

// Older ledgers: a key per tree node. The nodes of each full tile become one tile key, in
// batches; the last batch switches the layout over and drops the nodes. A crash before it leaves
// the older layout whole, and the next opening writes the tiles again.
Status Ledger::MigrateToTiles() {
  const uint64_t size = this->size();
  const Hash root = [&] {
    std::shared_lock lock(state_mutex_);
    return range_.Root();
  }();
  rocksdb::WriteBatch batch;
  const auto flush = [&]() -> Status {
    RETURN_IF_ERROR(FromRocks(SyncedWrite(batch), "storing the tree as tiles"));
    batch.Clear();
    return Status::Ok();
  };
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  size_t tiles = 0;
  for (int tile_level = 0; tile_level < kTreeTileLevelsMax; ++tile_level) {
    const int level = tile_level * kTreeTileHeight;
    const uint64_t full = FullTiles(size, tile_level);
    for (uint64_t index = 0; index < full; ++index) {
      std::string tile;
      tile.reserve(kTreeTileBytes);
      const uint64_t first = index * kTreeTileWidth;
      it->Seek(NodeKey(level, first));
      for (uint64_t i = 0; i < kTreeTileWidth; ++i, it->Next()) {
        if (!it->Valid() || it->key() != rocksdb::Slice(NodeKey(level, first + i)) || it->value().size() != kHashSize) {
          RETURN_IF_ERROR(FromRocks(it->status(), "reading the tree's nodes"));
          return Status::Corruption("storing the tree as tiles: tree node (" + std::to_string(level) + ", " +
                                    std::to_string(first + i) + ") is missing or malformed");
        }
        tile.append(it->value().data(), kHashSize);
      }
      batch.Put(TileKey(tile_level, index), tile);
      if (++tiles % kTileMigrationBatchTiles == 0) RETURN_IF_ERROR(flush());
    }
  }
  it.reset();
  const std::string nodes_begin(1, kPrefixNode);
  const std::string nodes_end(1, static_cast<char>(kPrefixNode + 1));
  batch.Put(MetaKey(kMetaTree), kMetaTreeTiles);
  batch.DeleteRange(nodes_begin, nodes_end);
  RETURN_IF_ERROR(flush());
  // The nodes' space back now rather than at some later compaction.
  const rocksdb::Slice begin(nodes_begin);
  const rocksdb::Slice end(nodes_end);
  RETURN_IF_ERROR(FromRocks(db_->CompactRange(rocksdb::CompactRangeOptions(), &begin, &end), "dropping the tree's nodes"));
  RETURN_IF_ERROR(Recover());
  std::shared_lock lock(state_mutex_);
  if (range_.Root() != root) return Status::Corruption("the tree stored as tiles has another root than its nodes had");
  return Status::Ok();
}

}  // namespace creditlog::ledger
