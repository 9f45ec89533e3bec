#include <catch2/catch.hpp>

#include <future>
#include <set>
#include <thread>

#include "crypto/note.h"
#include "ledger/audit.h"
#include "ledger/entry.h"
#include "ledger/format.h"
#include "ledger_fixture.h"

using namespace creditlog;
using creditlog::testing::LedgerFixture;
using creditlog::testing::RatingEvent;
using creditlog::testing::Sign;
using creditlog::testing::Uscc;

TEST_CASE("Genesis is entry 0 and names the root and ledger keys", "[ledger]") {
  LedgerFixture f;
  REQUIRE(f.ledger->size() == 2);
  auto entry = f.ledger->Entry(0);
  REQUIRE(entry.ok());
  auto view = ledger::ParseEntry(*entry);
  REQUIRE(view.ok());
  REQUIRE(view->seq == 0);
  REQUIRE(view->envelope.event->body_type() == fb::EventBody::Genesis);
  REQUIRE(view->envelope.public_key == f.root.public_key);
  REQUIRE(f.ledger->ledger_public_key() == f.ledger_key.public_key);
}

TEST_CASE("Sequence numbers are consecutive and equal Merkle leaf indexes", "[ledger]") {
  LedgerFixture f;
  const std::string subject = Uscc("370202", 1);
  for (int i = 0; i < 10; ++i) {
    auto r = f.Rate("rating-" + std::to_string(i), subject);
    REQUIRE(r.ok());
    REQUIRE(r->seq == static_cast<uint64_t>(2 + i));
    REQUIRE(r->stream_version == static_cast<uint64_t>(1 + i));
    REQUIRE_FALSE(r->duplicate);
  }
  // The tree is over exactly the stored entry bytes, leaf i = entry i.
  for (uint64_t seq = 0; seq < f.ledger->size(); ++seq) {
    auto bytes = f.ledger->Entry(seq);
    REQUIRE(bytes.ok());
    auto leaf = f.ledger->LeafHash(seq);
    REQUIRE(leaf.ok());
    REQUIRE(*leaf == MerkleLeafHash(*bytes));
    auto proof = f.ledger->InclusionProof(seq, f.ledger->size());
    REQUIRE(proof.ok());
    auto root = f.ledger->Root(f.ledger->size());
    REQUIRE(root.ok());
    REQUIRE(VerifyInclusion(seq, f.ledger->size(), *leaf, *proof, *root).ok());
  }
}

TEST_CASE("A replayed event id returns the original seq and adds nothing", "[ledger]") {
  LedgerFixture f;
  const std::string subject = Uscc("370202", 2);
  Bytes envelope = Sign(testing::RatingEvent("retry-me", subject), f.agency, LedgerFixture::kOrigin);
  auto first = f.ledger->Append(envelope);
  REQUIRE(first.ok());
  const uint64_t size = f.ledger->size();
  auto again = f.ledger->Append(envelope);
  REQUIRE(again.ok());
  REQUIRE(again->duplicate);
  REQUIRE(again->seq == first->seq);
  REQUIRE(f.ledger->size() == size);
  // Also within one group-commit batch.
  auto batch = f.ledger->AppendBatch({Sign(testing::RatingEvent("twice", subject), f.agency, LedgerFixture::kOrigin),
                                      Sign(testing::RatingEvent("twice", subject), f.agency, LedgerFixture::kOrigin)});
  REQUIRE(batch[0].ok());
  REQUIRE(batch[1].ok());
  REQUIRE(batch[1]->duplicate);
  REQUIRE(batch[1]->seq == batch[0]->seq);
  REQUIRE(f.ledger->size() == size + 1);
}

TEST_CASE("An event id reused for different content is a conflict", "[ledger]") {
  LedgerFixture f;
  REQUIRE(f.Rate("same-id", Uscc("370202", 3)).ok());
  const uint64_t size = f.ledger->size();
  auto other = f.Rate("same-id", Uscc("370202", 4));
  REQUIRE(other.status().code() == StatusCode::kConflict);
  REQUIRE(f.ledger->size() == size);
}

