// The tree stored as hash tiles (ledger/tree_tiles.h): every node read through tiles and the
// edge against a tree kept whole in memory; the keys a ledger stores; a tile damaged on disk;
// and an older ledger's nodes turned into tiles, with its proofs, roots and checkpoints the same
// bytes before and after (tests/fixtures/ledger-nodes, written by the last release that kept a
// key per node).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include <rocksdb/db.h>

#include "ledger/audit.h"
#include "ledger/format.h"
#include "ledger/tree_tiles.h"
#include "ledger_fixture.h"
#include "temp_dir.h"

using namespace creditlog;
using creditlog::testing::LedgerFixture;
using creditlog::testing::Uscc;

namespace {

Hash RandomHash(std::mt19937_64& rng) {
  Hash hash;
  for (auto& b : hash) b = static_cast<uint8_t>(rng());
  return hash;
}

// A tree of `size` random leaves kept whole: every node, the tiles and the edge as the writer
// makes them.
struct WholeTree {
  std::map<std::pair<int, uint64_t>, Hash> nodes;
  std::map<std::pair<int, uint64_t>, std::vector<Hash>> tiles;
  std::vector<Hash> leaves;
  CompactRange range;
  ledger::TreeEdge edge;

  void Grow(uint64_t size, std::mt19937_64& rng) {
    while (range.size() < size) {
      leaves.push_back(RandomHash(rng));
      std::vector<CompactRange::Node> finished;
      range.Append(leaves.back(), &finished);
      for (const auto& node : finished) nodes[{node.level, node.index}] = node.hash;
      edge.Add(finished, [&](int tile_level, uint64_t index, std::span<const Hash> hashes) {
        tiles[{tile_level, index}] = std::vector<Hash>(hashes.begin(), hashes.end());
      });
    }
  }

  ledger::TileReader Tiles() const {
    return [this](int tile_level, uint64_t index) -> Result<std::span<const Hash>> {
      auto it = tiles.find({tile_level, index});
      if (it == tiles.end()) return Status::Corruption("no tile");
      return std::span<const Hash>(it->second);
    };
  }
};

std::string Base64Of(const std::vector<Hash>& proof) {
  std::string out;
  for (const Hash& h : proof) out += Base64Encode(h) + "\n";
  return out;
}

// tests/fixtures/ledger-nodes/proofs.txt: blocks of "inclusion SEQ SIZE" or "consistency OLD NEW"
// and the proof `creditlog prove` printed, base64 hashes one per line.
struct GoldenProof {
  std::string kind;
  uint64_t a = 0, b = 0;
  std::string hashes;
};

std::vector<GoldenProof> ReadGolden(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::vector<GoldenProof> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream head(line);
    GoldenProof proof;
    head >> proof.kind >> proof.a >> proof.b;
    REQUIRE((proof.kind == "inclusion" || proof.kind == "consistency"));
    while (std::getline(in, line) && !line.empty()) proof.hashes += line + "\n";
    out.push_back(proof);
  }
  return out;
}

// Every golden proof made again by `ledger`, byte for byte; the roots of every size it names.
std::map<uint64_t, Hash> CheckGolden(const ledger::Ledger& ledger, const std::vector<GoldenProof>& golden) {
  std::map<uint64_t, Hash> roots;
  for (const GoldenProof& proof : golden) {
    INFO(proof.kind << " " << proof.a << " " << proof.b);
    auto made = proof.kind == "inclusion" ? ledger.InclusionProof(proof.a, proof.b) : ledger.ConsistencyProof(proof.a, proof.b);
    REQUIRE(made.ok());
    CHECK(Base64Of(*made) == proof.hashes);
    for (uint64_t size : {proof.a, proof.b}) {
      if (size == 0) continue;
      auto root = ledger.Root(size);
      REQUIRE(root.ok());
      roots[size] = *root;
    }
  }
  return roots;
}

std::map<char, size_t> KeysByPrefix(const std::string& dir) {
  auto db = testing::OpenRawDatabase(dir);
  std::map<char, size_t> count;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++count[it->key()[0]];
  return count;
}

}  // namespace

