// Damage that would make the ledger silently shorter: a byte flipped in the write-ahead log,
// the log cut or deleted, a table file removed, an old copy of the database restored. The
// latest published checkpoint is kept outside RocksDB (DIR/checkpoint), so every such damage
// either refuses to open, naming the checkpoint's size and what the database holds, or loses
// nothing — never an acknowledged, checkpointed event. A torn tail of unacknowledged data, as
// a crash leaves it, still recovers.
#include <filesystem>
#include <fstream>

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

namespace fs = std::filesystem;

constexpr int kCommits = 6;
constexpr int kEventsPerCommit = 4;
constexpr int kWalFlipTrials = 160;
constexpr int kWalCutTrials = 120;

// Appends kCommits batches of events, publishing a checkpoint after each, so that the last
// checkpoint covers everything. Returns every entry, in order.
std::vector<Bytes> Build(LedgerFixture& f, const std::string& tag) {
  for (int c = 0; c < kCommits; ++c) {
    std::vector<Bytes> batch;
    for (int i = 0; i < kEventsPerCommit; ++i) {
      const std::string id = tag + "-" + std::to_string(c) + "-" + std::to_string(i);
      batch.push_back(testing::Sign(testing::RatingEvent(id, Uscc("370202", i)), f.agency, LedgerFixture::kOrigin));
    }
    for (const auto& r : f.ledger->AppendBatch(std::move(batch))) REQUIRE(r.ok());
    REQUIRE(f.ledger->PublishCheckpoint().ok());
  }
  std::vector<Bytes> entries;
  for (uint64_t seq = 0; seq < f.ledger->size(); ++seq) entries.push_back(*f.ledger->Entry(seq));
  return entries;
}

