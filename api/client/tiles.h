// A verifying client of a log's C2SP tlog-tiles endpoints (api/tlog_tiles.h): GET /checkpoint,
// hash tiles and entry bundles. What it hands out is what a verified checkpoint commits to:
//
// - TileTree: the tiles of one checkpoint's tree. The partial tiles of its right edge are
//   verified together by recomputing the checkpoint's root from them; a full tile by hashing it
//   into its node, which must be the hash at its place in the verified tile one level up. A
//   tile is fetched once (cached) and used only once verified; Nodes() reads any complete node
//   of the tree from them (node 8L+r: the hash of 2^r consecutive hashes of tile L), so that
//   crypto/merkle.h's proofs can be computed here rather than asked for.
// - TileLog: what `mirror --tiles` reads in place of RemoteLog's /v1 routes, with RemoteLog's
//   guarantees: NextEntries hands out entries only once they are proven to extend the caller's
//   tree into the checkpoint's (each entry's leaf hash is the verified level-0 hash, and a
//   consistency proof computed from verified tiles holds).
// Every failure to verify is Corruption naming the tile, bundle or seq; an error answer keeps the
// server's code (an entry too long for a bundle is TooLarge). Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "api/client/http_client.h"
#include "api/client/remote_log.h"
#include "api/tlog_tiles.h"
#include "crypto/merkle.h"
#include "crypto/note.h"

namespace creditlog::api {

class TileTree {
 public:
  // Reads tiles through `http` (which must outlive this) for the tree `checkpoint` commits to.
  TileTree(HttpClient& http, const creditlog::Checkpoint& checkpoint);

  const creditlog::Checkpoint& checkpoint() const { return checkpoint_; }
  uint64_t size() const { return checkpoint_.size; }
  // The verified hashes of tile `level`/`index` as this tree has it (full, or its partial one).
  // NotFound if the tree has no such tile.
  Result<const std::vector<Hash>*> Tile(int level, uint64_t index);
  // Node (level, index) of this tree, from verified tiles. InvalidArgument unless it is a
  // complete node of the tree.
  Result<Hash> Node(int level, uint64_t index);
  // Node() as a crypto/merkle.h NodeReader (valid while this tree lives).
  NodeReader Nodes();
  // Entries [from, to) (to <= size()) from their bundles, each checked against its level-0 hash.
  Result<std::vector<Bytes>> Entries(uint64_t from, uint64_t to);

  uint64_t tiles_fetched() const { return tiles_fetched_; }
  uint64_t bundles_fetched() const { return bundles_fetched_; }

 private:
  Result<std::vector<Hash>> Fetch(const TileId& tile);  // unverified, exactly tile.width hashes
  Status VerifyEdge();  // the partial tiles, against the checkpoint's root

  HttpClient& http_;
  const creditlog::Checkpoint checkpoint_;
  bool edge_verified_ = false;
  std::map<std::pair<int, uint64_t>, std::vector<Hash>> verified_;  // (level, index) → hashes
  uint64_t tiles_fetched_ = 0;
  uint64_t bundles_fetched_ = 0;
};

class TileLog {
 public:
  // Reads through `remote`'s connection and checks checkpoints with its verifier (the key
  // RemoteLog::Connect fetched, or the trusted one). `remote` must outlive this.
  explicit TileLog(RemoteLog& remote) : remote_(remote) {}

  // GET /checkpoint, its signature and origin checked.
  Result<SignedCheckpoint> Checkpoint();
  // Entry `seq` of `checkpoint`'s tree, from its bundle, checked against the verified tiles.
  Result<Bytes> Entry(uint64_t seq, const creditlog::Checkpoint& checkpoint);
  // As RemoteLog's: the tree (old_size, old_root) is a prefix of `checkpoint`'s, shown by a
  // consistency proof computed from verified tiles. old_size 0 holds trivially.
  Status CheckConsistency(uint64_t old_size, const Hash& old_root, const creditlog::Checkpoint& checkpoint);
  // As RemoteLog's: the entries after `range` (at most one bundle's worth, none beyond
  // `checkpoint.size`), proven to extend `range` into `checkpoint`'s tree; then extends `range`.
  Result<std::vector<Bytes>> NextEntries(const creditlog::Checkpoint& checkpoint, CompactRange* range);

  // The tiles of `checkpoint`'s tree (the last one asked for is kept with its cache).
  TileTree& TreeOf(const creditlog::Checkpoint& checkpoint);

 private:
  RemoteLog& remote_;
  std::unique_ptr<TileTree> tree_;
};

}  // namespace creditlog::api