TEST_CASE("An expected-version conflict is rejected and nothing is written", "[ledger]") {
  LedgerFixture f;
  const std::string subject = Uscc("370203", 5);
  REQUIRE(f.Rate("v1", subject, 0).ok());
  REQUIRE(f.Rate("v2", subject, 1).ok());
  const uint64_t size = f.ledger->size();
  auto stale = f.Rate("v3", subject, 1);
  REQUIRE(stale.status().code() == StatusCode::kConflict);
  REQUIRE_THAT(stale.status().message(), Catch::Contains("expected version 1") && Catch::Contains("version 2"));
  REQUIRE(f.ledger->size() == size);
  REQUIRE(*f.ledger->StreamVersion(subject) == 2);
  REQUIRE(f.Rate("v3", subject, 2).ok());
}

TEST_CASE("An unregistered key is rejected and nothing is written", "[ledger]") {
  LedgerFixture f;
  KeyPair stranger = GenerateKeyPair();
  const uint64_t size = f.ledger->size();
  auto r = f.ledger->Append(Sign(testing::RatingEvent("x", Uscc("370202", 6)), stranger, LedgerFixture::kOrigin));
  REQUIRE(r.status().code() == StatusCode::kPermissionDenied);
  REQUIRE_THAT(r.status().message(), Catch::Contains("not registered"));
  REQUIRE(f.ledger->size() == size);
  REQUIRE_FALSE(f.ledger->FindEventId(testing::AgencyUscc(), "x")->has_value());
}

TEST_CASE("A key may not record types or subjects outside its permission", "[ledger]") {
  LedgerFixture f;
  const uint64_t size = f.ledger->size();
  // Jurisdiction 3702 does not cover Jinan (3701).
  auto outside = f.Rate("jinan", Uscc("370102", 7));
  REQUIRE(outside.status().code() == StatusCode::kPermissionDenied);
  REQUIRE_THAT(outside.status().message(), Catch::Contains("jurisdiction"));
  // The agency key may not register keys.
  auto escalate = f.ledger->Append(
      Sign(testing::RegisterEvent("self", GenerateKeyPair().public_key, "", {"PenaltyDecided"}), f.agency, LedgerFixture::kOrigin));
  REQUIRE(escalate.status().code() == StatusCode::kPermissionDenied);
  REQUIRE_THAT(escalate.status().message(), Catch::Contains("not permitted to record AgencyKeyRegistered"));
  REQUIRE(f.ledger->size() == size);
}

TEST_CASE("A revoked key is rejected from the revocation on", "[ledger]") {
  LedgerFixture f;
  REQUIRE(f.Rate("before", Uscc("370202", 8)).ok());
  nlohmann::json revoke = {{"event_id", "revoke-agency"},
                           {"subject", ""},
                           {"body_type", "KeyRevoked"},
                           {"body", {{"public_key", testing::KeyJson(f.agency.public_key)}, {"reason", "密钥泄露"}}}};
  auto revoked = f.ledger->Append(Sign(revoke, f.root, LedgerFixture::kOrigin));
  REQUIRE(revoked.ok());
  const uint64_t size = f.ledger->size();
  auto after = f.Rate("after", Uscc("370202", 8));
  REQUIRE(after.status().code() == StatusCode::kPermissionDenied);
  REQUIRE_THAT(after.status().message(), Catch::Contains("revoked at seq " + std::to_string(revoked->seq)));
  REQUIRE(f.ledger->size() == size);
  // The revocation survives a restart: the registry is rebuilt from the log.
  f.Reopen();
  REQUIRE(f.Rate("after-restart", Uscc("370202", 8)).status().code() == StatusCode::kPermissionDenied);
}

TEST_CASE("A signature made for another ledger is rejected", "[ledger]") {
  LedgerFixture f;
  auto r = f.ledger->Append(Sign(testing::RatingEvent("foreign", Uscc("370202", 9)), f.agency, "other.example/log"));
  REQUIRE(r.status().code() == StatusCode::kPermissionDenied);
  REQUIRE(f.ledger->size() == 2);
}

TEST_CASE("Reopening recovers size, tree, stream versions and registry", "[ledger]") {
  LedgerFixture f;
  const std::string subject = Uscc("370211", 10);
  for (int i = 0; i < 5; ++i) REQUIRE(f.Rate("r" + std::to_string(i), subject).ok());
  auto root_before = f.ledger->Root(f.ledger->size());
  REQUIRE(root_before.ok());
  const uint64_t size = f.ledger->size();
  f.Reopen();
  REQUIRE(f.ledger->size() == size);
  REQUIRE(*f.ledger->Root(size) == *root_before);
  REQUIRE(*f.ledger->StreamVersion(subject) == 5);
  auto next = f.Rate("r5", subject, 5);
  REQUIRE(next.ok());
  REQUIRE(next->seq == size);
}

