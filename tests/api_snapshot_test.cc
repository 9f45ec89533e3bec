// The projection snapshot (projections/snapshot.h) on a real ledger: read back and caught up
// it is the state folded from the start; damaged, of another build or another log, or past
// the log, it is refused with the reason and the log is folded instead; the live projection
// writes it when it starts without one and when it stops past it, and starts from it.
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "api/http/live_projection.h"
#include "crypto/sha256.h"
#include "projections/snapshot.h"
#include "story_fixture.h"

using namespace creditlog;
using namespace creditlog::projections;
using namespace creditlog::testing;

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes; }

constexpr size_t kTrailer = kHashSize + kSignatureSize;  // SHA-256, then the ledger key's signature of it

// The file with its SHA-256 made right again after an edit, and signed with `key` if given
// (else its old signature kept): what someone with the disk could write without the ledger's
// key, or a build or log other than this one with it.
std::string Resealed(std::string bytes, const std::string& origin, const KeyPair* key = nullptr) {
  const std::string signature = bytes.substr(bytes.size() - kSignatureSize);
  bytes.resize(bytes.size() - kTrailer);
  const Hash hash = Sha256(AsBytes(bytes));
  bytes.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  if (key == nullptr) return bytes + signature;
  const Signature signed_again = SignDomain(key->secret_key, kPurposeProjectionSnapshot, origin, ByteView(hash.data(), hash.size()));
  return bytes.append(reinterpret_cast<const char*>(signed_again.data()), signed_again.size());
}

void AddSome(Story& story, int first, int count) {
  for (int n = first; n < first + count; ++n) {
    const std::string id = Uscc("370203", 900 + n);
    const std::string name = "青岛第" + std::to_string(n) + "号海产有限公司";
    story.Register(id, "Enterprise", name);
    json penalty = PenaltyJson("青市监罚〔2025〕" + std::to_string(n) + "号", "2025-03-01", "Serious");
    penalty["subject_name"] = name;
    story.Add(id, "PenaltyDecided", penalty);
  }
}

}  // namespace

TEST_CASE("A projection snapshot read back and caught up is the state folded from the start", "[snapshot]") {
  Story story;
  AddSome(story, 0, 5);
  const std::string path = story.f.dir.path() + "/projection.snapshot";
  auto folded = BuildState(*story.f.ledger, story.f.ledger->size());
  REQUIRE(folded.ok());
  const Status stranger = WriteSnapshot(path, *story.f.ledger, *folded, GenerateKeyPair());
  CHECK(stranger.code() == StatusCode::kPermissionDenied);
  CHECK_FALSE(std::filesystem::exists(path));
  REQUIRE(WriteSnapshot(path, *story.f.ledger, *folded, story.f.ledger_key).ok());
  const uint64_t at = folded->applied();

  auto read = ReadSnapshot(path, *story.f.ledger);
  REQUIRE(read.ok());
  CHECK(read->applied() == at);
  CHECK(read->Digest() == folded->Digest());
  CHECK(NameHits(*read, "海产") == NameHits(*folded, "海产"));
  CHECK(NameHits(*read, "海产").size() == 5);

  AddSome(story, 5, 3);  // recorded after the snapshot
  FoldStart start;
  auto caught_up = BuildStateFromSnapshot(*story.f.ledger, story.f.ledger->size(), path, {}, &start);
  REQUIRE(caught_up.ok());
  CHECK(start.from == at);
  CHECK(start.refused.empty());
  auto whole = BuildState(*story.f.ledger, story.f.ledger->size());
  REQUIRE(whole.ok());
  CHECK(caught_up->Digest() == whole->Digest());
  CHECK(NameHits(*caught_up, "海产") == NameHits(*whole, "海产"));
  CHECK(NameHits(*caught_up, "海产").size() == 8);

  // As of a seq before the snapshot: folded from the start, the snapshot not refused but unused.
  auto earlier = BuildStateFromSnapshot(*story.f.ledger, at - 1, path, {}, &start);
  REQUIRE(earlier.ok());
  CHECK(start.from == 0);
  CHECK(earlier->Digest() == BuildState(*story.f.ledger, at - 1)->Digest());

  // No snapshot: folded from the start, nothing refused.
  auto none = BuildStateFromSnapshot(*story.f.ledger, story.f.ledger->size(), story.f.dir.path() + "/none", {}, &start);
  REQUIRE(none.ok());
  CHECK(start.from == 0);
  CHECK(start.refused.empty());
  CHECK(none->Digest() == whole->Digest());
}

