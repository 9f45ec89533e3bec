// Tampering by someone with write access to the disk but without the keys: a history rewritten
// with every hash and tree node re-computed, two entries swapped, a truncated tail, and random
// byte flips in the database files. Each is caught by the audit (or refused at opening), and
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

std::unique_ptr<rocksdb::DB> OpenRaw(const std::string& dir) {
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::Open(rocksdb::Options(), dir + "/db", &raw).ok());
  return std::unique_ptr<rocksdb::DB>(raw);
}

std::string Str(const Bytes& b) { return std::string(b.begin(), b.end()); }
std::string Str(const Hash& h) { return std::string(h.begin(), h.end()); }

// A ledger with events and a checkpoint after every ten, closed.
void Build(LedgerFixture& f) {
  for (int i = 0; i < kEvents; ++i) {
    REQUIRE(f.Rate("tamper-" + std::to_string(i), Uscc("370202", i % 7)).ok());
    if (i % 10 == 9) REQUIRE(f.ledger->PublishCheckpoint().ok());
  }
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
    for (uint64_t seq = 0; seq < size; ++seq) {
      std::vector<CompactRange::Node> finished;
      range.Append(MerkleLeafHash(entries[seq]), &finished);
      for (const auto& node : finished) REQUIRE(db->Put({}, ledger::NodeKey(node.level, node.index), Str(node.hash)).ok());
    }
    REQUIRE(db->Put({}, ledger::EntryKey(victim), Str(entries[victim])).ok());
  }
  const std::string failure = AuditFailure(f.dir.path());
  INFO(failure);
  CHECK_THAT(failure, Catch::Contains("checkpoint at size " + std::to_string(size)) && Catch::Contains("history rewritten"));
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
  const std::string failure = AuditFailure(f.dir.path());
  INFO(failure);
  CHECK_THAT(failure, Catch::StartsWith("seq 11:"));
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
  const std::string failure = AuditFailure(f.dir.path());
  INFO(failure);
  CHECK_THAT(failure, Catch::Contains("checkpoint covers size " + std::to_string(size)));
}

TEST_CASE("random byte flips in the database files never pass the audit unnoticed", "[tamper]") {
  LedgerFixture f;
  Build(f);
  f.ledger.reset();
  {
    // Everything in table files, where every byte is under a block checksum.
    auto db = OpenRaw(f.dir.path());
    REQUIRE(db->Flush(rocksdb::FlushOptions()).ok());
    REQUIRE(db->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr).ok());
  }
  std::vector<std::string> tables;
  for (const auto& file : std::filesystem::directory_iterator(f.dir.path() + "/db")) {
    if (file.path().extension() == ".sst") tables.push_back(file.path().filename());
  }
  REQUIRE_FALSE(tables.empty());
  std::mt19937_64 rng(1234);
  int detected = 0, flips = 0;
  for (int trial = 0; trial < 30; ++trial) {
    TempDir copy;
    std::filesystem::copy(f.dir.path(), copy.path(), std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
    const std::string path = copy.path() + "/db/" + tables[rng() % tables.size()];
    const auto bytes = std::filesystem::file_size(path);
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    const auto offset = static_cast<std::streamoff>(rng() % bytes);
    char c = 0;
    file.seekg(offset);
    file.get(c);
    file.seekp(offset);
    file.put(static_cast<char>(c ^ (1 << (rng() % 8))));
    file.close();
    ++flips;
    const std::string failure = AuditFailure(copy.path());
    INFO("flip at " << offset << " of " << path << ": " << failure);
    CHECK_FALSE(failure.empty());
    detected += failure.empty() ? 0 : 1;
  }
  CHECK(detected == flips);
}