TEST_CASE("Concurrent appends from many threads all land exactly once", "[ledger]") {
  LedgerFixture f;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = f.Rate("c-" + std::to_string(t) + "-" + std::to_string(i), Uscc("370202", 100 + t));
        if (r.ok()) seqs[t].push_back(r->seq);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<uint64_t> all;
  for (const auto& s : seqs) {
    REQUIRE(s.size() == kPerThread);
    all.insert(s.begin(), s.end());
  }
  REQUIRE(all.size() == kThreads * kPerThread);
  REQUIRE(f.ledger->size() == 2 + kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) REQUIRE(*f.ledger->StreamVersion(Uscc("370202", 100 + t)) == kPerThread);
}

TEST_CASE("Checkpoints are signed notes that standard verifiers accept", "[ledger]") {
  LedgerFixture f;
  REQUIRE(f.Rate("c1", Uscc("370202", 11)).ok());
  auto note = f.ledger->PublishCheckpoint();
  REQUIRE(note.ok());
  auto verifier = ParseVerifierKey(f.ledger->VerifierKey());
  REQUIRE(verifier.ok());
  REQUIRE(verifier->name == LedgerFixture::kOrigin);
  auto text = OpenNote(*note, *verifier);
  REQUIRE(text.ok());
  auto checkpoint = ParseCheckpoint(*text);
  REQUIRE(checkpoint.ok());
  REQUIRE(checkpoint->origin == LedgerFixture::kOrigin);
  REQUIRE(checkpoint->size == f.ledger->size());
  REQUIRE(checkpoint->root == *f.ledger->Root(f.ledger->size()));
  // Publishing again at the same size returns the same note; a newer one is consistent.
  REQUIRE(*f.ledger->PublishCheckpoint() == *note);
  REQUIRE(f.Rate("c2", Uscc("370202", 11)).ok());
  auto newer = ParseCheckpoint(*OpenNote(*f.ledger->PublishCheckpoint(), *verifier));
  REQUIRE(newer.ok());
  auto proof = f.ledger->ConsistencyProof(checkpoint->size, newer->size);
  REQUIRE(proof.ok());
  REQUIRE(VerifyConsistency(checkpoint->size, newer->size, checkpoint->root, newer->root, *proof).ok());
  REQUIRE(f.ledger->Checkpoints()->size() == 2);
}

TEST_CASE("Rotating a key registers the new one and revokes the old at the same seq", "[ledger]") {
  LedgerFixture f;
  KeyPair successor = GenerateKeyPair();
  nlohmann::json rotate = testing::RegisterEvent("agency-2", successor.public_key, "3702", {"ServiceRated"});
  rotate["body"]["replaces_public_key"] = testing::KeyJson(f.agency.public_key);
  auto rotated = f.ledger->Append(Sign(rotate, f.root, LedgerFixture::kOrigin));
  REQUIRE(rotated.ok());
  auto old_key = f.Rate("old-key", Uscc("370202", 12));
  REQUIRE(old_key.status().code() == StatusCode::kPermissionDenied);
  auto new_key = f.ledger->Append(Sign(testing::RatingEvent("new-key", Uscc("370202", 12)), successor, LedgerFixture::kOrigin));
  REQUIRE(new_key.ok());
  const ledger::KeyRegistry registry = f.ledger->registry();
  const ledger::KeyRecord* record = registry.Find(f.agency.public_key);
  REQUIRE(record != nullptr);
  REQUIRE(record->revoked_seq == rotated->seq);
  // A key registered twice is a conflict, and nothing is written.
  const uint64_t size = f.ledger->size();
  auto twice = f.ledger->Append(Sign(testing::RegisterEvent("agency-3", successor.public_key, "", {"ServiceRated"}), f.root,
                                     LedgerFixture::kOrigin));
  REQUIRE(twice.status().code() == StatusCode::kConflict);
  REQUIRE(f.ledger->size() == size);
}