TEST_CASE("tiles: every node read through the tiles and the edge is the node of the tree", "[tiles]") {
  std::mt19937_64 rng(20261205);
  WholeTree tree;
  // Around the tile boundaries of levels 0 and 1.
  for (uint64_t size : {uint64_t{1}, uint64_t{2}, uint64_t{255}, uint64_t{256}, uint64_t{257}, uint64_t{511}, uint64_t{512},
                        uint64_t{65535}, uint64_t{65536}, uint64_t{65536 + 257}}) {
    tree.Grow(size, rng);
    INFO("size " << size);
    CHECK(tree.edge.size() == size);
    // A node of each level at its first, last and a middle index, and every node near the end.
    for (const auto& [at, hash] : tree.nodes) {
      const auto [level, index] = at;
      const uint64_t count = size >> level;
      if (index > 2 && index + 300 < count && index != count / 2) continue;
      auto read = ledger::TileNode(level, index, tree.edge, tree.Tiles());
      INFO("node (" << level << ", " << index << ")");
      REQUIRE(read.ok());
      CHECK(*read == hash);
    }
    // The edge loaded from the last leaves and the stored tiles is the edge grown leaf by leaf.
    const auto leaves = [&](uint64_t first, uint64_t end) -> Result<std::vector<Hash>> {
      return std::vector<Hash>(tree.leaves.begin() + static_cast<std::ptrdiff_t>(first), tree.leaves.begin() + static_cast<std::ptrdiff_t>(end));
    };
    auto loaded = ledger::TreeEdge::Load(size, leaves, tree.Tiles());
    REQUIRE(loaded.ok());
    for (int level = 0; level < ledger::kTreeTileLevelsMax; ++level) {
      const auto a = tree.edge.Partial(level), b = loaded->Partial(level);
      CHECK(std::vector<Hash>(a.begin(), a.end()) == std::vector<Hash>(b.begin(), b.end()));
    }
    auto root = MerkleRoot(size, [&](int level, uint64_t index) { return ledger::TileNode(level, index, *loaded, tree.Tiles()); });
    REQUIRE(root.ok());
    CHECK(*root == tree.range.Root());
    // Nodes the tree does not have yet.
    CHECK(ledger::TileNode(0, size, tree.edge, tree.Tiles()).status().code() == StatusCode::kCorruption);
    CHECK(ledger::TileNode(8, (size >> 8) + 1, tree.edge, tree.Tiles()).status().code() == StatusCode::kCorruption);
    CHECK(ledger::TileNode(64, 0, tree.edge, tree.Tiles()).status().code() == StatusCode::kCorruption);
  }
  CHECK(tree.tiles.size() == (65536 + 257) / 256 + 1);  // level 0's full tiles and one of level 1
}

TEST_CASE("tiles: a copy of the edge reads the tree of its size while the edge grows past a full tile", "[tiles]") {
  std::mt19937_64 rng(7);
  WholeTree tree;
  tree.Grow(250, rng);
  const ledger::TreeEdge copy = tree.edge;
  const std::map<std::pair<int, uint64_t>, Hash> then = tree.nodes;
  tree.Grow(600, rng);  // fills tiles 0 and 1, starts tile 2
  for (const auto& [at, hash] : then) {
    auto read = ledger::TileNode(at.first, at.second, copy, [](int, uint64_t) -> Result<std::span<const Hash>> {
      return Status::Corruption("the copy has no full tile");
    });
    REQUIRE(read.ok());
    CHECK(*read == hash);
  }
  CHECK(copy.size() == 250);
  CHECK(copy.Partial(0).size() == 250);
}

TEST_CASE("tiles: a ledger stores a tile per 256 entries and no tree node, and the audit names a damaged tile", "[tiles]") {
  LedgerFixture f;
  while (f.ledger->size() < 2 * ledger::kTreeTileWidth + 10) {
    const uint64_t i = f.ledger->size();
    REQUIRE(f.Rate("tile-" + std::to_string(i), Uscc("370202", static_cast<int>(i % 40))).ok());
  }
  const uint64_t size = f.ledger->size();
  auto before = f.ledger->InclusionProof(3, size);
  auto consistency_before = f.ledger->ConsistencyProof(100, size);
  REQUIRE((before.ok() && consistency_before.ok()));
  const Hash root = *f.ledger->Root(size);
  f.ledger.reset();
  const auto keys = KeysByPrefix(f.dir.path());
  CHECK(keys.count(ledger::kPrefixNode) == 0);
  CHECK(keys.at(ledger::kPrefixTile) == 2);
  CHECK(keys.at(ledger::kPrefixEntry) == size);
  // Opened again: the edge is hashed again from the last entries, the proofs are the same.
  f.Reopen();
  CHECK(f.ledger->stores_tiles());
  CHECK(*f.ledger->Root(size) == root);
  CHECK(*f.ledger->InclusionProof(3, size) == *before);
  CHECK(*f.ledger->ConsistencyProof(100, size) == *consistency_before);
  REQUIRE(ledger::AuditLedger(*f.ledger).ok());
  // A hash of tile 1 changed on disk (no checkpoint was published, so opening cannot tell):
  // the audit names the tile at the entry that completes it.
  f.ledger.reset();
  {
    auto db = testing::OpenRawDatabase(f.dir.path());
    std::string tile;
    REQUIRE(db->Get(rocksdb::ReadOptions(), ledger::TileKey(0, 1), &tile).ok());
    tile[5 * kHashSize] ^= 1;
    REQUIRE(db->Put(rocksdb::WriteOptions(), ledger::TileKey(0, 1), tile).ok());
  }
  f.Reopen();
  auto report = ledger::AuditLedger(*f.ledger);
  REQUIRE_FALSE(report.ok());
  CHECK_THAT(report.status().message(), Catch::StartsWith("seq 261:"));
}