// The files as a crash would leave them: copied while the ledger is still open.
void Copy(const std::string& from, const std::string& to) {
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

std::vector<fs::path> Files(const std::string& dir, const std::string& extension) {
  std::vector<fs::path> out;
  for (const auto& file : fs::directory_iterator(dir + "/db")) {
    if (file.path().extension() == extension) out.push_back(file.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The write-ahead log holding the most data.
fs::path Wal(const std::string& dir) {
  fs::path largest;
  for (const auto& path : Files(dir, ".log")) {
    if (largest.empty() || fs::file_size(path) > fs::file_size(largest)) largest = path;
  }
  REQUIRE_FALSE(largest.empty());
  return largest;
}

void FlipBit(const fs::path& path, uint64_t offset, int bit) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  char c = 0;
  file.seekg(static_cast<std::streamoff>(offset));
  file.get(c);
  file.seekp(static_cast<std::streamoff>(offset));
  file.put(static_cast<char>(c ^ (1 << bit)));
}

struct Outcome {
  bool refused = false;
  std::string message;
};

// Opens `dir` read-only. Either it is refused, or every entry of `entries` is there byte for
// byte (REQUIREd here): nothing acknowledged and checkpointed was dropped without a word.
Outcome OpenAndCompare(const std::string& dir, const std::vector<Bytes>& entries) {
  auto opened = ledger::Ledger::Open(dir, {.read_only = true});
  if (!opened.ok()) return {true, opened.status().message()};
  ledger::Ledger& ledger = **opened;
  REQUIRE(ledger.size() >= entries.size());
  for (uint64_t seq = 0; seq < entries.size(); ++seq) {
    auto entry = ledger.Entry(seq);
    if (!entry.ok()) return {true, entry.status().message()};  // refused on reading: not silent
    REQUIRE(*entry == entries[seq]);
  }
  return {false, ""};
}

}  // namespace

TEST_CASE("a byte flipped anywhere in the write-ahead log never drops a checkpointed event silently", "[rollback]") {
  LedgerFixture f;
  const std::vector<Bytes> entries = Build(f, "flip");
  TempDir image;
  Copy(f.dir.path(), image.path());  // a crash image: everything is still in the log
  const fs::path wal = Wal(image.path());
  const uint64_t bytes = fs::file_size(wal);
  REQUIRE(bytes > 1000);
  int refused = 0, intact = 0;
  for (int trial = 0; trial < kWalFlipTrials; ++trial) {
    // Evenly spread over the log, and every byte of its last 40 (the last record's header).
    const uint64_t offset = trial < kWalFlipTrials - 40 ? bytes * static_cast<uint64_t>(trial) / (kWalFlipTrials - 40)
                                                         : bytes - static_cast<uint64_t>(kWalFlipTrials - trial);
    TempDir copy;
    Copy(image.path(), copy.path());
    FlipBit(fs::path(copy.path()) / "db" / wal.filename(), offset, trial % 8);
    INFO("bit " << trial % 8 << " of byte " << offset << " of " << bytes);
    const Outcome outcome = OpenAndCompare(copy.path(), entries);
    (outcome.refused ? refused : intact) += 1;
  }
  // Most flips land in the entries themselves and must refuse; the rest lose nothing.
  CHECK(refused > kWalFlipTrials / 2);
  WARN("write-ahead log flips: " << refused << " refused to open, " << intact << " lost nothing");
}

TEST_CASE("the write-ahead log cut anywhere, or deleted, refuses to open", "[rollback]") {
  LedgerFixture f;
  const std::vector<Bytes> entries = Build(f, "cut");
  TempDir image;
  Copy(f.dir.path(), image.path());
  const fs::path wal = Wal(image.path());
  const uint64_t bytes = fs::file_size(wal);
  for (int trial = 0; trial < kWalCutTrials; ++trial) {
    const uint64_t keep = bytes * static_cast<uint64_t>(trial) / kWalCutTrials;
    TempDir copy;
    Copy(image.path(), copy.path());
    fs::resize_file(fs::path(copy.path()) / "db" / wal.filename(), keep);
    INFO("log cut to " << keep << " of " << bytes << " bytes");
    const Outcome outcome = OpenAndCompare(copy.path(), entries);
    // Only a cut in the last record (the last checkpoint's own write) can leave every entry.
    if (!outcome.refused) CHECK(keep > bytes - 1024);
  }
  TempDir copy;
  Copy(image.path(), copy.path());
  fs::remove(fs::path(copy.path()) / "db" / wal.filename());
  const Outcome deleted = OpenAndCompare(copy.path(), entries);
  INFO(deleted.message);
  CHECK(deleted.refused);
  CHECK_THAT(deleted.message, Catch::Contains("rolled back") &&
                                  Catch::Contains("checkpoint of " + std::to_string(entries.size()) + " entries") &&
                                  Catch::Contains("refusing to open"));
}

TEST_CASE("a torn tail of unacknowledged data still recovers, to the last acknowledged entry", "[rollback]") {
  LedgerFixture f;
  const std::vector<Bytes> entries = Build(f, "torn");
  // One more commit, not yet covered by a checkpoint: a crash may tear its record.
  REQUIRE(f.Rate("torn-last", Uscc("370202", 1)).ok());
  TempDir image;
  Copy(f.dir.path(), image.path());
  const fs::path wal = fs::path(image.path()) / "db" / Wal(image.path()).filename();
  fs::resize_file(wal, fs::file_size(wal) - 3);  // the last record, incomplete
  auto opened = ledger::Ledger::Open(image.path());
  REQUIRE(opened.ok());
  CHECK((*opened)->size() == entries.size());
  REQUIRE((*opened)->SetCheckpointKey(f.ledger_key.secret_key).ok());
  CHECK((*opened)->PublishCheckpoint().ok());
  CHECK(ledger::AuditLedger(**opened).ok());
}

TEST_CASE("a table file removed refuses to open", "[rollback]") {
  LedgerFixture f;
  const std::vector<Bytes> entries = Build(f, "table");
  f.ledger.reset();  // a clean close: the log's contents go into a table file
  const auto tables = Files(f.dir.path(), ".sst");
  REQUIRE_FALSE(tables.empty());
  fs::remove(tables.front());
  const Outcome outcome = OpenAndCompare(f.dir.path(), entries);
  INFO(outcome.message);
  CHECK(outcome.refused);
  CHECK_THAT(outcome.message, Catch::Contains(tables.front().stem().string()) && Catch::Contains("No such file"));
}

TEST_CASE("an old copy of the database restored refuses to open, naming both sizes", "[rollback]") {
  LedgerFixture f;
  Build(f, "old");
  const uint64_t old_size = f.ledger->size();
  f.ledger.reset();
  TempDir old;
  Copy(f.dir.path() + "/db", old.path() + "/db");
  f.Reopen();
  for (int i = 0; i < 3; ++i) REQUIRE(f.Rate("after-" + std::to_string(i), Uscc("370202", i)).ok());
  REQUIRE(f.ledger->PublishCheckpoint().ok());
  const uint64_t new_size = f.ledger->size();
  f.ledger.reset();
  fs::remove_all(f.dir.path() + "/db");
  Copy(old.path() + "/db", f.dir.path() + "/db");
  auto opened = ledger::Ledger::Open(f.dir.path());
  REQUIRE_FALSE(opened.ok());
  INFO(opened.status().message());
  CHECK(opened.status().code() == StatusCode::kCorruption);
  CHECK_THAT(opened.status().message(),
             Catch::Contains("rolled back") && Catch::Contains("covers " + std::to_string(new_size) + " entries") &&
                 Catch::Contains("holds " + std::to_string(old_size)) &&
                 Catch::Contains(f.dir.path() + "/" + std::string(ledger::kCheckpointRecordFile)));
  CHECK_FALSE(ledger::Ledger::Open(f.dir.path(), {.read_only = true}).ok());
}

TEST_CASE("a damaged or missing checkpoint record refuses to open", "[rollback]") {
  LedgerFixture f;
  Build(f, "record");
  f.ledger.reset();
  const std::string record = f.dir.path() + "/" + std::string(ledger::kCheckpointRecordFile);
  REQUIRE(fs::exists(record));
  CHECK((fs::status(record).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
  TempDir flipped, missing;
  Copy(f.dir.path(), flipped.path());
  Copy(f.dir.path(), missing.path());
  FlipBit(flipped.path() + "/" + std::string(ledger::kCheckpointRecordFile), 40, 2);
  auto damaged = ledger::Ledger::Open(flipped.path());
  REQUIRE_FALSE(damaged.ok());
  CHECK_THAT(damaged.status().message(), Catch::Contains("the checkpoint record is damaged"));
  fs::remove(missing.path() + "/" + std::string(ledger::kCheckpointRecordFile));
  auto gone = ledger::Ledger::Open(missing.path());
  REQUIRE_FALSE(gone.ok());
  CHECK_THAT(gone.status().message(), Catch::Contains("is missing"));
}

TEST_CASE("a crash between keeping the record and storing the checkpoint is repaired on opening", "[rollback]") {
  LedgerFixture f;
  Build(f, "repair");
  const auto latest = f.ledger->Checkpoints();
  REQUIRE(latest.ok());
  const uint64_t size = latest->back().first;
  f.ledger.reset();
  {
    auto db = testing::OpenRawDatabase(f.dir.path());
    REQUIRE(db->Delete({}, ledger::CheckpointKey(size)).ok());
  }
  f.Reopen();
  auto note = f.ledger->LatestCheckpoint();
  REQUIRE(note.ok());
  CHECK(f.ledger->OpenCheckpoint(*note)->size == size);
}

TEST_CASE("a ledger from before the record gets one from its latest checkpoint", "[rollback]") {
  LedgerFixture f;
  Build(f, "legacy");
  const uint64_t size = f.ledger->size();
  f.ledger.reset();
  const std::string record = f.dir.path() + "/" + std::string(ledger::kCheckpointRecordFile);
  fs::remove(record);
  {
    auto db = testing::OpenRawDatabase(f.dir.path());
    REQUIRE(db->Delete({}, ledger::MetaKey(ledger::kMetaRecord)).ok());
  }
  f.Reopen();
  REQUIRE(fs::exists(record));
  std::ifstream in(record);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(f.ledger->OpenCheckpoint(text)->size == size);
}