TEST_CASE("a batch the queue cannot take whole is refused whole", "[ledger][queue]") {
  LedgerFixture f;
  std::vector<Bytes> envelopes;
  for (size_t i = 0; i <= ledger::kPendingAppendsMax; ++i) {
    envelopes.push_back(Sign(RatingEvent("q" + std::to_string(i), Uscc("370202", static_cast<int>(i))), f.agency, LedgerFixture::kOrigin));
  }
  std::promise<std::vector<Result<ledger::AppendResult>>> done;
  f.ledger->AppendManyWithCallback(std::move(envelopes), [&](std::vector<Result<ledger::AppendResult>> r) { done.set_value(std::move(r)); });
  auto results = done.get_future().get();
  REQUIRE(results.size() == ledger::kPendingAppendsMax + 1);
  for (const auto& r : results) REQUIRE(r.status().code() == StatusCode::kResourceExhausted);
  CHECK(f.ledger->size() == 2);
}

TEST_CASE("a mirror takes the primary's entries byte for byte and names the first altered one", "[ledger][mirror]") {
  LedgerFixture f;
  for (int i = 0; i < 6; ++i) REQUIRE(f.Rate("m" + std::to_string(i), Uscc("370202", i)).ok());
  std::vector<Bytes> entries;
  REQUIRE(f.ledger->ForEachEntry(0, f.ledger->size(), [&](uint64_t, ByteView b) {
    entries.emplace_back(b.begin(), b.end());
    return Status::Ok();
  }).ok());
  testing::TempDir dir;
  auto mirror = ledger::Ledger::CreateMirror(dir.path() + "/m", entries[0]);
  REQUIRE(mirror.ok());
  CHECK((*mirror)->is_mirror());
  CHECK((*mirror)->Append(entries[1]).status().code() == StatusCode::kPermissionDenied);  // no new events on a mirror
  REQUIRE((*mirror)->AppendMirrored({entries[1], entries[2], entries[3]}).ok());
  // Entry 4 with a wrong stream version: it does not rebuild. (A changed recorded time would:
  // that is caught against the checkpoint, by the mirror client.)
  auto view = ledger::ParseEntry(entries[4]);
  REQUIRE(view.ok());
  Bytes altered = ledger::BuildEntry(4, view->recorded_at_ms, view->stream_version + 1, view->envelope_bytes);
  Status refused = (*mirror)->AppendMirrored({altered, entries[5]});
  CHECK(refused.code() == StatusCode::kCorruption);
  CHECK_THAT(refused.message(), Catch::Contains("seq 4"));
  CHECK((*mirror)->size() == 4);
  // Skipping an entry is refused too; the honest ones go through.
  CHECK((*mirror)->AppendMirrored({entries[5]}).code() == StatusCode::kCorruption);
  REQUIRE((*mirror)->AppendMirrored({entries[4], entries[5], entries[6], entries[7]}).ok());
  CHECK((*mirror)->Root(8).value() == f.ledger->Root(8).value());
  // A checkpoint of the primary is accepted only where the roots agree.
  auto note = f.ledger->PublishCheckpoint();
  REQUIRE(note.ok());
  CHECK((*mirror)->StoreCheckpoint(*note).ok());
}

TEST_CASE("An envelope signed in this process is recorded with every check but the signature's, and audits", "[ledger]") {
  LedgerFixture f;
  auto append = [&](Bytes envelope) {
    std::promise<Result<ledger::AppendResult>> promise;
    auto future = promise.get_future();
    f.ledger->AppendSignedHereWithCallback(std::move(envelope), [&](Result<ledger::AppendResult> r) { promise.set_value(std::move(r)); });
    return future.get();
  };
  const std::string subject = Uscc("370202", 7);
  auto recorded = append(Sign(RatingEvent("here-1", subject), f.agency, LedgerFixture::kOrigin));
  REQUIRE(recorded.ok());
  CHECK(recorded->seq == 2);
  // The replay check still runs, and so does the check that the key is registered.
  auto replay = append(Sign(RatingEvent("here-1", subject), f.agency, LedgerFixture::kOrigin));
  REQUIRE(replay.ok());
  CHECK(replay->duplicate);
  const KeyPair stranger = GenerateKeyPair();
  CHECK_FALSE(append(Sign(RatingEvent("here-2", subject), stranger, LedgerFixture::kOrigin)).ok());
  // Bytes that are no envelope are refused before they are queued.
  CHECK_FALSE(append(Bytes{1, 2, 3, 4}).ok());
  CHECK(f.ledger->size() == 3);
  auto audit = ledger::AuditLedger(*f.ledger);
  INFO((audit.ok() ? std::string() : audit.status().ToString()));
  CHECK(audit.ok());
}
