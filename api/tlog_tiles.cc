#include "api/tlog_tiles.h"

#include <charconv>

namespace creditlog::api {
namespace {

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A decimal number without extra leading zeros ("0", "17"; not "017" or "").
Result<uint64_t> Decimal(std::string_view text, std::string_view what) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!AllDigits(text) || (text.size() > 1 && text[0] == '0') || ec != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument(std::string(what) + " '" + std::string(text) +
                                   "' is not a decimal number without leading zeros");
  }
  return value;
}

// How many complete nodes the tree of `tree_size` leaves has at the Merkle level of tile `level`.
uint64_t NodesAtTileLevel(int level, uint64_t tree_size) {
  const int merkle_level = level * kTileHeight;
  return merkle_level >= 64 ? 0 : tree_size >> merkle_level;
}

}  // namespace

std::string TileIndexPath(uint64_t index) {
  auto three = [](uint64_t n) {
    std::string s = std::to_string(n);
    return std::string(3 - s.size(), '0') + s;
  };
  std::string out = three(index % 1000);
  for (index /= 1000; index > 0; index /= 1000) out = "x" + three(index % 1000) + "/" + out;
  return out;
}

std::string TilePath(const TileId& tile) {
  std::string out = "/tile/" + (tile.entries ? std::string("entries") : std::to_string(tile.level)) + "/" + TileIndexPath(tile.index);
  if (!tile.full()) out += ".p/" + std::to_string(tile.width);
  return out;
}

Result<TileId> ParseTilePath(std::string_view path) {
  const std::string quoted = "'" + std::string(path) + "'";
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    const size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() < 2) return Status::InvalidArgument("tile path " + quoted + " is not L/N[.p/W] or entries/N[.p/W]");
  TileId tile;
  if (parts[0] == "entries") {
    tile.entries = true;
  } else {
    auto level = Decimal(parts[0], "tile level");
    if (!level.ok()) return Status::InvalidArgument("tile path " + quoted + ": " + level.status().message());
    if (*level > static_cast<uint64_t>(kTileLevelMax)) {
      return Status::InvalidArgument("tile path " + quoted + ": level " + std::to_string(*level) + " is above " +
                                     std::to_string(kTileLevelMax));
    }
    tile.level = static_cast<int>(*level);
  }
  // The index's elements: "x001", "x234", then "067" or "067.p" followed by W.
  size_t end = parts.size();
  if (parts.size() >= 3 && parts[parts.size() - 2].ends_with(".p")) {
    auto width = Decimal(parts.back(), "tile width");
    if (!width.ok()) return Status::InvalidArgument("tile path " + quoted + ": " + width.status().message());
    if (*width < 1 || *width >= kTileWidth) {
      return Status::InvalidArgument("tile path " + quoted + ": a partial tile's width is 1 to 255, not " + std::to_string(*width));
    }
    tile.width = *width;
    end = parts.size() - 1;
  }
  const size_t elements = end - 1;
  if (elements == 0 || elements > kTileIndexElementsMax) {
    return Status::InvalidArgument("tile path " + quoted + ": the index has " + std::to_string(elements) + " elements");
  }
  uint64_t index = 0;
  for (size_t i = 1; i < end; ++i) {
    std::string_view element = parts[i];
    const bool last = i + 1 == end;
    if (last && tile.width != kTileWidth) element.remove_suffix(2);  // ".p"
    if (!last) {
      if (!element.starts_with("x")) {
        return Status::InvalidArgument("tile path " + quoted + ": index element '" + std::string(element) +
                                       "' must start with 'x' (all but the last do)");
      }
      element.remove_prefix(1);
    }
    if (element.size() != 3 || !AllDigits(element)) {
      return Status::InvalidArgument("tile path " + quoted + ": index element '" + std::string(parts[i]) +
                                     "' is not three digits (zero-padded, e.g. x001/x234/067)");
    }
    if (i == 1 && !last && element == "000") {
      return Status::InvalidArgument("tile path " + quoted + ": the index starts with x000 (write it without)");
    }
    const uint64_t digits = static_cast<uint64_t>((element[0] - '0') * 100 + (element[1] - '0') * 10 + (element[2] - '0'));
    if (index > (UINT64_MAX - digits) / 1000) return Status::InvalidArgument("tile path " + quoted + ": the index is out of range");
    index = index * 1000 + digits;
  }
  tile.index = index;
  return tile;
}

Result<TileId> TileInTree(bool entries, int level, uint64_t index, uint64_t tree_size) {
  const uint64_t count = NodesAtTileLevel(level, tree_size);
  TileId tile{entries, level, index, kTileWidth};
  const uint64_t full_tiles = count / kTileWidth;
  if (index < full_tiles) return tile;
  if (index == full_tiles && count % kTileWidth != 0) {
    tile.width = count % kTileWidth;
    return tile;
  }
  return Status::NotFound(TilePath(tile) + " is beyond the tree of " + std::to_string(tree_size) + " entries");
}

bool TileWithinTree(const TileId& tile, uint64_t tree_size) {
  const uint64_t count = NodesAtTileLevel(tile.entries ? 0 : tile.level, tree_size);
  if (tile.width == 0 || tile.width > kTileWidth || count < tile.width) return false;
  return tile.index <= (count - tile.width) / kTileWidth;
}

Status AppendToBundle(ByteView entry, std::string* bundle) {
  if (entry.size() > kBundleEntryBytesMax) {
    return Status::TooLarge("an entry of " + std::to_string(entry.size()) + " bytes does not fit an entry bundle (at most " +
                            std::to_string(kBundleEntryBytesMax) + ": its length is a uint16)");
  }
  bundle->push_back(static_cast<char>(entry.size() >> 8));
  bundle->push_back(static_cast<char>(entry.size() & 0xff));
  bundle->append(AsString(entry));
  return Status::Ok();
}

Result<std::vector<Bytes>> ParseBundle(std::string_view bundle, uint64_t count) {
  std::vector<Bytes> out;
  size_t at = 0;
  while (at < bundle.size()) {
    if (out.size() == count) return Status::Corruption("the entry bundle holds more than " + std::to_string(count) + " entries");
    if (bundle.size() - at < 2) return Status::Corruption("the entry bundle ends inside a length");
    const size_t length = (static_cast<size_t>(static_cast<uint8_t>(bundle[at])) << 8) | static_cast<uint8_t>(bundle[at + 1]);
    at += 2;
    if (bundle.size() - at < length) return Status::Corruption("entry " + std::to_string(out.size()) + " of the entry bundle runs past its end");
    const auto* data = reinterpret_cast<const uint8_t*>(bundle.data() + at);
    out.emplace_back(data, data + length);
    at += length;
  }
  if (out.size() != count) {
    return Status::Corruption("the entry bundle holds " + std::to_string(out.size()) + " entries, not " + std::to_string(count));
  }
  return out;
}

}  // namespace creditlog::api
