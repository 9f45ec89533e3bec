// Reads check what they hand out, and data from disk that is malformed is Corruption, never a
// crash: entries under the wrong key, index values of the wrong length, a damaged size record.
#include <catch2/catch.hpp>

#include <filesystem>

#include <rocksdb/db.h>

#include "ledger/audit.h"
#include "ledger/export.h"
#include "ledger/format.h"
#include "ledger_fixture.h"

using namespace creditlog;
using creditlog::testing::LedgerFixture;
using creditlog::testing::Uscc;

namespace {

std::string Str(const Bytes& b) { return std::string(b.begin(), b.end()); }

// The fixture's two entries and six ratings of one subject.
void Build(LedgerFixture& f) {
  for (int i = 0; i < 6; ++i) REQUIRE(f.Rate("r" + std::to_string(i), Uscc("370202", 1)).ok());
}

std::string BuildClosed(LedgerFixture& f) {
  Build(f);
  f.ledger.reset();
  return f.dir.path();
}

}  // namespace

TEST_CASE("ForEachEntry refuses an entry stored under another seq and hands out none after it", "[ledger][read]") {
  LedgerFixture f;
  Build(f);
  // Past the first full tile: opening reads the entries after it again (the tree's edge), and
  // would refuse these two already.
  for (int i = 0; f.ledger->size() <= ledger::kTreeTileWidth; ++i) REQUIRE(f.Rate("more-" + std::to_string(i), Uscc("370202", i % 30)).ok());
  const Bytes third = *f.ledger->Entry(3), fifth = *f.ledger->Entry(5);
  f.ledger.reset();
  const std::string dir = f.dir.path();
  {
    auto db = testing::OpenRawDatabase(dir);
    REQUIRE(db->Put({}, ledger::EntryKey(3), Str(fifth)).ok());
    REQUIRE(db->Put({}, ledger::EntryKey(5), Str(third)).ok());
  }
  auto opened = ledger::Ledger::Open(dir, {.read_only = true});
  REQUIRE(opened.ok());
  std::vector<uint64_t> seen;
  const Status read = (*opened)->ForEachEntry(0, (*opened)->size(), [&](uint64_t seq, ByteView) {
    seen.push_back(seq);
    return Status::Ok();
  });
  CHECK(read.code() == StatusCode::kCorruption);
  CHECK(read.message() == "entry stored at seq 3 says seq 5");
  CHECK(seen == std::vector<uint64_t>{0, 1, 2});
  CHECK((*opened)->Entry(3).status().message() == read.message());
  // The audit names the same seq, after checking everything before it.
  auto report = ledger::AuditLedger(**opened);
  REQUIRE_FALSE(report.ok());
  CHECK_THAT(report.status().message(), Catch::StartsWith("seq 3: entry stored at seq 3 says seq 5"));
}

TEST_CASE("index values of the wrong length are corruption, not a crash", "[ledger][read]") {
  LedgerFixture f;
  const std::string subject = Uscc("370202", 1);
  const std::string dir = BuildClosed(f);
  {
    auto db = testing::OpenRawDatabase(dir);
    REQUIRE(db->Put({}, ledger::StreamKey(subject), "short").ok());
    REQUIRE(db->Put({}, ledger::StreamIndexKey(subject, 2), "").ok());
    REQUIRE(db->Put({}, ledger::AgencyEventIdKey(testing::AgencyUscc(), "r0"), "123456789").ok());
  }
  auto opened = ledger::Ledger::Open(dir, {.read_only = true});
  REQUIRE(opened.ok());
  const auto version = (*opened)->StreamVersion(subject);
  CHECK(version.status().code() == StatusCode::kCorruption);
  CHECK(version.status().message() == "stream version is malformed: 5 bytes where 8 belong");
  CHECK((*opened)->StreamSeqs(subject).status().code() == StatusCode::kCorruption);
  const auto id = (*opened)->FindEventId(testing::AgencyUscc(), "r0");
  CHECK(id.status().code() == StatusCode::kCorruption);
  CHECK(id.status().message() == "event id index value is malformed: 9 bytes where 8 belong");
}

