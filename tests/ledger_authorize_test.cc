// The writer checks the signer before anything about the log: an envelope signed by a key
// that may not write it learns nothing about which event ids exist. Event ids are scoped to
// the signing key's agency, so one agency cannot take another's (predictable) ids first.
// signed_at_ms must lie in a window around the writer's clock. Older ledgers' unscoped id
// index is rebuilt when they are first opened for writing.
#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include "ledger/audit.h"
#include "ledger/format.h"
#include "ledger_fixture.h"

using namespace creditlog;
using creditlog::testing::LedgerFixture;
using creditlog::testing::RatingEvent;
using creditlog::testing::Sign;
using creditlog::testing::Uscc;

namespace {

const std::string kOtherAgency = events::MakeUscc("11", "370200", "MB1B0009");

// Registers a second agency's key (another USCC) for ServiceRated in Qingdao.
KeyPair RegisterOtherAgency(LedgerFixture& f) {
  KeyPair other = GenerateKeyPair();
  auto registered = f.ledger->Append(
      Sign(testing::RegisterEvent("agency-2", other.public_key, "3702", {"ServiceRated"}, kOtherAgency), f.root,
           LedgerFixture::kOrigin));
  REQUIRE(registered.ok());
  return other;
}

Result<ledger::AppendResult> AppendSignedAt(LedgerFixture& f, const std::string& id, int64_t signed_at_ms) {
  nlohmann::json event = RatingEvent(id, Uscc("370202", 1));
  event["signed_at_ms"] = signed_at_ms;
  return f.ledger->Append(Sign(event, f.agency, LedgerFixture::kOrigin));
}

}  // namespace

