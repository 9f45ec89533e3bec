// C2SP tlog-cosignature (cosignature/v1, Ed25519) and tlog-policy. The framing is checked
// against the specification's example; tests/go/ checks our cosignatures with Go's note package
// and crypto/ed25519.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "crypto/cosignature.h"
#include "crypto/merkle.h"
#include "crypto/policy.h"

namespace creditlog {
namespace {

// c2sp.org/tlog-cosignature, the example checkpoint's witness line.
constexpr std::string_view kSpecWitnessLine =
    "\xE2\x80\x94 witness.example.com/w1 "
    "jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==";

struct Log {
  KeyPair key = GenerateKeyPair();
  std::string origin = "creditlog.qingdao.example/log";
  NoteVerifier Verifier() const {
    auto v = ParseVerifierKey(FormatVerifierKey(origin, key.public_key));
    REQUIRE(v.ok());
    return *v;
  }
  std::string Note(uint64_t size) const {
    Checkpoint c{origin, size, MerkleEmptyRoot(), {}};
    auto note = SignNote(FormatCheckpoint(c), origin, key.secret_key);
    REQUIRE(note.ok());
    return *note;
  }
};

struct Cosigner {
  std::string name;
  KeyPair key = GenerateKeyPair();
  CosignerKey Key() const {
    auto k = ParseCosignerKey(FormatCosignerKey(name, key.public_key));
    REQUIRE(k.ok());
    return *k;
  }
  std::string Cosigned(const std::string& note, uint64_t timestamp) const {
    auto parts = SplitNote(note);
    REQUIRE(parts.ok());
    auto line = Cosign(parts->text, name, key.secret_key, timestamp);
    REQUIRE(line.ok());
    auto out = AddNoteSignatures(note, *line);
    REQUIRE(out.ok());
    return *out;
  }
};

TEST_CASE("the specification's witness line is a key ID, a big-endian timestamp and a signature", "[crypto][cosignature]") {
  auto line = ParseNoteSignature(kSpecWitnessLine);
  REQUIRE(line.ok());
  CHECK(line->name == "witness.example.com/w1");
  CHECK(line->key_hash == 0x8d66cf3fu);
  REQUIRE(line->signature.size() == 8 + 64);
  uint64_t timestamp = 0;
  for (int i = 0; i < 8; ++i) timestamp = (timestamp << 8) | line->signature[i];
  CHECK(timestamp == 1679315147u);  // the "time 1679315147" of the spec's signed message
  CHECK(CosignedMessage("example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", 1679315147) ==
        "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
}

TEST_CASE("a cosignature verifies with its key only, and names its time", "[crypto][cosignature]") {
  InitCrypto();
  Log log;
  Cosigner audit{"witness.audit.qingdao.example"};
  Cosigner court{"witness.court.qingdao.example"};
  const std::string note = audit.Cosigned(log.Note(7), 1764633600);
  auto timestamp = VerifyCosignature(note, audit.Key());
  REQUIRE(timestamp.ok());
  CHECK(*timestamp == 1764633600u);
  CHECK(VerifyCosignature(note, court.Key()).status().code() == StatusCode::kNotFound);
  // The log's own signature still opens: a cosignature is one more signature line.
  CHECK(OpenNote(note, log.Verifier()).ok());

  SECTION("another checkpoint under the same line does not verify") {
    std::string other = log.Note(8);
    const auto parts = SplitNote(note);
    REQUIRE(parts.ok());
    auto moved = AddNoteSignatures(other, std::string(parts->signature_lines.back()) + "\n");
    REQUIRE(moved.ok());
    CHECK(VerifyCosignature(*moved, audit.Key()).status().code() == StatusCode::kPermissionDenied);
  }
  SECTION("a changed timestamp does not verify") {
    const auto parts = SplitNote(note);
    auto line = ParseNoteSignature(parts->signature_lines.back());
    REQUIRE(line.ok());
    line->signature[7] ^= 1;
    auto tampered = AddNoteSignatures(log.Note(7), FormatNoteSignature(line->name, line->key_hash, line->signature));
    REQUIRE(tampered.ok());
    CHECK(VerifyCosignature(*tampered, audit.Key()).status().code() == StatusCode::kPermissionDenied);
  }
  SECTION("timestamp 0 and timestamps past 2^63-1 are not made") {
    CHECK(Cosign("a\n", audit.name, audit.key.secret_key, 0).status().code() == StatusCode::kInvalidArgument);
    CHECK(Cosign("a\n", audit.name, audit.key.secret_key, kCosignatureTimestampMax + 1).status().code() ==
          StatusCode::kInvalidArgument);
  }
}

TEST_CASE("cosigner keys are type 0x04 vkeys, and a log's key is not one", "[crypto][cosignature]") {
  InitCrypto();
  Cosigner w{"witness.audit.qingdao.example"};
  const std::string vkey = FormatCosignerKey(w.name, w.key.public_key);
  auto parsed = ParseCosignerKey(vkey);
  REQUIRE(parsed.ok());
  CHECK(parsed->public_key == w.key.public_key);
  CHECK(parsed->key_hash == CosignerKeyHash(w.name, w.key.public_key));
  CHECK(CosignerKeyHash(w.name, w.key.public_key) != NoteKeyHash(w.name, w.key.public_key));
  auto as_log_key = ParseCosignerKey(FormatVerifierKey(w.name, w.key.public_key));
  REQUIRE_FALSE(as_log_key.ok());
  CHECK(as_log_key.status().message().find("not a cosigner key") != std::string::npos);
  std::string wrong_id = vkey;
  wrong_id[w.name.size() + 1] = wrong_id[w.name.size() + 1] == '0' ? '1' : '0';
  CHECK_FALSE(ParseCosignerKey(wrong_id).ok());
}

TEST_CASE("a witness policy parses the tlog-policy syntax and says when a quorum is met", "[crypto][policy]") {
  InitCrypto();
  Log log;
  Cosigner a{"witness.audit.qingdao.example"}, c{"witness.court.qingdao.example"}, p{"witness.congress.qingdao.example"};
  const std::string text = "# Qingdao's witnesses\n"
                           "log " + FormatVerifierKey(log.origin, log.key.public_key) + "\n"
                           "witness audit " + FormatCosignerKey(a.name, a.key.public_key) + " http://127.0.0.1:7381\n"
                           "witness court\t" + FormatCosignerKey(c.name, c.key.public_key) + "\n"
                           "  witness congress " + FormatCosignerKey(p.name, p.key.public_key) + "  \n"
                           "group city 2 audit court congress\n"
                           "quorum city\n";
  auto policy = WitnessPolicy::Parse(text);
  REQUIRE(policy.ok());
  CHECK(policy->logs().size() == 1);
  REQUIRE(policy->witnesses().size() == 3);
  CHECK(policy->witnesses()[0].url == "http://127.0.0.1:7381");
  CHECK(policy->witnesses()[1].url.empty());
  CHECK(policy->requires_cosignatures());
  CHECK(policy->QuorumText() == "2 of (audit, court, congress)");
  CHECK_FALSE(policy->Satisfied({}));
  CHECK_FALSE(policy->Satisfied({"audit"}));
  CHECK(policy->Satisfied({"audit", "congress"}));
  CHECK(policy->Satisfied({"audit", "court", "congress"}));

  SECTION("a checkpoint is witnessed by those whose cosignatures verify") {
    std::string note = c.Cosigned(a.Cosigned(log.Note(5), 100), 101);
    auto opened = OpenWitnessed(note, log.Verifier(), *policy);
    REQUIRE(opened.ok());
    REQUIRE(opened->cosigned_by.size() == 2);
    CHECK(opened->cosigned_by[0].witness == "audit");
    CHECK(opened->cosigned_by[1].timestamp == 101u);
    CHECK(opened->quorum);
    CHECK(RequireQuorum(*opened, *policy).ok());
    auto one = OpenWitnessed(a.Cosigned(log.Note(5), 100), log.Verifier(), *policy);
    REQUIRE(one.ok());
    CHECK_FALSE(one->quorum);
    const Status below = RequireQuorum(*one, *policy);
    CHECK(below.code() == StatusCode::kPermissionDenied);
    CHECK(below.message().find("cosigned by audit, the quorum is 2 of (audit, court, congress)") != std::string::npos);
  }
  SECTION("nested groups, any and all") {
    auto nested = WitnessPolicy::Parse("witness audit " + FormatCosignerKey(a.name, a.key.public_key) + "\n" +
                                       "witness court " + FormatCosignerKey(c.name, c.key.public_key) + "\n" +
                                       "witness congress " + FormatCosignerKey(p.name, p.key.public_key) + "\n" +
                                       "group judges any court congress\ngroup both all audit judges\nquorum both\n");
    REQUIRE(nested.ok());
    CHECK_FALSE(nested->Satisfied({"court", "congress"}));
    CHECK(nested->Satisfied({"audit", "congress"}));
    CHECK(nested->QuorumText() == "all of (audit, 1 of (court, congress))");
  }
}

TEST_CASE("a witness policy that is wrong is refused naming the line", "[crypto][policy]") {
  InitCrypto();
  Cosigner a{"witness.audit.qingdao.example"};
  const std::string w = "witness audit " + FormatCosignerKey(a.name, a.key.public_key) + "\n";
  const auto refused = [](const std::string& text, const std::string& says) {
    auto policy = WitnessPolicy::Parse(text);
    REQUIRE_FALSE(policy.ok());
    INFO(policy.status().message());
    CHECK(policy.status().message().find(says) != std::string::npos);
  };
  refused(w, "no quorum line");
  refused(w + "quorum court\n", "line 2: 'court' is not a witness or group defined above");
  refused(w + "group g 2 audit\nquorum g\n", "line 2: the threshold must be all, any or a number from 1 to 1");
  refused(w + "group g 0 audit\nquorum g\n", "line 2: the threshold");
  refused(w + "group g any audit audit\nquorum g\n", "'audit' is a member twice");
  refused(w + w + "quorum audit\n", "line 2: the name 'audit' is already defined");
  refused(w + "quorum audit\nquorum audit\n", "line 3: a second quorum line");
  refused(w + "witnesses audit\nquorum audit\n", "line 2: unknown keyword 'witnesses'");
  refused("witness x " + FormatVerifierKey(a.name, a.key.public_key) + "\nquorum none\n", "not a cosigner key");
  refused("quorum none\r\n", "line 1: a control character");
  auto none = WitnessPolicy::Parse("quorum none\n");
  REQUIRE(none.ok());
  CHECK_FALSE(none->requires_cosignatures());
  CHECK(none->Satisfied({}));
}

}  // namespace
}  // namespace creditlog