TEST_CASE("a size record of the wrong length refuses to open", "[ledger][read]") {
  LedgerFixture f;
  const std::string dir = BuildClosed(f);
  {
    auto db = testing::OpenRawDatabase(dir);
    REQUIRE(db->Put({}, ledger::MetaKey(ledger::kMetaSize), "\x01").ok());
  }
  auto opened = ledger::Ledger::Open(dir, {.read_only = true});
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code() == StatusCode::kCorruption);
  CHECK_THAT(opened.status().message(), Catch::Contains("the ledger's size record is malformed: 1 bytes where 8 belong"));
}

TEST_CASE("an export is written durably and leaves nothing else behind", "[ledger][read][export]") {
  LedgerFixture f;
  for (int i = 0; i < 4; ++i) REQUIRE(f.Rate("x" + std::to_string(i), Uscc("370202", i)).ok());
  REQUIRE(f.ledger->PublishCheckpoint().ok());
  testing::TempDir out;
  const std::string path = out.path() + "/ledger.export";
  auto header = ledger::WriteExport(*f.ledger, path);
  REQUIRE(header.ok());
  CHECK(header->entries == 6);
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(out.path())) files += entry.exists() ? 1 : 0;
  CHECK(files == 1);
  CHECK(ledger::AuditExport(path, f.ledger->VerifierKey()).ok());
  // Exporting again replaces the file whole.
  REQUIRE(ledger::WriteExport(*f.ledger, path).ok());
  CHECK(ledger::AuditExport(path, f.ledger->VerifierKey()).ok());
}

TEST_CASE("a genesis on disk whose ledger key is not a key refuses to open instead of crashing", "[ledger][read]") {
  LedgerFixture f;
  const auto stored = f.ledger->Entry(0);
  REQUIRE(stored.ok());
  const auto original = ledger::ParseEntry(*stored);  // a view into `stored`
  REQUIRE(original.ok());
  const fb::Genesis& genesis = *original->envelope.event->body_as_Genesis();
  // The same genesis with a ledger key one byte short, re-encoded in canonical form.
  flatbuffers::FlatBufferBuilder b;
  std::vector<uint8_t> root_key(genesis.root_public_key()->begin(), genesis.root_public_key()->end());
  std::vector<uint8_t> short_key(genesis.ledger_public_key()->begin(), genesis.ledger_public_key()->end() - 1);
  auto body = fb::CreateGenesisDirect(b, genesis.ledger_id()->c_str(), genesis.origin()->c_str(), &root_key, &short_key,
                                      genesis.office_uscc()->c_str(), genesis.office_name()->c_str(),
                                      genesis.created_date()->c_str());
  b.Finish(fb::CreateEventDirect(b, "genesis", "", -1, original->recorded_at_ms, 0, fb::EventBody::Genesis, body.Union()));
  const Bytes event(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  const Bytes envelope = events::SignEnvelope(event, f.root.secret_key, LedgerFixture::kOrigin);
  auto view = events::ParseEnvelope(envelope);
  REQUIRE(view.ok());
  const Bytes forged =
      ledger::BuildEntry(0, original->recorded_at_ms, original->stream_version, ledger::CanonicalEnvelope(*view));
  REQUIRE(ledger::ParseEntry(forged).ok());
  f.ledger.reset();
  {
    auto db = testing::OpenRawDatabase(f.dir.path());
    REQUIRE(db->Put({}, ledger::EntryKey(0), Str(forged)).ok());
  }
  auto opened = ledger::Ledger::Open(f.dir.path(), {.read_only = true});
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code() == StatusCode::kCorruption);
  CHECK_THAT(opened.status().message(),
             Catch::Contains("replaying key registry at seq 0: administrative event: body.ledger_public_key"));
}
