// Proof files (C2SP tlog-proof) of a real ledger's entries: made as `prove inclusion --bundle`
// makes them (MakeEntryBundle), checked as `check-proof bundle` checks them (CheckEntryBundle),
// with and without a witness policy, and every part of one tampered with is caught. Then the
// same, and --witness-policy on check-proof inclusion and consistency and on verify, through
// the binary.
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/proof_bundle.h"
#include "api/client/witnessing.h"
#include "crypto/cosignature.h"
#include "crypto/tlog_proof.h"
#include "ledger/entry.h"
#include "ledger_fixture.h"
#include "run_binary.h"

namespace creditlog::testing {
namespace {

constexpr uint64_t kCosignedAt = 1796180400;  // 2026-12-02 03:00:00 UTC
constexpr const char* kCosignedAtText = "2026-12-02T11:00:00+08:00";

struct Witness {
  std::string policy_name;
  std::string key_name;
  KeyPair key = GenerateKeyPair();
  std::string Vkey() const { return FormatCosignerKey(key_name, key.public_key); }
};

std::string Cosign(const std::string& note, const std::vector<const Witness*>& by) {
  auto parts = SplitNote(note);
  REQUIRE(parts.ok());
  std::string lines;
  for (const Witness* w : by) {
    auto line = creditlog::Cosign(parts->text, w->key_name, w->key.secret_key, kCosignedAt);
    REQUIRE(line.ok());
    lines += *line;
  }
  auto out = AddNoteSignatures(note, lines);
  REQUIRE(out.ok());
  return *out;
}

// Removes the signature line of `key_name` from a note.
std::string WithoutLine(const std::string& note, const std::string& key_name) {
  const std::string marker = "\xE2\x80\x94 " + key_name + " ";
  const size_t at = note.find(marker);
  REQUIRE(at != std::string::npos);
  return note.substr(0, at) + note.substr(note.find('\n', at) + 1);
}

// A ledger of a few entries with a checkpoint, three witnesses and a policy needing two.
struct BundleFixture : LedgerFixture {
  BundleFixture() {
    for (int i = 0; i < 6; ++i) REQUIRE(Rate("rating-" + std::to_string(i), Uscc("370202", i)).ok());
    auto note = ledger->PublishCheckpoint();
    REQUIRE(note.ok());
    checkpoint_note = *note;
    policy_text = "# two of three institutions\nlog " + ledger->VerifierKey() + "\n";
    for (const Witness* w : {&audit, &court, &congress}) policy_text += "witness " + w->policy_name + " " + w->Vkey() + "\n";
    policy_text += "group city 2 audit court congress\nquorum city\n";
    auto parsed = WitnessPolicy::Parse(policy_text);
    REQUIRE(parsed.ok());
    policy = *parsed;
    auto v = ParseVerifierKey(ledger->VerifierKey());
    REQUIRE(v.ok());
    verifier = *v;
  }

  std::string Path(const std::string& name) const { return dir.path() + "/" + name; }
  std::string WitnessedPath() const { return Path(api::kWitnessedCheckpointFile); }

  TlogProof Bundle(uint64_t seq, const std::optional<std::string>& witnessed = std::nullopt) {
    auto bundle = api::MakeEntryBundle(*ledger, witnessed, WitnessedPath(), seq, std::nullopt);
    REQUIRE(bundle.ok());
    return bundle->proof;
  }
  Result<api::CheckedBundle> Check(const TlogProof& proof, bool with_policy = true) {
    return api::CheckEntryBundle(proof, verifier, with_policy ? std::optional<WitnessPolicy>(policy) : std::nullopt);
  }

