// Tampering by someone with write access to the disk but without the keys: a history rewritten
// with every hash and tree node re-computed, two entries swapped, a truncated tail, and random
// byte flips in the database files. Each is refused at opening (by the checkpoint record
// beside the database, or the database's own latest checkpoint) or caught by the audit, and
// the report names the sequence number or the checkpoint that no longer holds.
#include <filesystem>
#include <fstream>
#include <random>

#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include "ledger/audit.h"
#include "ledger/format.h"
#include "ledger_fixture.h"

using namespace creditlog;
using creditlog::testing::LedgerFixture;
using creditlog::testing::TempDir;
using creditlog::testing::Uscc;

namespace {

constexpr int kEvents = 40;
constexpr int kFlipsPerFile = 48;
constexpr uint64_t kTailBytes = 56;

std::unique_ptr<rocksdb::DB> OpenRaw(const std::string& dir) { return testing::OpenRawDatabase(dir); }

std::string Str(const Bytes& b) { return std::string(b.begin(), b.end()); }

// A ledger with events and a checkpoint after every ten, closed.
void Build(LedgerFixture& f) {
  for (int i = 0; i < kEvents; ++i) {
    REQUIRE(f.Rate("tamper-" + std::to_string(i), Uscc("370202", i % 7)).ok());
    if (i % 10 == 9) REQUIRE(f.ledger->PublishCheckpoint().ok());
  }
}

// An attacker who also knows about the checkpoint record beside the database: deletes it and
// the database's note that it is kept. What remains is the audit's own checks.
void ForgetRecord(const std::string& dir) {
  std::filesystem::remove(dir + "/" + std::string(ledger::kCheckpointRecordFile));
  auto db = OpenRaw(dir);
  REQUIRE(db->Delete({}, ledger::MetaKey(ledger::kMetaRecord)).ok());
}

// Opens and audits; the failure's message, or "" when everything held.
std::string AuditFailure(const std::string& dir) {
  auto opened = ledger::Ledger::Open(dir, {.read_only = true});
  if (!opened.ok()) return "open: " + opened.status().message();
  auto report = ledger::AuditLedger(**opened);
  return report.ok() ? "" : report.status().message();
}

}  // namespace

TEST_CASE("a history rewritten with re-computed hashes and tree nodes fails the checkpoints", "[tamper]") {
  LedgerFixture f;
  Build(f);
  const uint64_t size = f.ledger->size();
  std::vector<Bytes> entries;
  for (uint64_t seq = 0; seq < size; ++seq) entries.push_back(*f.ledger->Entry(seq));
  f.ledger.reset();
  // Move the last entry a second later (its recorded time is not signed by the author, and
  // time still runs forward) and rebuild the whole tree from the altered leaves, exactly as
  // the writer would have.
  const uint64_t victim = size - 1;
  auto view = ledger::ParseEntry(entries[victim]);
  REQUIRE(view.ok());
  entries[victim] = ledger::BuildEntry(victim, view->recorded_at_ms + 1000, view->stream_version, view->envelope_bytes);
  {
    auto db = OpenRaw(f.dir.path());
    CompactRange range;
    ledger::TreeEdge edge;
    for (uint64_t seq = 0; seq < size; ++seq) {
      std::vector<CompactRange::Node> finished;
      range.Append(MerkleLeafHash(entries[seq]), &finished);
      edge.Add(finished, [&](int tile_level, uint64_t index, std::span<const Hash> hashes) {
        const std::string tile(reinterpret_cast<const char*>(hashes.data()), hashes.size_bytes());
        REQUIRE(db->Put({}, ledger::TileKey(tile_level, index), tile).ok());
      });
    }
    REQUIRE(db->Put({}, ledger::EntryKey(victim), Str(entries[victim])).ok());
  }
  const std::string refused = AuditFailure(f.dir.path());
  INFO(refused);
  CHECK_THAT(refused, Catch::StartsWith("open: ") && Catch::Contains("tree of size " + std::to_string(size)) &&
                          Catch::Contains("a different history"));
  // Without the record, the database's own latest checkpoint still refuses it.
  ForgetRecord(f.dir.path());
  const std::string failure = AuditFailure(f.dir.path());
  INFO(failure);
  CHECK_THAT(failure, Catch::Contains("tree of size " + std::to_string(size)) &&
                          Catch::Contains("(the database's latest checkpoint)") && Catch::Contains("a different history"));
}

