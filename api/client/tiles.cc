#include "api/client/tiles.h"

#include <algorithm>

namespace creditlog::api {
namespace {

// The root of the 2^height hashes from `start` on (RFC 6962: pairs, bottom-up).
Hash Fold(const std::vector<Hash>& hashes, size_t start, int height) {
  std::vector<Hash> level(hashes.begin() + static_cast<ptrdiff_t>(start),
                          hashes.begin() + static_cast<ptrdiff_t>(start + (size_t{1} << height)));
  for (size_t n = level.size(); n > 1; n /= 2) {
    for (size_t i = 0; i < n / 2; ++i) level[i] = MerkleNodeHash(level[2 * i], level[2 * i + 1]);
  }
  return level[0];
}

std::string Where(const TileId& tile) { return TilePath(tile).substr(1); }  // "tile/0/000.p/17"

}  // namespace

TileTree::TileTree(HttpClient& http, const creditlog::Checkpoint& checkpoint) : http_(http), checkpoint_(checkpoint) {}

Result<std::vector<Hash>> TileTree::Fetch(const TileId& tile) {
  const std::string path = TilePath(tile);
  ASSIGN_OR_RETURN(HttpResponse response, http_.Get(path));
  if (response.status != 200) return HttpClient::ErrorOf(response, "GET " + path);
  ++tiles_fetched_;
  if (response.body.size() != tile.width * kHashSize) {
    return Status::Corruption(Where(tile) + " is " + std::to_string(response.body.size()) + " bytes, not " +
                              std::to_string(tile.width * kHashSize));
  }
  std::vector<Hash> hashes(tile.width);
  for (size_t i = 0; i < hashes.size(); ++i) {
    std::copy_n(reinterpret_cast<const uint8_t*>(response.body.data()) + i * kHashSize, kHashSize, hashes[i].begin());
  }
  return hashes;
}

// The tree's root is made of the nodes of its right edge, which lie in the partial tiles of
// every level (the tree of size s has floor(s / 256^L) mod 256 hashes in level L's): together
// they must hash to the checkpoint's root, and then every hash in them is the tree's.
Status TileTree::VerifyEdge() {
  if (edge_verified_) return Status::Ok();
  const uint64_t size = checkpoint_.size;
  std::map<int, std::pair<TileId, std::vector<Hash>>> edge;
  for (int level = 0; level * kTileHeight < 64 && (size >> (level * kTileHeight)) > 0; ++level) {
    const uint64_t count = size >> (level * kTileHeight);
    if (count % kTileWidth == 0) continue;
    const TileId tile{false, level, count / kTileWidth, count % kTileWidth};
    ASSIGN_OR_RETURN(std::vector<Hash> hashes, Fetch(tile));
    edge.emplace(level, std::make_pair(tile, std::move(hashes)));
  }
  auto edge_node = [&](int level, uint64_t index) -> Result<Hash> {
    const int tile_level = level / kTileHeight;
    const int height = level % kTileHeight;
    auto found = edge.find(tile_level);
    const uint64_t first = index << height;  // in the tile level's hashes
    if (found == edge.end() || first < found->second.first.index * kTileWidth) {
      return Status::Corruption("node (" + std::to_string(level) + ", " + std::to_string(index) + ") is not on the tree's edge");
    }
    return Fold(found->second.second, first - found->second.first.index * kTileWidth, height);
  };
  ASSIGN_OR_RETURN(Hash root, MerkleRoot(size, edge_node));
  if (root != checkpoint_.root) {
    std::string tiles;
    for (const auto& [level, tile] : edge) tiles += (tiles.empty() ? "" : ", ") + Where(tile.first);
    return Status::Corruption("the tiles of the tree's edge (" + tiles + ") do not hash to the root of its checkpoint of size " +
                              std::to_string(size));
  }
  for (auto& [level, tile] : edge) verified_[{level, tile.first.index}] = std::move(tile.second);
  edge_verified_ = true;
  return Status::Ok();
}

Result<const std::vector<Hash>*> TileTree::Tile(int level, uint64_t index) {
  ASSIGN_OR_RETURN(TileId tile, TileInTree(false, level, index, checkpoint_.size));
  if (auto found = verified_.find({level, index}); found != verified_.end()) return &found->second;
  if (!tile.full()) {
    RETURN_IF_ERROR(VerifyEdge());
    return &verified_.at({level, index});
  }
  // A full tile is the subtree under one hash of the level above (which the tree has: the tile
  // is full, so its root is a complete node).
  ASSIGN_OR_RETURN(std::vector<Hash> hashes, Fetch(tile));
  ASSIGN_OR_RETURN(const std::vector<Hash>* parent, Tile(level + 1, index / kTileWidth));
  if (Fold(hashes, 0, kTileHeight) != (*parent)[index % kTileWidth]) {
    return Status::Corruption(Where(tile) + " does not hash to its node in tile " + std::to_string(level + 1) + "/" +
                              TileIndexPath(index / kTileWidth) + ", which the checkpoint of size " +
                              std::to_string(checkpoint_.size) + " commits to");
  }
  return &(verified_[{level, index}] = std::move(hashes));
}

Result<Hash> TileTree::Node(int level, uint64_t index) {
  if (level < 0 || level >= 64 || index >= (checkpoint_.size >> level)) {
    return Status::InvalidArgument("node (" + std::to_string(level) + ", " + std::to_string(index) +
                                   ") is not a complete node of the tree of size " + std::to_string(checkpoint_.size));
  }
  const int height = level % kTileHeight;
  const uint64_t first = index << height;  // its first hash in tile level level / 8
  ASSIGN_OR_RETURN(const std::vector<Hash>* tile, Tile(level / kTileHeight, first / kTileWidth));
  return Fold(*tile, first % kTileWidth, height);
}

NodeReader TileTree::Nodes() {
  return [this](int level, uint64_t index) { return Node(level, index); };
}

Result<std::vector<Bytes>> TileTree::Entries(uint64_t from, uint64_t to) {
  if (from > to || to > checkpoint_.size) {
    return Status::InvalidArgument("entries " + std::to_string(from) + ".." + std::to_string(to) + " are not in the tree of size " +
                                   std::to_string(checkpoint_.size));
  }
  std::vector<Bytes> out;
  for (uint64_t n = from / kTileWidth; from < to && n <= (to - 1) / kTileWidth; ++n) {
    ASSIGN_OR_RETURN(TileId bundle, TileInTree(true, 0, n, checkpoint_.size));
    const std::string path = TilePath(bundle);
    ASSIGN_OR_RETURN(HttpResponse response, http_.Get(path));
    if (response.status != 200) return HttpClient::ErrorOf(response, "GET " + path);
    ++bundles_fetched_;
    auto entries = ParseBundle(response.body, bundle.width);
    if (!entries.ok()) return Status::Corruption(Where(bundle) + ": " + entries.status().message());
    ASSIGN_OR_RETURN(const std::vector<Hash>* leaves, Tile(0, n));
    const uint64_t first = n * kTileWidth;
    for (uint64_t seq = std::max(from, first); seq < std::min(to, first + bundle.width); ++seq) {
      Bytes& entry = (*entries)[seq - first];
      if (MerkleLeafHash(entry) != (*leaves)[seq - first]) {
        return Status::Corruption("seq " + std::to_string(seq) + ": the entry in " + Where(bundle) +
                                  " is not the one the checkpoint of size " + std::to_string(checkpoint_.size) + " commits to");
      }
      out.push_back(std::move(entry));
    }
  }
  return out;
}

Result<SignedCheckpoint> TileLog::Checkpoint() {
  ASSIGN_OR_RETURN(std::string note, remote_.GetText("/checkpoint"));
  return remote_.OpenCheckpoint(note);
}

TileTree& TileLog::TreeOf(const creditlog::Checkpoint& checkpoint) {
  if (!tree_ || tree_->checkpoint().size != checkpoint.size || tree_->checkpoint().root != checkpoint.root) {
    tree_ = std::make_unique<TileTree>(remote_.http(), checkpoint);
  }
  return *tree_;
}

Result<Bytes> TileLog::Entry(uint64_t seq, const creditlog::Checkpoint& checkpoint) {
  ASSIGN_OR_RETURN(std::vector<Bytes> entries, TreeOf(checkpoint).Entries(seq, seq + 1));
  return std::move(entries.at(0));
}

Status TileLog::CheckConsistency(uint64_t old_size, const Hash& old_root, const creditlog::Checkpoint& checkpoint) {
  if (old_size == 0) return Status::Ok();
  if (old_size == checkpoint.size) {
    return old_root == checkpoint.root ? Status::Ok() : Status::Corruption("the roots of the same size differ");
  }
  if (old_size > checkpoint.size) return Status::Corruption("the checkpoint's tree is smaller than " + std::to_string(old_size));
  ASSIGN_OR_RETURN(std::vector<Hash> proof, ConsistencyProof(old_size, checkpoint.size, TreeOf(checkpoint).Nodes()));
  return VerifyConsistency(old_size, checkpoint.size, old_root, checkpoint.root, proof);
}

Result<std::vector<Bytes>> TileLog::NextEntries(const creditlog::Checkpoint& checkpoint, CompactRange* range) {
  const uint64_t after = range->size();
  if (after >= checkpoint.size) return std::vector<Bytes>{};
  TileTree& tree = TreeOf(checkpoint);
  const uint64_t end = std::min(checkpoint.size, (after / kTileWidth + 1) * kTileWidth);  // the rest of a bundle
  ASSIGN_OR_RETURN(std::vector<Bytes> page, tree.Entries(after, end));
  // Before handing the page out, prove that the caller's tree with it is a prefix of the
  // checkpoint's, with a proof made of verified tiles.
  CompactRange extended;
  const Status holds = ExtendInto(*range, page, checkpoint, [&](uint64_t size) {
    return ConsistencyProof(size, checkpoint.size, tree.Nodes());
  }, &extended);
  if (!holds.ok()) {
    return Status::Corruption("entries " + std::to_string(after) + ".." + std::to_string(end - 1) +
                              " do not extend the mirrored tree into its checkpoint of size " + std::to_string(checkpoint.size) +
                              ": " + holds.message());
  }
  *range = std::move(extended);
  return page;
}

}  // namespace creditlog::api
