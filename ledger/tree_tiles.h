// The Merkle tree stored as hash tiles, the layout of C2SP tlog-tiles (docs/format.md): tile L
// holds the hashes of 256 consecutive complete subtrees at tree level 8L. A tile is stored once,
// in the write that fills it; every node between two tile levels is hashed from the tile below.
// What is not yet a full tile, the tree's right edge, is kept in memory (TreeEdge) and rebuilt
// on opening from the last entries and the stored tiles. A tree of n leaves stores about n/256
// keys instead of the 2n of one key per node.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "base/result.h"
#include "crypto/bytes.h"
#include "crypto/merkle.h"

namespace creditlog::ledger {

inline constexpr int kTreeTileHeight = 8;  // tree levels per tile level
inline constexpr uint64_t kTreeTileWidth = uint64_t{1} << kTreeTileHeight;  // hashes in a full tile
inline constexpr size_t kTreeTileBytes = kTreeTileWidth * kHashSize;
inline constexpr int kTreeTileLevelsMax = (kMerkleLevelsMax + kTreeTileHeight - 1) / kTreeTileHeight;

// The full tiles of tile level `tile_level` in a tree of `size` leaves.
uint64_t FullTiles(uint64_t size, int tile_level);

// The root of the complete subtree whose hashes, all at one level, are `hashes`.
// REQUIRES: hashes.size() is a power of two no larger than kTreeTileWidth (checked).
Hash FoldHashes(std::span<const Hash> hashes);

// A full stored tile's 256 hashes, tile (level, index); Corruption when it is missing or malformed.
using TileReader = std::function<Result<std::span<const Hash>>(int tile_level, uint64_t index)>;
// Receives a tile as it fills: its tile level, index and 256 hashes.
using TileSink = std::function<void(int tile_level, uint64_t index, std::span<const Hash> hashes)>;

// The right edge of a tree: at each tile level, the hashes after the last full tile. Each
// level's hashes are in a buffer that only grows until its tile is full and is then left
// behind for a new one, so a copy of the edge costs a few pointers, and a copy taken at size S
// reads only hashes that the writer, appending after S, never changes again.
class TreeEdge {
 public:
  TreeEdge() = default;

  // The edge of a tree of `size` leaves: the leaf hashes of the entries after the last full
  // level-0 tile from `leaves(first, end)`, each higher level's from the full tiles below it.
  static Result<TreeEdge> Load(uint64_t size,
                               const std::function<Result<std::vector<Hash>>(uint64_t first, uint64_t end)>& leaves,
                               const TileReader& tiles);

  uint64_t size() const { return size_; }
  // The hashes (8L, FullTiles(size, L) * 256 + i) of the partial tile at tile level L.
  std::span<const Hash> Partial(int tile_level) const;

  // One leaf appended: `finished` is what CompactRange::Append reported for it. Every tile it
  // fills goes to `full` before the edge leaves it behind.
  void Add(const std::vector<CompactRange::Node>& finished, const TileSink& full);

 private:
  struct Level {
    std::shared_ptr<std::array<Hash, kTreeTileWidth>> hashes;
    size_t count = 0;
  };
  void Push(int tile_level, const Hash& hash, const TileSink& full);

  uint64_t size_ = 0;
  std::vector<Level> levels_;
};

// The node (level, index) of the tree `edge` is the edge of: from the full tile that holds it
// (`tiles`) or from the edge. Corruption when the tree has no such node.
Result<Hash> TileNode(int level, uint64_t index, const TreeEdge& edge, const TileReader& tiles);

}  // namespace creditlog::ledger