TEST_CASE("a key that may not write an event is refused before its id is looked up", "[ledger][authorize]") {
  LedgerFixture f;
  REQUIRE(f.Rate("known-id", Uscc("370202", 1)).ok());
  const uint64_t size = f.ledger->size();
  // The same id and content, signed by an unregistered key: 403, not "already recorded".
  auto stranger = f.ledger->Append(Sign(RatingEvent("known-id", Uscc("370202", 1)), GenerateKeyPair(), LedgerFixture::kOrigin));
  REQUIRE(stranger.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(stranger.status().message(), Catch::Contains("not registered") && !Catch::Contains("recorded"));
  // A registered key outside its jurisdiction, reusing the id: also 403.
  auto outside = f.ledger->Append(Sign(RatingEvent("known-id", Uscc("370102", 1)), f.agency, LedgerFixture::kOrigin));
  REQUIRE(outside.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(outside.status().message(), Catch::Contains("jurisdiction"));
  // A key not permitted the type, reusing an id of the ledger's own administration.
  auto admin = f.ledger->Append(
      Sign(testing::RegisterEvent("agency-1", GenerateKeyPair().public_key, "3702", {"ServiceRated"}), f.agency, LedgerFixture::kOrigin));
  REQUIRE(admin.status().code() == StatusCode::kPermissionDenied);
  CHECK_THAT(admin.status().message(), Catch::Contains("not permitted to record AgencyKeyRegistered"));
  CHECK(f.ledger->size() == size);
}

TEST_CASE("event ids are scoped to the signing agency", "[ledger][authorize]") {
  LedgerFixture f;
  KeyPair other = RegisterOtherAgency(f);
  auto mine = f.Rate("2026-001", Uscc("370202", 1));
  REQUIRE(mine.ok());
  // Another agency may use the same id for its own event: a different entry.
  const Bytes theirs_envelope = Sign(RatingEvent("2026-001", Uscc("370202", 2)), other, LedgerFixture::kOrigin);
  auto theirs = f.ledger->Append(theirs_envelope);
  REQUIRE(theirs.ok());
  CHECK_FALSE(theirs->duplicate);
  CHECK(theirs->seq == mine->seq + 1);
  // Each agency's retry is idempotent within its own ids; different content is its own conflict.
  auto retry = f.ledger->Append(theirs_envelope);
  REQUIRE(retry.ok());
  CHECK(retry->duplicate);
  CHECK(retry->seq == theirs->seq);
  CHECK(f.Rate("2026-001", Uscc("370202", 3)).status().code() == StatusCode::kConflict);
  CHECK(**f.ledger->FindEventId(testing::AgencyUscc(), "2026-001") == mine->seq);
  CHECK(**f.ledger->FindEventId(kOtherAgency, "2026-001") == theirs->seq);
  CHECK_FALSE(f.ledger->FindEventId(events::MakeUscc("11", "370200", "MB1B0008"), "2026-001")->has_value());
  // A replacement key of the same agency shares its ids.
  KeyPair rotated = GenerateKeyPair();
  nlohmann::json rotate = testing::RegisterEvent("agency-1-rotated", rotated.public_key, "3702", {"ServiceRated"});
  rotate["body"]["replaces_public_key"] = testing::KeyJson(f.agency.public_key);
  REQUIRE(f.ledger->Append(Sign(rotate, f.root, LedgerFixture::kOrigin)).ok());
  auto rotated_retry = f.ledger->Append(Sign(RatingEvent("2026-001", Uscc("370202", 3)), rotated, LedgerFixture::kOrigin));
  CHECK(rotated_retry.status().code() == StatusCode::kConflict);
  f.ledger.reset();
  f.Reopen();
  CHECK(ledger::AuditLedger(*f.ledger).ok());
}

TEST_CASE("a ledger with the unscoped id index is rebuilt on first opening for writing", "[ledger][authorize]") {
  LedgerFixture f;
  for (int i = 0; i < 30; ++i) REQUIRE(f.Rate("old-" + std::to_string(i), Uscc("370202", i % 5)).ok());
  REQUIRE(f.ledger->PublishCheckpoint().ok());
  const uint64_t size = f.ledger->size();
  f.ledger.reset();
  {
    // The layout before agency-scoped ids: 'i' event_id → seq, no "event_ids" mark.
    auto db = testing::OpenRawDatabase(f.dir.path());
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator({}));
    std::vector<std::pair<std::string, std::string>> scoped;
    for (it->Seek("d"); it->Valid() && it->key().starts_with("d"); it->Next()) scoped.emplace_back(it->key().ToString(), it->value().ToString());
    REQUIRE(scoped.size() == size);
    for (const auto& [key, value] : scoped) {
      REQUIRE(db->Delete({}, key).ok());
      REQUIRE(db->Put({}, ledger::EventIdKey(key.substr(key.find('\0') + 1)), value).ok());
    }
    REQUIRE(db->Delete({}, ledger::MetaKey(ledger::kMetaEventIds)).ok());
  }
  {
    // Read-only (an auditor's copy): the old index answers, the audit passes.
    auto reader = ledger::Ledger::Open(f.dir.path(), {.read_only = true});
    REQUIRE(reader.ok());
    CHECK(**(*reader)->FindEventId(testing::AgencyUscc(), "old-7") > 0);
    CHECK_FALSE((*reader)->FindEventId(kOtherAgency, "old-7")->has_value());
    CHECK(ledger::AuditLedger(**reader).ok());
  }
  f.Reopen();
  CHECK(**f.ledger->FindEventId(testing::AgencyUscc(), "old-7") > 0);
  auto retry = f.Rate("old-7", Uscc("370202", 2));
  REQUIRE(retry.ok());
  CHECK(retry->duplicate);
  CHECK(f.ledger->size() == size);
  CHECK(ledger::AuditLedger(*f.ledger).ok());
  f.ledger.reset();
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::OpenForReadOnly(rocksdb::Options(), f.dir.path() + "/db", &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator({}));
  it->Seek("i");
  CHECK((!it->Valid() || !it->key().starts_with("i")));  // the old index is gone
}

TEST_CASE("signed_at_ms outside the window around the writer's clock is refused", "[ledger][authorize]") {
  LedgerFixture f;
  const int64_t now = ledger::NowMs();
  const uint64_t size = f.ledger->size();
  for (int64_t bad : {int64_t{-5}, int64_t{1} << 62, now - ledger::kSignedAtPastMaxMs - 60'000,
                      now + ledger::kSignedAtFutureMaxMs + 60'000}) {
    auto r = AppendSignedAt(f, "when-" + std::to_string(bad), bad);
    INFO(bad);
    REQUIRE(r.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::StartsWith("signed_at_ms: " + std::to_string(bad)));
  }
  CHECK(f.ledger->size() == size);
  CHECK(AppendSignedAt(f, "when-now", now).ok());
  CHECK(AppendSignedAt(f, "when-last-month", now - ledger::kSignedAtPastMaxMs + 60'000).ok());
  CHECK(AppendSignedAt(f, "when-skewed", now + ledger::kSignedAtFutureMaxMs - 60'000).ok());
  CHECK(AppendSignedAt(f, "when-unsaid", 0).ok());  // 0: the signer did not say
}