TEST_CASE("two entries swapped are caught at the first of them", "[tamper]") {
  LedgerFixture f;
  Build(f);
  const Bytes a = *f.ledger->Entry(11), b = *f.ledger->Entry(17);
  f.ledger.reset();
  {
    auto db = OpenRaw(f.dir.path());
    REQUIRE(db->Put({}, ledger::EntryKey(11), Str(b)).ok());
    REQUIRE(db->Put({}, ledger::EntryKey(17), Str(a)).ok());
  }
  // Both among the entries opening hashes again for the tree's edge: opening refuses, naming
  // the first (ledger_read_test.cc has a pair inside a full tile, which the audit names).
  const std::string failure = AuditFailure(f.dir.path());
  INFO(failure);
  CHECK_THAT(failure, Catch::StartsWith("open: ") && Catch::Contains("entry stored at seq 11 says seq 17"));
}

TEST_CASE("a truncated tail is caught by the checkpoints beyond it", "[tamper]") {
  LedgerFixture f;
  Build(f);
  const uint64_t size = f.ledger->size();
  f.ledger.reset();
  {
    // A careful attacker: removes the last five entries, their nodes and indexes, and the size.
    auto db = OpenRaw(f.dir.path());
    for (uint64_t seq = size - 5; seq < size; ++seq) REQUIRE(db->Delete({}, ledger::EntryKey(seq)).ok());
    REQUIRE(db->Put({}, ledger::MetaKey(ledger::kMetaSize), ledger::EncodeU64(size - 5)).ok());
  }
  const std::string refused = AuditFailure(f.dir.path());
  INFO(refused);
  CHECK_THAT(refused, Catch::Contains("rolled back") && Catch::Contains("covers " + std::to_string(size) + " entries") &&
                          Catch::Contains("holds " + std::to_string(size - 5)));
  ForgetRecord(f.dir.path());
  const std::string failure = AuditFailure(f.dir.path());
  INFO(failure);
  CHECK_THAT(failure, Catch::Contains("rolled back") && Catch::Contains("(the database's latest checkpoint) covers " +
                                                                        std::to_string(size) + " entries"));
}

// A cleanly closed ledger: every byte of a table file is under RocksDB's block and whole-file
// checksums, the checkpoint record is signed, and RocksDB's other files (CURRENT, IDENTITY, the
// MANIFEST, the write-ahead log) are under the seal written at the close (DIR/db-sealed) —
// without it, a flip that makes the MANIFEST's last record look incomplete would be taken by
// RocksDB for a write torn by a crash and dropped without a word. Every flip is reported.
TEST_CASE("a byte flipped in any of a closed ledger's files is reported", "[tamper]") {
  LedgerFixture f;
  Build(f);
  f.ledger.reset();  // a clean close: the write-ahead log's contents move into table files
  // The files that hold the ledger (RocksDB's OPTIONS, LOG and IDENTITY files hold no ledger
  // data) and the checkpoint record beside the database.
  std::vector<std::filesystem::path> files;
  for (const auto& file : std::filesystem::directory_iterator(f.dir.path() + "/db")) {
    const std::string name = file.path().filename();
    if (file.path().extension() == ".sst" || file.path().extension() == ".log" || name.starts_with("MANIFEST-") ||
        name == "CURRENT" || name == "IDENTITY") {
      if (std::filesystem::file_size(file.path()) > 0) files.push_back(file.path());
    }
  }
  files.push_back(f.dir.path() + "/" + std::string(ledger::kCheckpointRecordFile));
  files.push_back(f.dir.path() + "/" + std::string(ledger::kSealFile));
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 4);
  int flips = 0;
  for (const auto& original : files) {
    const uint64_t bytes = std::filesystem::file_size(original);
    // Evenly spread over the file, and every byte of its last kTailBytes (a table file's
    // footer: the block handles, the format version and the magic number).
    std::vector<uint64_t> offsets;
    for (int i = 0; i < kFlipsPerFile; ++i) offsets.push_back(bytes * static_cast<uint64_t>(i) / kFlipsPerFile);
    for (uint64_t back = 1; back <= std::min<uint64_t>(kTailBytes, bytes); ++back) offsets.push_back(bytes - back);
    for (const uint64_t offset : offsets) {
      TempDir copy;
      std::filesystem::copy(f.dir.path(), copy.path(), std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
      const std::string path = copy.path() + original.string().substr(f.dir.path().size());
      std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
      char c = 0;
      file.seekg(static_cast<std::streamoff>(offset));
      file.get(c);
      file.seekp(static_cast<std::streamoff>(offset));
      file.put(static_cast<char>(c ^ (1 << (offset % 8))));
      file.close();
      INFO("bit " << offset % 8 << " of byte " << offset << " of " << original.filename() << " (" << bytes << " bytes)");
      ++flips;
      REQUIRE_FALSE(AuditFailure(copy.path()).empty());
    }
  }
  WARN(flips << " flips in " << files.size() << " files, every one reported");
}
