#include "ledger/tree_tiles.h"

#include <bit>
#include <string>

#include "base/check.h"

namespace creditlog::ledger {
namespace {

int TreeLevelOf(int tile_level) { return tile_level * kTreeTileHeight; }

}  // namespace

uint64_t FullTiles(uint64_t size, int tile_level) {
  const int level = TreeLevelOf(tile_level);
  if (level >= kMerkleLevelsMax) return 0;
  return (size >> level) >> kTreeTileHeight;
}

Hash FoldHashes(std::span<const Hash> hashes) {
  CREDITLOG_CHECK(!hashes.empty() && hashes.size() <= kTreeTileWidth && std::has_single_bit(hashes.size()));
  if (hashes.size() == 1) return hashes[0];
  std::array<Hash, kTreeTileWidth / 2> folded;
  size_t n = hashes.size() / 2;
  for (size_t i = 0; i < n; ++i) folded[i] = MerkleNodeHash(hashes[2 * i], hashes[2 * i + 1]);
  for (; n > 1; n /= 2) {
    for (size_t i = 0; i < n / 2; ++i) folded[i] = MerkleNodeHash(folded[2 * i], folded[2 * i + 1]);
  }
  return folded[0];
}

Result<TreeEdge> TreeEdge::Load(uint64_t size,
                                const std::function<Result<std::vector<Hash>>(uint64_t first, uint64_t end)>& leaves,
                                const TileReader& tiles) {
  TreeEdge edge;
  edge.size_ = size;
  for (int tile_level = 0; tile_level < kTreeTileLevelsMax; ++tile_level) {
    const uint64_t nodes = size >> TreeLevelOf(tile_level);  // complete subtrees at level 8L
    if (nodes == 0) break;
    const uint64_t first = FullTiles(size, tile_level) * kTreeTileWidth;
    std::vector<Hash> partial;
    if (tile_level == 0) {
      ASSIGN_OR_RETURN(partial, leaves(first, nodes));
      if (partial.size() != nodes - first) {
        return Status::Corruption("the tree's edge: " + std::to_string(partial.size()) + " leaf hashes for entries " +
                                  std::to_string(first) + ".." + std::to_string(nodes - 1));
      }
    } else {
      for (uint64_t index = first; index < nodes; ++index) {
        ASSIGN_OR_RETURN(std::span<const Hash> below, tiles(tile_level - 1, index));
        partial.push_back(FoldHashes(below));
      }
    }
    Level& level = edge.levels_.emplace_back();
    level.hashes = std::make_shared<std::array<Hash, kTreeTileWidth>>();
    std::copy(partial.begin(), partial.end(), level.hashes->begin());
    level.count = partial.size();
  }
  return edge;
}

std::span<const Hash> TreeEdge::Partial(int tile_level) const {
  if (tile_level < 0 || static_cast<size_t>(tile_level) >= levels_.size()) return {};
  const Level& level = levels_[static_cast<size_t>(tile_level)];
  if (level.hashes == nullptr) return {};
  return std::span<const Hash>(level.hashes->data(), level.count);
}

void TreeEdge::Add(const std::vector<CompactRange::Node>& finished, const TileSink& full) {
  for (const CompactRange::Node& node : finished) {
    if (node.level % kTreeTileHeight != 0) continue;
    const int tile_level = node.level / kTreeTileHeight;
    if (levels_.size() <= static_cast<size_t>(tile_level)) levels_.resize(static_cast<size_t>(tile_level) + 1);
    Level& level = levels_[static_cast<size_t>(tile_level)];
    // The node is the next of its level: the edge and the compact range grow together.
    CREDITLOG_CHECK((node.index & (kTreeTileWidth - 1)) == level.count);
    if (level.hashes == nullptr) level.hashes = std::make_shared<std::array<Hash, kTreeTileWidth>>();
    (*level.hashes)[level.count++] = node.hash;
    if (level.count == kTreeTileWidth) {
      full(tile_level, node.index >> kTreeTileHeight, std::span<const Hash>(*level.hashes));
      // Copies of the edge taken before keep the full buffer; this one starts the next tile.
      level.hashes = std::make_shared<std::array<Hash, kTreeTileWidth>>();
      level.count = 0;
    }
  }
  ++size_;
}

Result<Hash> TileNode(int level, uint64_t index, const TreeEdge& edge, const TileReader& tiles) {
  const auto missing = [&] {
    return Status::Corruption("tree node (" + std::to_string(level) + ", " + std::to_string(index) +
                              ") is not in the tree of " + std::to_string(edge.size()) + " entries");
  };
  if (level < 0 || level >= kMerkleLevelsMax) return missing();
  const int tile_level = level / kTreeTileHeight;
  const int height = level % kTreeTileHeight;  // above the tile's own hashes
  if (index > (UINT64_MAX >> height)) return missing();
  const uint64_t first = index << height;  // the node's first hash at level 8L
  const uint64_t width = uint64_t{1} << height;
  const uint64_t tile = first >> kTreeTileHeight;
  const size_t offset = static_cast<size_t>(first & (kTreeTileWidth - 1));
  const uint64_t full = FullTiles(edge.size(), tile_level);
  if (tile < full) {
    ASSIGN_OR_RETURN(std::span<const Hash> hashes, tiles(tile_level, tile));
    return FoldHashes(hashes.subspan(offset, width));
  }
  const std::span<const Hash> partial = edge.Partial(tile_level);
  if (tile > full || offset + width > partial.size()) return missing();
  return FoldHashes(partial.subspan(offset, width));
}

}  // namespace creditlog::ledger
