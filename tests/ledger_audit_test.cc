#include <catch2/catch.hpp>

#include <fstream>

#include <rocksdb/db.h>

#include "ledger/audit.h"
#include "ledger/export.h"
#include "ledger/format.h"
#include "ledger_fixture.h"

using namespace creditlog;
using creditlog::testing::LedgerFixture;
using creditlog::testing::Uscc;

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

// For each byte of the export, the seq of the entry record holding it, or -1.
std::vector<int64_t> EntryOfEachByte(const std::string& data) {
  std::vector<int64_t> owner(data.size(), -1);
  size_t offset = ledger::kExportMagic.size();
  int64_t seq = 0;
  while (offset + 5 <= data.size()) {
    const char type = data[offset];
    uint32_t n = 0;
    for (int i = 1; i < 5; ++i) n = (n << 8) | static_cast<uint8_t>(data[offset + i]);
    if (type == ledger::kExportEntry) {
      for (size_t i = offset; i < offset + 5 + n; ++i) owner[i] = seq;
      ++seq;
    }
    offset += 5 + n;
  }
  return owner;
}

}  // namespace

TEST_CASE("The full audit passes on a healthy ledger", "[audit]") {
  LedgerFixture f;
  for (int i = 0; i < 20; ++i) REQUIRE(f.Rate("a" + std::to_string(i), Uscc("370202", i % 3)).ok());
  REQUIRE(f.ledger->PublishCheckpoint().ok());
  for (int i = 20; i < 30; ++i) REQUIRE(f.Rate("a" + std::to_string(i), Uscc("370202", i % 3)).ok());
  REQUIRE(f.ledger->PublishCheckpoint().ok());
  auto report = ledger::AuditLedger(*f.ledger);
  REQUIRE(report.ok());
  REQUIRE(report->entries == 32);
  REQUIRE(report->checkpoints == 2);
  REQUIRE(report->root == *f.ledger->Root(32));
}

TEST_CASE("An export verifies offline trusting only the verifier key", "[audit]") {
  LedgerFixture f;
  for (int i = 0; i < 10; ++i) REQUIRE(f.Rate("e" + std::to_string(i), Uscc("370203", i)).ok());
  REQUIRE(f.ledger->PublishCheckpoint().ok());
  const std::string path = f.dir.path() + "/ledger.export";
  REQUIRE(ledger::WriteExport(*f.ledger, path).ok());
  auto report = ledger::AuditExport(path, f.ledger->VerifierKey());
  REQUIRE(report.ok());
  REQUIRE(report->entries == 12);
  // Another ledger's key is not trusted.
  KeyPair other = GenerateKeyPair();
  auto wrong = ledger::AuditExport(path, FormatVerifierKey(LedgerFixture::kOrigin, other.public_key));
  REQUIRE_FALSE(wrong.ok());
}

TEST_CASE("Flipping any byte of an export is detected, naming the entry's seq", "[audit]") {
  LedgerFixture f;
  for (int i = 0; i < 4; ++i) REQUIRE(f.Rate("f" + std::to_string(i), Uscc("370212", i)).ok());
  REQUIRE(f.ledger->PublishCheckpoint().ok());
  const std::string path = f.dir.path() + "/ledger.export";
  REQUIRE(ledger::WriteExport(*f.ledger, path).ok());
  const std::string original = ReadAll(path);
  const std::vector<int64_t> owner = EntryOfEachByte(original);
  const std::string key = f.ledger->VerifierKey();
  const std::string tampered_path = f.dir.path() + "/tampered.export";
  size_t named = 0;
  for (size_t i = 0; i < original.size(); ++i) {
    std::string tampered = original;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    WriteAll(tampered_path, tampered);
    auto report = ledger::AuditExport(tampered_path, key);
    INFO("flipped byte " << i << " of " << original.size());
    REQUIRE_FALSE(report.ok());
    if (owner[i] >= 0) {
      // A flip in an entry's framing may surface at that entry or the one after it.
      const std::string here = "seq " + std::to_string(owner[i]);
      const std::string next = "seq " + std::to_string(owner[i] + 1);
      const std::string& message = report.status().message();
      INFO(message);
      REQUIRE((message.find(here + ":") != std::string::npos || message.find(next + ":") != std::string::npos));
      ++named;
    }
  }
  REQUIRE(named > 1000);
}

TEST_CASE("An entry rewritten on disk is detected at its seq", "[audit]") {
  LedgerFixture f;
  // More than a tile: the victim's leaf hash is stored in a full tile, not hashed again from
  // the entry on opening as the edge's are.
  for (uint64_t i = 0; i < ledger::kTreeTileWidth + 6; ++i) REQUIRE(f.Rate("t" + std::to_string(i), Uscc("370213", static_cast<int>(i % 50))).ok());
  REQUIRE(f.ledger->PublishCheckpoint().ok());
  const uint64_t victim = 4;
  Bytes entry = *f.ledger->Entry(victim);
  auto view = ledger::ParseEntry(entry);
  REQUIRE(view.ok());
  // Someone with disk access but no keys changes the recorded time and re-encodes the entry
  // (canonical form), and even re-computes its leaf hash.
  Bytes forged = ledger::BuildEntry(victim, view->recorded_at_ms - 86'400'000, view->stream_version, view->envelope_bytes);
  f.ledger.reset();
  {
    auto db = testing::OpenRawDatabase(f.dir.path());
    const Hash leaf = MerkleLeafHash(forged);
    REQUIRE(db->Put(rocksdb::WriteOptions(), ledger::EntryKey(victim), std::string(forged.begin(), forged.end())).ok());
    // The leaf hash in its tile too: then the tree's root changes, and the published checkpoint
    // no longer holds.
    std::string tile;
    REQUIRE(db->Get(rocksdb::ReadOptions(), ledger::TileKey(0, 0), &tile).ok());
    REQUIRE(tile.size() == ledger::kTreeTileBytes);
    tile.replace(victim * kHashSize, kHashSize, std::string(leaf.begin(), leaf.end()));
    REQUIRE(db->Put(rocksdb::WriteOptions(), ledger::TileKey(0, 0), tile).ok());
  }
  auto refused = ledger::Ledger::Open(f.dir.path(), {.read_only = true});
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("a different history"));
  // With the entry alone rewritten, the ledger opens and the audit names the entry.
  {
    auto db = testing::OpenRawDatabase(f.dir.path());
    std::string tile;
    REQUIRE(db->Get(rocksdb::ReadOptions(), ledger::TileKey(0, 0), &tile).ok());
    const Hash original = MerkleLeafHash(entry);
    tile.replace(victim * kHashSize, kHashSize, std::string(original.begin(), original.end()));
    REQUIRE(db->Put(rocksdb::WriteOptions(), ledger::TileKey(0, 0), tile).ok());
  }
  f.Reopen();
  auto report = ledger::AuditLedger(*f.ledger);
  REQUIRE_FALSE(report.ok());
  REQUIRE_THAT(report.status().message(), Catch::StartsWith("seq 4:"));
}