  Witness audit{"audit", "witness.audit.qingdao.example"};
  Witness court{"court", "witness.court.qingdao.example"};
  Witness congress{"congress", "witness.congress.qingdao.example"};
  std::string checkpoint_note;
  std::string policy_text;
  WitnessPolicy policy = WitnessPolicy::None();
  NoteVerifier verifier;
};

// The check failed as a check does (Corruption: exit 1), naming `what`.
void RequireRefused(const Result<api::CheckedBundle>& checked, const std::string& what) {
  REQUIRE_FALSE(checked.ok());
  CHECK(checked.status().code() == StatusCode::kCorruption);
  INFO(checked.status().message());
  CHECK(checked.status().message().find(what) != std::string::npos);
}

TEST_CASE("bundle: a proof file round-trips through its text and verifies", "[bundle]") {
  BundleFixture f;
  const std::string witnessed = Cosign(f.checkpoint_note, {&f.audit, &f.court});
  const TlogProof proof = f.Bundle(3, witnessed);
  const std::string text = FormatTlogProof(proof);
  CHECK(text.rfind("c2sp.org/tlog-proof@v1\nextra ", 0) == 0);
  CHECK(text.find("\nindex 3\n") != std::string::npos);
  CHECK(text.find("\n\n" + witnessed) != std::string::npos);  // the checkpoint verbatim, cosignatures included

  auto parsed = ParseTlogProof(text);
  REQUIRE(parsed.ok());
  CHECK(parsed->extra == proof.extra);
  CHECK(parsed->index == 3);
  CHECK(parsed->hashes == proof.hashes);
  CHECK(parsed->checkpoint == witnessed);
  CHECK(FormatTlogProof(*parsed) == text);

  auto entry = f.ledger->Entry(3);
  REQUIRE(entry.ok());
  CHECK(*parsed->extra == *entry);
  auto checked = f.Check(*parsed);
  REQUIRE(checked.ok());
  CHECK(checked->leaf_hash == MerkleLeafHash(*entry));
  CHECK(checked->checkpoint.checkpoint.size == f.ledger->size());
  CHECK(checked->checkpoint.quorum);
  REQUIRE(checked->checkpoint.cosigned_by.size() == 2);
  CHECK(checked->checkpoint.cosigned_by[0].witness == "audit");
  CHECK(checked->checkpoint.cosigned_by[1].witness == "court");
  CHECK(checked->checkpoint.cosigned_by[0].timestamp == kCosignedAt);
  // Without a policy the log's signature and the proof are checked, no cosignature counted.
  auto unwitnessed = f.Check(*parsed, /*with_policy=*/false);
  REQUIRE(unwitnessed.ok());
  CHECK(unwitnessed->checkpoint.cosigned_by.empty());

  // Entry 0 in a tree of one has no proof hashes: the empty line follows the index at once.
  TlogProof lone{Bytes{1, 2, 3}, 0, {}, "origin\n1\nroot\n\n— origin sig\n"};
  auto again = ParseTlogProof(FormatTlogProof(lone));
  REQUIRE(again.ok());
  CHECK(again->hashes.empty());
  CHECK(FormatTlogProof(*again) == FormatTlogProof(lone));
  TlogProof no_extra = lone;
  no_extra.extra.reset();
  auto bare = ParseTlogProof(FormatTlogProof(no_extra));
  REQUIRE(bare.ok());
  CHECK_FALSE(bare->extra.has_value());
}

TEST_CASE("bundle: the checkpoint is the witnessed one when it covers the entry, else the latest", "[bundle]") {
  BundleFixture f;
  const std::string witnessed = Cosign(f.checkpoint_note, {&f.audit, &f.court});
  const uint64_t witnessed_size = f.ledger->size();
  REQUIRE(f.Rate("later", Uscc("370202", 9)).ok());
  auto latest = f.ledger->PublishCheckpoint();
  REQUIRE(latest.ok());

  auto covered = api::MakeEntryBundle(*f.ledger, witnessed, f.WitnessedPath(), 2, std::nullopt);
  REQUIRE(covered.ok());
  CHECK(covered->witnessed);
  CHECK(covered->checkpoint.size == witnessed_size);
  CHECK(covered->proof.checkpoint == witnessed);
  CHECK(covered->cosigners == std::vector<std::string>{f.audit.key_name, f.court.key_name});

  // The newest entry is not in the witnessed tree: the ledger's latest checkpoint, uncosigned.
  auto newest = api::MakeEntryBundle(*f.ledger, witnessed, f.WitnessedPath(), witnessed_size, std::nullopt);
  REQUIRE(newest.ok());
  CHECK_FALSE(newest->witnessed);
  CHECK(newest->proof.checkpoint == *latest);
  CHECK(newest->cosigners.empty());
  CHECK(f.Check(newest->proof, false).ok());
  RequireRefused(f.Check(newest->proof), "below the witness policy");

  SECTION("--size picks a checkpoint of that size, and only one the ledger has") {
    auto at = api::MakeEntryBundle(*f.ledger, std::nullopt, f.WitnessedPath(), 2, witnessed_size);
    REQUIRE(at.ok());
    CHECK(at->proof.checkpoint == f.checkpoint_note);
    auto none = api::MakeEntryBundle(*f.ledger, witnessed, f.WitnessedPath(), 2, witnessed_size - 1);
    REQUIRE_FALSE(none.ok());
    CHECK(none.status().code() == StatusCode::kInvalidArgument);
    CHECK(none.status().message().find("no signed checkpoint of size " + std::to_string(witnessed_size - 1)) != std::string::npos);
    CHECK(api::MakeEntryBundle(*f.ledger, witnessed, f.WitnessedPath(), 5, 3).status().code() == StatusCode::kInvalidArgument);
  }
  SECTION("a witnessed checkpoint that is not the ledger's tree is refused") {
    creditlog::Checkpoint other{LedgerFixture::kOrigin, 3, MerkleEmptyRoot(), {}};
    auto forged = SignNote(FormatCheckpoint(other), LedgerFixture::kOrigin, f.ledger_key.secret_key);
    REQUIRE(forged.ok());
    auto refused = api::MakeEntryBundle(*f.ledger, *forged, f.WitnessedPath(), 1, std::nullopt);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == StatusCode::kCorruption);
    CHECK(refused.status().message().find("a different history") != std::string::npos);
  }
}

TEST_CASE("bundle: every part tampered with is caught", "[bundle]") {
  BundleFixture f;
  const std::string witnessed = Cosign(f.checkpoint_note, {&f.audit, &f.court});
  TlogProof proof = f.Bundle(3, witnessed);
  REQUIRE(f.Check(proof).ok());

  SECTION("the entry: another entry's bytes") {
    auto other = f.ledger->Entry(4);
    REQUIRE(other.ok());
    proof.extra = *other;
    RequireRefused(f.Check(proof), "is entry seq 4, but the proof is for index 3");
  }
  SECTION("the entry: a byte of it changed") {
    // A byte of the author's signature: the entry still parses, its leaf hash is another.
    Bytes& entry = *proof.extra;
    auto view = ledger::ParseEntry(entry);
    REQUIRE(view.ok());
    const Signature signature = view->envelope.signature;
    const auto at = std::search(entry.begin(), entry.end(), signature.begin(), signature.end());
    REQUIRE(at != entry.end());
    at[10] ^= 0x01;
    REQUIRE(ledger::ParseEntry(entry).ok());
    RequireRefused(f.Check(proof), "inclusion proof");
  }
  SECTION("the entry: missing") {
    proof.extra.reset();
    RequireRefused(f.Check(proof), "no extra line");
  }
  SECTION("a proof hash") {
    proof.hashes[1][7] ^= 0x80;
    RequireRefused(f.Check(proof), "inclusion proof");
  }
  SECTION("a proof hash left out") {
    proof.hashes.pop_back();
    RequireRefused(f.Check(proof), "inclusion proof");
  }
  SECTION("the index, with the entry of that index") {
    auto other = f.ledger->Entry(4);
    REQUIRE(other.ok());
    proof.extra = *other;
    proof.index = 4;
    RequireRefused(f.Check(proof), "inclusion proof");
  }
  SECTION("the index beyond the tree") {
    proof.index = 1000;
    RequireRefused(f.Check(proof), "the proof is for index 1000");
  }
  SECTION("the checkpoint's root") {
    auto parts = SplitNote(witnessed);
    REQUIRE(parts.ok());
    auto checkpoint = ParseCheckpoint(parts->text);
    REQUIRE(checkpoint.ok());
    creditlog::Checkpoint other = *checkpoint;
    other.root[0] ^= 0x01;
    const std::string text(parts->text);
    proof.checkpoint = FormatCheckpoint(other) + witnessed.substr(text.size());
    RequireRefused(f.Check(proof), "checkpoint:");
  }
  SECTION("the checkpoint's size") {
    const std::string size = std::to_string(f.ledger->size());
    const size_t at = witnessed.find("\n" + size + "\n");
    REQUIRE(at != std::string::npos);
    proof.checkpoint = witnessed.substr(0, at) + "\n" + std::to_string(f.ledger->size() + 1) + witnessed.substr(at + 1 + size.size());
    RequireRefused(f.Check(proof), "checkpoint:");
  }
  SECTION("the checkpoint signed by another key") {
    const KeyPair other = GenerateKeyPair();
    auto parts = SplitNote(witnessed);
    REQUIRE(parts.ok());
    auto forged = SignNote(parts->text, LedgerFixture::kOrigin, other.secret_key);
    REQUIRE(forged.ok());
    proof.checkpoint = *forged;
    RequireRefused(f.Check(proof, false), "checkpoint:");
  }
  SECTION("a cosignature removed: the quorum is not met") {
    proof.checkpoint = WithoutLine(witnessed, f.court.key_name);
    CHECK(f.Check(proof, false).ok());  // the log's signature and the proof still hold
    RequireRefused(f.Check(proof), "below the witness policy: cosigned by audit, the quorum is 2 of (audit, court, congress)");
  }
  SECTION("a cosignature changed") {
    const std::string marker = "\xE2\x80\x94 " + f.court.key_name + " ";
    const size_t at = witnessed.find(marker) + marker.size() + 20;
    proof.checkpoint = witnessed;
    proof.checkpoint[at] = proof.checkpoint[at] == 'A' ? 'B' : 'A';
    RequireRefused(f.Check(proof), "witness court");
  }
  SECTION("cosigned by a witness the policy does not know") {
    Witness stranger{"stranger", "witness.stranger.example"};
    proof.checkpoint = Cosign(WithoutLine(witnessed, f.court.key_name), {&stranger});
    RequireRefused(f.Check(proof), "below the witness policy");
  }
}

TEST_CASE("bundle: a malformed proof file is refused naming its line", "[bundle]") {
  BundleFixture f;
  const std::string text = FormatTlogProof(f.Bundle(3));
  const auto refused = [](const std::string& bad, const std::string& what) {
    auto parsed = ParseTlogProof(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
    INFO(parsed.status().message());
    CHECK(parsed.status().message().find(what) != std::string::npos);
  };
  const size_t index_at = text.find("\nindex 3\n");
  const size_t blank_at = text.find("\n\n");
  refused("c2sp.org/tlog-proof@v2\n" + text.substr(text.find('\n') + 1), "tlog-proof line 1: want 'c2sp.org/tlog-proof@v1'");
  refused(text.substr(0, index_at) + "\nindex 03\n" + text.substr(index_at + 9), "tlog-proof line 3: index '03'");
  refused(text.substr(0, index_at) + "\nindex -3\n" + text.substr(index_at + 9), "tlog-proof line 3: index '-3'");
  refused(text.substr(0, index_at) + "\nseq 3\n" + text.substr(index_at + 9), "tlog-proof line 3: want 'index <decimal>'");
  refused("c2sp.org/tlog-proof@v1\nextra !!!!\nindex 0\n\nx\n", "tlog-proof line 2: extra");
  refused(text.substr(0, index_at + 9) + "AAAA\n" + text.substr(index_at + 9), "tlog-proof line 4: not the base64 of a 32-byte");
  refused(text.substr(0, blank_at + 1), "the file ends; want an inclusion proof hash");
  refused(text.substr(0, blank_at + 2), "want the checkpoint after the empty line");
  std::string crlf = text;
  crlf.insert(crlf.find('\n'), "\r");
  refused(crlf, "not \\r\\n");
  CHECK(ParseTlogProof(std::string(kTlogProofBytesMax + 1, 'x')).status().code() == StatusCode::kTooLarge);
}

// The binary, against the fixture's data directory.
Run RunCreditlog(const std::string& args) { return RunCommand("--lang en " + args); }

void Write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

TEST_CASE("bundle: prove inclusion --bundle and check-proof bundle through the binary", "[bundle]") {
  BundleFixture f;
  const std::string witnessed = Cosign(f.checkpoint_note, {&f.audit, &f.court});
  Write(f.WitnessedPath(), witnessed);
  Write(f.Path("city.policy"), f.policy_text);
  const std::string data = Quoted(f.dir.path());
  const std::string bundle = Quoted(f.Path("receipt.tlog-proof"));
  const std::string policy = Quoted(f.Path("city.policy"));
  const std::string vkey = Quoted(f.ledger->VerifierKey());

  Run made = RunCreditlog("prove inclusion --data " + data + " --seq 3 --bundle " + bundle);
  INFO(made.output);
  REQUIRE(made.exit_code == 0);
  CHECK(made.output.find("the entry seq 3 and its inclusion proof in the tree of size " + std::to_string(f.ledger->size())) !=
        std::string::npos);
  CHECK(made.output.find("the witnessed checkpoint") != std::string::npos);
  CHECK(made.output.find(f.audit.key_name + ", " + f.court.key_name) != std::string::npos);
  const std::string text = Read(f.Path("receipt.tlog-proof"));
  CHECK(text == FormatTlogProof(f.Bundle(3, witnessed)));

  // The log's key from the policy's `log` line; who cosigned, when, and the quorum.
  Run checked = RunCreditlog("check-proof bundle --bundle " + bundle + " --witness-policy " + policy + " --json");
  INFO(checked.output);
  REQUIRE(checked.exit_code == 0);
  const auto out = nlohmann::json::parse(checked.output);
  CHECK(out["ok"] == true);
  CHECK(out["seq"] == 3);
  CHECK(out["quorum"] == "2 of (audit, court, congress)");
  REQUIRE(out["cosigned_by"].size() == 2);
  CHECK(out["cosigned_by"][0]["witness"] == "audit");
  CHECK(out["cosigned_by"][0]["timestamp"] == kCosignedAt);
  CHECK(out["cosigned_by"][0]["time"] == kCosignedAtText);
  Run readable = RunCreditlog("check-proof bundle --bundle " + bundle + " --witness-policy " + policy + " --verifier-key " + vkey);
  INFO(readable.output);
  CHECK(readable.exit_code == 0);
  CHECK(readable.output.find("cosigned by audit (2026-12-02T11:00:00+08:00), court (") != std::string::npos);
  CHECK(RunCreditlog("check-proof bundle --bundle " + bundle + " --verifier-key " + vkey).exit_code == 0);
  // No key, no policy naming one: a usage error.
  CHECK(RunCreditlog("check-proof bundle --bundle " + bundle).exit_code == 2);

  // A proof hash changed, a cosignature removed: exit 1, naming what failed.
  const size_t hash_at = text.find("\nindex 3\n") + 9;
  std::string bad = text;
  bad[hash_at + 3] = bad[hash_at + 3] == 'A' ? 'B' : 'A';
  Write(f.Path("bad.tlog-proof"), bad);
  Run bad_hash = RunCreditlog("check-proof bundle --bundle " + Quoted(f.Path("bad.tlog-proof")) + " --verifier-key " + vkey);
  CHECK(bad_hash.exit_code == 1);
  CHECK(bad_hash.output.find("inclusion proof") != std::string::npos);
  Write(f.Path("bad.tlog-proof"), WithoutLine(text, f.court.key_name));
  Run bad_quorum = RunCreditlog("check-proof bundle --bundle " + Quoted(f.Path("bad.tlog-proof")) + " --witness-policy " + policy);
  CHECK(bad_quorum.exit_code == 1);
  CHECK(bad_quorum.output.find("below the witness policy") != std::string::npos);

  SECTION("check-proof inclusion and consistency --witness-policy") {
    auto entry = f.ledger->Entry(3);
    auto hashes = f.ledger->InclusionProof(3, f.ledger->size());
    REQUIRE(entry.ok());
    REQUIRE(hashes.ok());
    std::string proof_lines;
    for (const Hash& h : *hashes) proof_lines += Base64Encode(h) + "\n";
    Write(f.Path("entry"), Base64Encode(*entry) + "\n");
    Write(f.Path("proof"), proof_lines);
    Write(f.Path("witnessed"), witnessed);
    Write(f.Path("plain"), f.checkpoint_note);
    const std::string inclusion = "check-proof inclusion --seq 3 --entry " + Quoted(f.Path("entry")) + " --proof " +
                                  Quoted(f.Path("proof")) + " --witness-policy " + policy + " --checkpoint ";
    Run held = RunCreditlog(inclusion + Quoted(f.Path("witnessed")) + " --json");
    INFO(held.output);
    CHECK(held.exit_code == 0);
    CHECK(held.output.find("\"quorum\": \"2 of (audit, court, congress)\"") != std::string::npos);
    Run below = RunCreditlog(inclusion + Quoted(f.Path("plain")));
    INFO(below.output);
    CHECK(below.exit_code == 1);
    CHECK(below.output.find("below the witness policy: cosigned by no witness") != std::string::npos);

    const uint64_t old_size = f.ledger->size();
    REQUIRE(f.Rate("later", Uscc("370202", 9)).ok());
    auto newer = f.ledger->PublishCheckpoint();
    auto consistency = f.ledger->ConsistencyProof(old_size, f.ledger->size());
    REQUIRE(newer.ok());
    REQUIRE(consistency.ok());
    proof_lines.clear();
    for (const Hash& h : *consistency) proof_lines += Base64Encode(h) + "\n";
    Write(f.Path("consistency"), proof_lines);
    Write(f.Path("newer"), *newer);
    Write(f.Path("newer-witnessed"), Cosign(*newer, {&f.court, &f.congress}));
    const std::string consistent = "check-proof consistency --old " + Quoted(f.Path("plain")) + " --proof " +
                                   Quoted(f.Path("consistency")) + " --witness-policy " + policy + " --checkpoint ";
    Run extends = RunCreditlog(consistent + Quoted(f.Path("newer-witnessed")));
    INFO(extends.output);
    CHECK(extends.exit_code == 0);
    CHECK(extends.output.find("cosigned by court (") != std::string::npos);
    CHECK(RunCreditlog(consistent + Quoted(f.Path("newer"))).exit_code == 1);
  }
  SECTION("verify --witness-policy") {
    f.ledger.reset();  // verify opens it in another process
    f.personal_keys.reset();
    Run verified = RunCreditlog("verify --quiet --data " + data + " --witness-policy " + policy + " --json");
    INFO(verified.output);
    REQUIRE(verified.exit_code == 0);
    const auto v = nlohmann::json::parse(verified.output);
    CHECK(v["ok"] == true);
    CHECK(v["quorum"] == "2 of (audit, court, congress)");
    CHECK(v["cosigned_by"].size() == 2);
    Run said = RunCreditlog("verify --quiet --data " + data + " --witness-policy " + policy);
    CHECK(said.output.find("witnessed: the checkpoint of size") != std::string::npos);
    // Below the quorum, or no witnessed checkpoint at all: the audit fails.
    Write(f.WitnessedPath(), WithoutLine(witnessed, f.audit.key_name));
    Run below = RunCreditlog("verify --quiet --data " + data + " --witness-policy " + policy);
    INFO(below.output);
    CHECK(below.exit_code == 1);
    CHECK(below.output.find("below the witness policy: cosigned by court") != std::string::npos);
    std::filesystem::remove(f.WitnessedPath());
    Run missing = RunCreditlog("verify --quiet --data " + data + " --witness-policy " + policy);
    CHECK(missing.exit_code == 1);
    CHECK(missing.output.find("does not exist: no checkpoint of this ledger has been witnessed") != std::string::npos);
    // Without the witnessed checkpoint the bundle is made against the ledger's latest.
    Run plain = RunCreditlog("prove inclusion --data " + data + " --seq 3 --bundle " + bundle);
    CHECK(plain.exit_code == 0);
    CHECK(plain.output.find("the ledger's signed checkpoint, no cosignature") != std::string::npos);
    CHECK(RunCreditlog("check-proof bundle --bundle " + bundle + " --witness-policy " + policy).exit_code == 1);
  }
}

}  // namespace
}  // namespace creditlog::testing
