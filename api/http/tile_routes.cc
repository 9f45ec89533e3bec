// The log as C2SP tlog-tiles (api/tlog_tiles.h; docs/http.md, "Tiles"): the checkpoint at
// /checkpoint, the Merkle tree's hash tiles, the entries as bundles. A full tile is the one the
// ledger stores (ledger/tree_tiles.h), a partial one its in-memory edge; a bundle is its
// entries' bytes.
#include "api/http/server_impl.h"
#include "api/tlog_tiles.h"

namespace creditlog::api {
namespace {

constexpr const char* kOctetStream = "application/octet-stream";
// The checkpoint changes with every publication (at most every second).
constexpr const char* kCheckpointCacheControl = "no-cache";
// A tile or bundle never changes once the tree has it: a partial one is a prefix of the full
// one, which has another path. Partial ones are asked for only while they are the tree's edge,
// so caches keep them a day rather than a year.
constexpr const char* kFullTileCacheControl = "public, max-age=31536000, immutable";
constexpr const char* kPartialTileCacheControl = "public, max-age=86400, immutable";
// Bundles are read with a token: no shared cache may hand them to another reader.
constexpr const char* kFullBundleCacheControl = "private, max-age=31536000, immutable";
constexpr const char* kPartialBundleCacheControl = "private, max-age=86400, immutable";

// The tiles served are the tiles stored.
static_assert(kTileHeight == ledger::kTreeTileHeight && kTileWidth == ledger::kTreeTileWidth);

Status NotInTree(const TileId& tile, uint64_t size) {
  return Status::NotFound(TilePath(tile) + " is not in the tree of " + std::to_string(size) + " entries");
}

}  // namespace

// The same answer as GET /v1/checkpoint (whatever that handler serves), not to be cached.
Reply ServerImpl::TileCheckpoint(const Request& req, const Params& params, const Principal& who) {
  req.AddResponseHeader("Cache-Control", kCheckpointCacheControl);
  return Checkpoint(req, params, who);
}

// GET /tile/{L}/{N}[.p/{W}]: the hashes of nodes (8L, N*256 + i) for i < W, 32 bytes each.
Reply ServerImpl::HashTile(const Request& req, const Params& params, const Principal&) {
  auto tile = ParseTilePath(params["tile"]);
  if (!tile.ok()) return Error(req, tile.status());
  if (tile->entries) return Error(req, Status::InvalidArgument("entry bundles are at /tile/entries/N[.p/W]"));
  const uint64_t size = ledger_.size();
  if (!TileWithinTree(*tile, size)) return Error(req, NotInTree(*tile, size));
  const char* const tile_cache = tile->full() ? kFullTileCacheControl : kPartialTileCacheControl;
  if (tile->full() && ledger_.stores_tiles()) {
    auto stored = ledger_.StoredTileBytes(tile->level, tile->index);
    if (!stored.ok()) return Error(req, stored.status());
    return Send(req, Response{200, kOctetStream, std::move(*stored), {{"Cache-Control", tile_cache}}});
  }
  const NodeReader nodes = ledger_.Nodes();
  const int level = tile->level * kTileHeight;
  std::string body;
  body.reserve(tile->width * kHashSize);
  for (uint64_t i = 0; i < tile->width; ++i) {
    auto hash = nodes(level, tile->index * kTileWidth + i);
    if (!hash.ok()) return Error(req, hash.status());
    body.append(AsString(*hash));
  }
  return Send(req, Response{200, kOctetStream, std::move(body), {{"Cache-Control", tile_cache}}});
}

// GET /tile/entries/{N}[.p/{W}]: entries N*256 .. N*256+W-1, each after its length (uint16, big
// endian). The whole log, like GET /v1/entries: recorded in the access log as the audit feed.
Reply ServerImpl::EntryBundle(const Request& req, const Params& params, const Principal& who) {
  auto tile = ParseTilePath("entries/" + std::string(params["bundle"]));
  if (!tile.ok()) return Error(req, tile.status());
  int64_t retry_after = 0;
  auto purpose = BeginRead(req, who, true, &retry_after);
  if (!purpose.ok()) return Error(req, purpose.status(), retry_after);
  const uint64_t size = ledger_.size();
  if (!TileWithinTree(*tile, size)) return Error(req, NotInTree(*tile, size));
  const uint64_t first = tile->index * kTileWidth;
  const uint64_t end = first + tile->width;
  std::string bundle;
  Status built = ledger_.ForEachEntry(first, end, [&](uint64_t seq, ByteView entry) {
    Status appended = AppendToBundle(entry, &bundle);
    if (appended.ok()) return appended;
    return Status::TooLarge(TilePath(*tile) + " cannot be served: seq " + std::to_string(seq) + ": " + appended.message() +
                            "; read it at GET /v1/entries/" + std::to_string(seq));
  });
  if (!built.ok()) return Error(req, built);
  Response response{200, kOctetStream, std::move(bundle),
                    {{"Cache-Control", tile->full() ? kFullBundleCacheControl : kPartialBundleCacheControl}}};
  return AnswerRead(req, who, *purpose, "/tile/entries/{bundle}", {"", "seq " + std::to_string(first) + ".." + std::to_string(end - 1)},
                    std::move(response));
}

}  // namespace creditlog::api