TEST_CASE("A damaged snapshot, one of another build or log, or one past the log is refused and the log folded", "[snapshot]") {
  Story story;
  AddSome(story, 0, 4);
  const std::string path = story.f.dir.path() + "/projection.snapshot";
  REQUIRE(WriteSnapshot(path, *story.f.ledger, *BuildState(*story.f.ledger, story.f.ledger->size()), story.f.ledger_key).ok());
  const std::string good = ReadAll(path);
  AddSome(story, 4, 1);
  const std::string whole = BuildState(*story.f.ledger, story.f.ledger->size())->Digest();

  auto refused = [&](const std::string& bytes, StatusCode code, const std::string& reason) {
    WriteAll(path, bytes);
    auto read = ReadSnapshot(path, *story.f.ledger);
    REQUIRE_FALSE(read.ok());
    CHECK(read.status().code() == code);
    CHECK_THAT(read.status().message(), Catch::Contains(reason));
    FoldStart start;
    auto state = BuildStateFromSnapshot(*story.f.ledger, story.f.ledger->size(), path, {}, &start);
    REQUIRE(state.ok());
    CHECK(start.from == 0);
    CHECK_THAT(start.refused, Catch::Contains(reason));
    CHECK(state->Digest() == whole);
  };

  SECTION("its signature flipped") {
    std::string bytes = good;
    bytes.back() = static_cast<char>(bytes.back() ^ 1);
    refused(bytes, StatusCode::kCorruption, "signature is not the ledger key's");
  }
  SECTION("a byte flipped anywhere") {
    for (size_t at : {size_t{3}, size_t{20}, good.size() / 2, good.size() - kTrailer}) {
      std::string bytes = good;
      bytes[at] = static_cast<char>(bytes[at] ^ 0x20);
      INFO(at);
      refused(bytes, StatusCode::kCorruption, bytes.starts_with("CLPSNAP1") ? "SHA-256" : "not a snapshot");
    }
  }
  SECTION("cut short") { refused(good.substr(0, good.size() / 2), StatusCode::kCorruption, "SHA-256"); }
  SECTION("written by a build that folds differently") {
    std::string bytes = good;
    const size_t version = 8 + 8;  // after the magic and the version's length
    bytes[version] = bytes[version] == 'a' ? 'b' : 'a';
    refused(Resealed(bytes, story.f.ledger->origin(), &story.f.ledger_key), StatusCode::kConflict, "folds differently");
  }
  SECTION("a state changed and its SHA-256 made right, without the ledger's key") {
    std::string bytes = good;
    bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);
    refused(Resealed(bytes, story.f.ledger->origin()), StatusCode::kCorruption, "signature is not the ledger key's");
    const KeyPair stranger = GenerateKeyPair();
    refused(Resealed(good, story.f.ledger->origin(), &stranger), StatusCode::kCorruption, "signature is not the ledger key's");
  }
  SECTION("a state that does not decode, sealed and signed as if whole") {
    std::string bytes = good;
    bytes[bytes.size() - kTrailer - 3] = '\x7f';  // inside the search index's last position: no such subject
    refused(Resealed(bytes, story.f.ledger->origin(), &story.f.ledger_key), StatusCode::kCorruption, "at byte");
  }
  SECTION("of another log") {
    Story other;  // shorter than this one: its root differs at its size
    AddSome(other, 0, 2);
    REQUIRE(WriteSnapshot(path, *other.f.ledger, *BuildState(*other.f.ledger, other.f.ledger->size()), other.f.ledger_key).ok());
    refused(ReadAll(path), StatusCode::kConflict, "is not the log's");
  }
  SECTION("holding entries the log does not (a log restored from an older backup)") {
    Story longer;
    AddSome(longer, 0, 9);
    REQUIRE(WriteSnapshot(path, *longer.f.ledger, *BuildState(*longer.f.ledger, longer.f.ledger->size()), longer.f.ledger_key).ok());
    refused(ReadAll(path), StatusCode::kConflict, "the log only " + std::to_string(story.f.ledger->size()));
  }
}

TEST_CASE("The live projection writes its snapshot when it starts without one and when it stops past it", "[snapshot]") {
  Story story;
  AddSome(story, 0, 3);
  const std::string path = story.f.dir.path() + "/projection.snapshot";
  {
    api::LiveProjection replica(*story.f.ledger);  // without the key: reads, never writes
    REQUIRE(replica.Start(path, nullptr).ok());
    REQUIRE(replica.SaveSnapshot().ok());
    CHECK_FALSE(std::filesystem::exists(path));
  }
  {
    api::LiveProjection live(*story.f.ledger);
    REQUIRE(live.Start(path, &story.f.ledger_key).ok());
    CHECK(live.started_from() == 0);
    auto written = ReadSnapshot(path, *story.f.ledger);
    REQUIRE(written.ok());  // none was used: written at once
    CHECK(written->applied() == story.f.ledger->size());
    const uint64_t before = story.f.ledger->size();
    AddSome(story, 3, 2);
    REQUIRE(live.SaveSnapshot().ok());
    CHECK(ReadSnapshot(path, *story.f.ledger)->applied() == before);  // not caught up: nothing newer to save
    REQUIRE(live.CatchUp().ok());
    REQUIRE(live.SaveSnapshot().ok());
    CHECK(ReadSnapshot(path, *story.f.ledger)->applied() == story.f.ledger->size());
  }
  AddSome(story, 5, 1);
  api::LiveProjection again(*story.f.ledger);
  REQUIRE(again.Start(path, &story.f.ledger_key).ok());
  CHECK(again.started_from() == story.f.ledger->size() - 2);  // the snapshot, then one subject's two entries
  std::string digest;
  REQUIRE(again.Read([&](const State& state) { digest = state.Digest(); }).ok());
  CHECK(digest == BuildState(*story.f.ledger, story.f.ledger->size())->Digest());
}
