// The verifying client (api/client/remote_log.h) against the real server on loopback: it hands
// out only what the log's key signed and its checkpoints commit to, and names what did not hold.
#include <catch2/catch.hpp>

#include "api/client/remote_log.h"
#include "api/protocol.h"
#include "crypto/merkle.h"
#include "server_fixture.h"

using namespace creditlog;
using namespace creditlog::testing;

namespace {

// More entries than one page, so that NextEntries proves a page that ends before the checkpoint
// (a consistency proof) and one that ends on it (the root itself).
constexpr size_t kRatings = api::kEntriesPageMax + 200;

void AddRatings(ServerFixture& f, size_t n, const std::string& prefix = "page-") {
  std::vector<Bytes> envelopes;
  for (size_t i = 0; i < n; ++i) envelopes.push_back(f.Rating(prefix + std::to_string(i), Uscc("370202", static_cast<int>(i % 50))));
  for (const auto& appended : f.ledger->AppendBatch(std::move(envelopes))) REQUIRE(appended.ok());
  REQUIRE(f.ledger->PublishCheckpoint().ok());
}

std::unique_ptr<api::RemoteLog> Connect(ServerFixture& f, const std::string& trusted) {
  auto log = api::RemoteLog::Connect(f.url, f.auditor_token, trusted);
  REQUIRE(log.ok());
  return std::move(*log);
}

}  // namespace

TEST_CASE("remote log: entries are handed out only once proven to be the checkpoint's", "[client]") {
  ServerFixture f;
  AddRatings(f, kRatings);
  auto log = Connect(f, f.ledger->VerifierKey());
  auto latest = log->Checkpoint();
  REQUIRE(latest.ok());
  REQUIRE(latest->checkpoint.size == f.ledger->size());
  CHECK(latest->checkpoint.origin == LedgerFixture::kOrigin);

  CompactRange range;
  uint64_t pages = 0;
  while (range.size() < latest->checkpoint.size) {
    const uint64_t first = range.size();
    auto page = log->NextEntries(latest->checkpoint, &range);
    REQUIRE(page.ok());
    REQUIRE(!page->empty());
    CHECK(page->size() <= api::kEntriesPageMax);
    for (size_t i = 0; i < page->size(); ++i) {
      auto stored = f.ledger->Entry(first + i);
      REQUIRE(stored.ok());
      CHECK((*page)[i] == *stored);
    }
    ++pages;
  }
  CHECK(pages == 2);
  CHECK(range.Root() == latest->checkpoint.root);
  auto done = log->NextEntries(latest->checkpoint, &range);
  REQUIRE(done.ok());
  CHECK(done->empty());

  // Inclusion of a real entry holds; of anything else it does not.
  const uint64_t seq = 7;
  auto entry = log->Entry(seq);
  REQUIRE(entry.ok());
  CHECK(log->CheckInclusion(seq, MerkleLeafHash(*entry), latest->checkpoint).ok());
  Bytes altered = *entry;
  altered.back() ^= 1;
  const Status wrong = log->CheckInclusion(seq, MerkleLeafHash(altered), latest->checkpoint);
  CHECK(wrong.code() == StatusCode::kCorruption);
}

TEST_CASE("remote log: consistency with an earlier tree holds, a different history does not", "[client]") {
  ServerFixture f;
  AddRatings(f, 20);
  auto log = Connect(f, "");
  auto before = log->Checkpoint();
  REQUIRE(before.ok());
  AddRatings(f, 30, "later-");
  auto after = log->Checkpoint();
  REQUIRE(after.ok());
  REQUIRE(after->checkpoint.size == before->checkpoint.size + 30 + 10);  // ten more subjects registered first
  CHECK(log->CheckConsistency(before->checkpoint.size, before->checkpoint.root, after->checkpoint).ok());
  Hash other = before->checkpoint.root;
  other[0] ^= 1;
  CHECK(log->CheckConsistency(before->checkpoint.size, other, after->checkpoint).code() == StatusCode::kCorruption);
  CHECK(log->CheckConsistency(after->checkpoint.size, other, after->checkpoint).code() == StatusCode::kCorruption);
}

TEST_CASE("remote log: another key, another log's checkpoint, a root that is not served: refused", "[client]") {
  ServerFixture f;
  AddRatings(f, 5);

  // A trusted key that is not the server's.
  LedgerFixture other;
  auto wrong_key = api::RemoteLog::Connect(f.url, "", other.ledger->VerifierKey());
  REQUIRE(!wrong_key.ok());
  CHECK(wrong_key.status().code() == StatusCode::kCorruption);
  CHECK(wrong_key.status().message().find("is not the trusted one") != std::string::npos);

  // A checkpoint signed by another ledger's key under the same origin.
  auto log = Connect(f, f.ledger->VerifierKey());
  auto foreign = other.ledger->PublishCheckpoint();
  REQUIRE(foreign.ok());
  auto opened = log->OpenCheckpoint(*foreign);
  REQUIRE(!opened.ok());
  CHECK(opened.status().code() == StatusCode::kCorruption);

  // A checkpoint whose root is not the served entries': the first entry is named, nothing kept.
  auto latest = log->Checkpoint();
  REQUIRE(latest.ok());
  creditlog::Checkpoint forged = latest->checkpoint;
  forged.root[0] ^= 1;
  CompactRange range;
  auto page = log->NextEntries(forged, &range);
  REQUIRE(!page.ok());
  CHECK(page.status().code() == StatusCode::kCorruption);
  CHECK(page.status().message().find("seq 0: the entry served is not the one") != std::string::npos);
  CHECK(range.size() == 0);
}
