// C2SP tlog-tiles (https://c2sp.org/tlog-tiles): the paths of the log's tiles and entry bundles
// and the bundle format, shared by the server (api/http/tile_routes.cc) and its client
// (api/client/tiles.h). docs/http.md ("Tiles") describes what is served.
//
// A tile at level L, index N holds the hashes of the Merkle tree's nodes at level 8L with
// indexes N*256 .. N*256+W-1: W = 256 for a full tile, 1..255 for a partial one (the tree's
// right edge). Level 0 holds the leaf hashes; a node at level 8L+r (r < 8) is the hash of 2^r
// consecutive hashes of tile L. An entry bundle N holds the entries whose leaf hashes are
// level-0 tile N's, each after its length as a big-endian uint16.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/bytes.h"

namespace creditlog::api {

inline constexpr int kTileHeight = 8;                   // Merkle levels per tile level
inline constexpr uint64_t kTileWidth = 256;             // hashes in a full tile (2^kTileHeight)
inline constexpr int kTileLevelMax = 63;                // the highest level a path may name
inline constexpr size_t kTileIndexElementsMax = 7;      // "x018/x446/…/615": a uint64 has 20 digits
// An entry bundle says each entry's length in a big-endian uint16. creditlog's limits do not
// keep entries this small: an envelope may have events::kEnvelopeBytesMax (65,536) bytes and its
// entry adds seq, time and stream version around it. A bundle holding a longer entry is not
// served (TooLarge, naming the seq); that entry is read at GET /v1/entries/{seq}.
inline constexpr size_t kBundleEntryBytesMax = 65535;

struct TileId {
  bool entries = false;        // an entry bundle (/tile/entries/…) rather than a hash tile
  int level = 0;               // L, 0..kTileLevelMax; 0 for a bundle
  uint64_t index = 0;          // N
  uint64_t width = kTileWidth; // W: kTileWidth for a full tile or bundle, 1..255 for a partial one

  bool full() const { return width == kTileWidth; }
  friend bool operator==(const TileId&, const TileId&) = default;
};

// "x001/x234/067" for 1234067; "000" for 0.
std::string TileIndexPath(uint64_t index);
// "/tile/L/N[.p/W]" or "/tile/entries/N[.p/W]".
std::string TilePath(const TileId& tile);
// The path after "/tile/": "L/N[.p/W]" or "entries/N[.p/W]", in the canonical form TilePath
// writes (no missing or extra leading zeros, W in 1..255, L in 0..63). InvalidArgument naming
// what is wrong otherwise.
Result<TileId> ParseTilePath(std::string_view path);

// The tile at `level` (a tile level, or 0 for bundles), `index` in the tree of `tree_size`
// leaves: full when it is complete, otherwise the partial one that tree has. NotFound when the
// tree has none of its hashes (nothing of it, or a level above the tree).
Result<TileId> TileInTree(bool entries, int level, uint64_t index, uint64_t tree_size);
// Whether every hash of `tile` is a complete node of the tree of `tree_size` leaves (a partial
// tile of any width up to the tree's is: it is a prefix of the same hashes).
bool TileWithinTree(const TileId& tile, uint64_t tree_size);

// Appends `entry` to a bundle: its length as a big-endian uint16, then its bytes. TooLarge
// beyond kBundleEntryBytesMax (the bundle is left as it was).
Status AppendToBundle(ByteView entry, std::string* bundle);
// Exactly `count` entries read back from a bundle; Corruption if it holds more, fewer or a
// length that runs past its end.
Result<std::vector<Bytes>> ParseBundle(std::string_view bundle, uint64_t count);

}  // namespace creditlog::api