TEST_CASE("tiles: an older ledger's nodes become tiles with its proofs, roots and checkpoints unchanged", "[tiles]") {
  InitCrypto();
  const std::string fixture = std::string(CREDITLOG_SOURCE_DIR) + "/tests/fixtures/ledger-nodes";
  const std::vector<GoldenProof> golden = ReadGolden(fixture + "/proofs.txt");
  REQUIRE(golden.size() == 81);
  testing::TempDir temp;
  const std::string dir = temp.path() + "/data";
  std::filesystem::copy(fixture, dir, std::filesystem::copy_options::recursive);
  std::filesystem::remove(dir + "/proofs.txt");

  // Read-only, the older layout is read as it is.
  std::map<uint64_t, Hash> roots_before;
  {
    auto look = ledger::Ledger::Open(dir, {.read_only = true});
    REQUIRE(look.ok());
    CHECK_FALSE((*look)->stores_tiles());
    CHECK((*look)->size() == 566);
    roots_before = CheckGolden(**look, golden);
  }
  CHECK(KeysByPrefix(dir).at(ledger::kPrefixNode) > 1000);
  // A follower (a mirror server beside the writer) open on the older layout throughout.
  auto follower = ledger::Ledger::Open(dir, {.read_only = true, .follow = true});
  REQUIRE(follower.ok());
  CHECK_FALSE((*follower)->stores_tiles());
  // Opened for writing, the nodes become tiles.
  {
    auto opened = ledger::Ledger::Open(dir);
    REQUIRE(opened.ok());
    const ledger::Ledger& migrated = **opened;
    CHECK(migrated.stores_tiles());
    CHECK(CheckGolden(migrated, golden) == roots_before);
    auto checkpoints = migrated.Checkpoints();
    REQUIRE(checkpoints.ok());
    REQUIRE_FALSE(checkpoints->empty());
    for (const auto& [size, note] : *checkpoints) {
      auto checkpoint = migrated.OpenCheckpoint(note);
      REQUIRE(checkpoint.ok());
      CHECK(checkpoint->root == *migrated.Root(size));
    }
    REQUIRE(ledger::AuditLedger(migrated).ok());
  }
  const auto keys = KeysByPrefix(dir);
  CHECK(keys.count(ledger::kPrefixNode) == 0);
  CHECK(keys.at(ledger::kPrefixTile) == 2);
  // The follower's catch-up sees the new layout though the size did not change: it reads tiles.
  REQUIRE((*follower)->Refresh().ok());
  CHECK((*follower)->refreshes_loaded_whole() == 1);
  CHECK((*follower)->stores_tiles());
  CHECK(CheckGolden(**follower, golden) == roots_before);
  // And read again, read-only, from the tiles.
  auto again = ledger::Ledger::Open(dir, {.read_only = true});
  REQUIRE(again.ok());
  CHECK((*again)->stores_tiles());
  CHECK(CheckGolden(**again, golden) == roots_before);
}

TEST_CASE("tiles: a follower extends its tree and key registry by the writer's new entries as a fresh opening loads them", "[tiles]") {
  LedgerFixture f;
  auto follower = ledger::Ledger::Open(f.dir.path(), {.read_only = true, .follow = true});
  REQUIRE(follower.ok());
  ledger::Ledger& mirror = **follower;
  const KeyPair second = GenerateKeyPair();
  const size_t keys_before = mirror.registry().Keys().size();
  // Batches of uneven sizes, across full tiles, one of them a key registration.
  const std::vector<uint64_t> batches = {1, 37, 200, 18, 255, 3};
  uint64_t n = 0;
  for (size_t b = 0; b < batches.size(); ++b) {
    for (uint64_t i = 0; i < batches[b]; ++i, ++n) {
      REQUIRE(f.Rate("follow-" + std::to_string(n), Uscc("370202", static_cast<int>(n % 30))).ok());
    }
    if (b == 2) {
      REQUIRE(f.ledger->Append(testing::Sign(testing::RegisterEvent("agency-2", second.public_key, "3702", {"ServiceRated"}),
                                       f.root, LedgerFixture::kOrigin)).ok());
    }
    REQUIRE(mirror.Refresh().ok());
    const uint64_t size = f.ledger->size();
    INFO("after batch " << b << ", size " << size);
    REQUIRE(mirror.size() == size);
    CHECK(mirror.stores_tiles());
    // As a ledger opened afresh loads it: the root, proofs through the edge and the tiles, the keys.
    auto fresh = ledger::Ledger::Open(f.dir.path(), {.read_only = true});
    REQUIRE(fresh.ok());
    CHECK(*mirror.Root(size) == *(*fresh)->Root(size));
    CHECK(*mirror.Root(size) == *f.ledger->Root(size));
    for (uint64_t leaf : {uint64_t{0}, size / 2, size - 1}) {
      CHECK(*mirror.InclusionProof(leaf, size) == *(*fresh)->InclusionProof(leaf, size));
    }
    CHECK(*mirror.ConsistencyProof(1, size) == *(*fresh)->ConsistencyProof(1, size));
    CHECK(mirror.registry().Keys().size() == (*fresh)->registry().Keys().size());
    CHECK(mirror.registry().Keys().size() == keys_before + (b >= 2 ? 1 : 0));
  }
  // Every catch-up extended the state (the tiles the new entries filled matched the stored ones).
  CHECK(mirror.refreshes_loaded_whole() == 0);
}
