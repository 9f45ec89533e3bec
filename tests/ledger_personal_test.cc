// Personal fields on a real ledger (events/personal.h, ledger/personal_keys.h): sealed by the
// signing client, checked and encrypted by the ledger, never stored in plaintext; refused in
// every other form; opened again after a restart; gone with the key after an erasure.
#include <algorithm>

#include <catch2/catch.hpp>
#include <flatbuffers/flatbuffers.h>

#include "crypto/sha256.h"
#include "events/json.h"
#include "events/personal.h"
#include "ledger/audit.h"
#include "ledger/entry.h"
#include "ledger_fixture.h"

namespace creditlog::testing {
namespace {

using nlohmann::json;

const std::string kFirm = Uscc("370202", 901);
const std::string kBody = events::MakeUscc("11", "370202", "MB7C8D9E");
const std::string kClerk = kBody + "/K042";

// An envelope of the given parts, as a client other than ours could send it.
Bytes Envelope(ByteView event, const KeyPair& key, const std::vector<events::Opening>& openings, bool with_sealed = false) {
  const Signature signature = SignDomain(key.secret_key, events::EventSignaturePurpose(events::kSchemaVersion),
                                         LedgerFixture::kOrigin, event);
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<fb::Opening>> o;
  for (const auto& x : openings) {
    o.push_back(fb::CreateOpening(b, b.CreateString(x.path), b.CreateVector(x.salt.data(), x.salt.size()), b.CreateString(x.value)));
  }
  auto opening_vector = openings.empty() ? 0 : b.CreateVector(o);
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::SealedField>>> sealed = 0;
  if (with_sealed) {
    const Bytes id(8, 1), box(64, 2);
    sealed = b.CreateVector(std::vector{fb::CreateSealedField(b, b.CreateString("body.legal_representative"),
                                                             b.CreateString("rep:" + kFirm), b.CreateVector(id), b.CreateVector(box))});
  }
  auto sig = b.CreateVector(signature.data(), signature.size());
  auto pk = b.CreateVector(key.public_key.data(), key.public_key.size());
  b.ForceVectorAlignment(event.size(), 1, 8);
  auto ev = b.CreateVector(event.data(), event.size());
  b.Finish(fb::CreateEnvelope(b, events::kSchemaVersion, ev, pk, sig, opening_vector, sealed));
  return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

json Registration(const std::string& subject, const char* kind, const char* name, const char* representative) {
  json body = {{"kind", kind}, {"name", name}, {"division", "370202"}};
  if (representative[0] != '\0') body["legal_representative"] = representative;
  if (std::string(kind) == "CivilServant") body["staff_number"] = "K042", body["employer_uscc"] = kBody;
  return {{"event_id", "reg/" + subject}, {"subject", subject}, {"body_type", "SubjectRegistered"}, {"body", body}};
}

Bytes EventBytes(const json& event) {
  auto bytes = events::EventFromJson(event.dump());
  REQUIRE(bytes.ok());
  return *bytes;
}

// Whether the UTF-8 of `text` occurs in `bytes` (compared as bytes: char may be signed).
bool Holds(ByteView bytes, std::string_view text) {
  const ByteView needle = AsBytes(text);
  return std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end()) != bytes.end();
}

struct Fixture : LedgerFixture {
  Fixture() {
    auto r = ledger->Append(Sign(RegisterEvent("registrar", registrar.public_key, "3702",
                                                {"SubjectRegistered", "CivilServantIntegrityEntry"}),
                                 root, kOrigin));
    REQUIRE(r.ok());
  }
  KeyPair registrar = GenerateKeyPair();
};

TEST_CASE("personal fields: the client seals them before signing, other fields are signed as they are", "[personal]") {
  InitCrypto();
  const KeyPair key = GenerateKeyPair();
  const Bytes plain = EventBytes(Registration(kFirm, "Enterprise", "青岛澄明商贸有限公司", "赵晓梅"));
  const Bytes signed_firm = events::SignEnvelope(plain, key.secret_key, LedgerFixture::kOrigin);
  auto envelope = events::ParseEnvelope(signed_firm);
  REQUIRE(envelope.ok());
  auto fields = events::PersonalFields(*envelope->event);
  REQUIRE(fields.size() == 1);
  CHECK(fields[0].path == "body.legal_representative");
  CHECK(fields[0].person == "rep:" + kFirm);
  CHECK(events::IsSealedMarker(fields[0].value));
  CHECK_FALSE(Holds(envelope->event_bytes, "赵晓梅"));
  CHECK(Holds(envelope->event_bytes, "青岛澄明商贸有限公司"));  // a legal person's registered name is public
  REQUIRE(envelope->envelope->openings() != nullptr);
  const fb::Opening& opening = *envelope->envelope->openings()->Get(0);
  CHECK(opening.value()->str() == "赵晓梅");
  CHECK(events::SealMarker("body.legal_representative", ByteView(opening.salt()->data(), opening.salt()->size()), "赵晓梅") ==
        fields[0].value);
  // Signing the same event again gives the same envelope (a retry is one); another signer's
  // salt differs, so equal names do not give equal commitments.
  const Bytes first = events::SignEnvelope(plain, key.secret_key, LedgerFixture::kOrigin);
  CHECK(events::SignEnvelope(plain, key.secret_key, LedgerFixture::kOrigin) == first);
  const KeyPair other = GenerateKeyPair();
  const Bytes signed_other = events::SignEnvelope(plain, other.secret_key, LedgerFixture::kOrigin);
  auto again = events::ParseEnvelope(signed_other);
  REQUIRE(again.ok());
  CHECK(events::PersonalFields(*again->event)[0].value != fields[0].value);
  // A civil servant's name and an integrity entry's content are personal; nothing else is.
  const Bytes signed_clerk =
      events::SignEnvelope(EventBytes(Registration(kClerk, "CivilServant", "孙立新", "")), key.secret_key, LedgerFixture::kOrigin);
  auto clerk = events::ParseEnvelope(signed_clerk);
  REQUIRE(clerk.ok());
  CHECK(events::PersonalFields(*clerk->event).size() == 1);
  const Bytes rating = EventBytes(RatingEvent("r-1", kFirm));
  const Bytes signed_rating = events::SignEnvelope(rating, key.secret_key, LedgerFixture::kOrigin);
  auto rated = events::ParseEnvelope(signed_rating);
  REQUIRE(rated.ok());
  CHECK(rated->envelope->openings() == nullptr);
  CHECK(std::equal(rating.begin(), rating.end(), rated->event_bytes.begin(), rated->event_bytes.end()));
  CHECK(events::IsPersonId("rep:" + kFirm));
  CHECK(events::IsPersonId(kClerk));
  CHECK_FALSE(events::IsPersonId(kFirm));
  CHECK_FALSE(events::IsPersonId("rep:张三"));
}

TEST_CASE("personal fields: the ledger stores ciphertext only, opens it again after a restart, and refuses every other form",
          "[personal]") {
  Fixture f;
  const uint64_t size = f.ledger->size();
  const json firm = Registration(kFirm, "Enterprise", "青岛澄明商贸有限公司", "赵晓梅");
  auto recorded = f.ledger->Append(Sign(firm, f.registrar, LedgerFixture::kOrigin));
  REQUIRE(recorded.status().ToString() == "ok");
  auto entry_bytes = f.ledger->Entry(recorded->seq);
  REQUIRE(entry_bytes.ok());
  CHECK_FALSE(Holds(*entry_bytes, "赵晓梅"));
  auto entry = ledger::ParseEntry(*entry_bytes);
  REQUIRE(entry.ok());
  CHECK(entry->envelope.envelope->openings() == nullptr);
  REQUIRE(entry->envelope.envelope->sealed() != nullptr);
  REQUIRE(entry->envelope.envelope->sealed()->size() == 1);
  const fb::SealedField& sealed = *entry->envelope.envelope->sealed()->Get(0);
  const std::string marker = events::PersonalFields(*entry->envelope.event)[0].value;
  auto opened = f.personal_keys->Unseal(sealed, marker);
  CHECK(opened.state == ledger::Unsealed::kValue);
  CHECK(opened.value == "赵晓梅");
  // The same event signed again: the same bytes, a duplicate, nothing added.
  auto retried = f.ledger->Append(Sign(firm, f.registrar, LedgerFixture::kOrigin));
  REQUIRE(retried.ok());
  CHECK(retried->duplicate);
  CHECK(retried->seq == recorded->seq);
  f.Reopen();
  CHECK(f.personal_keys->Unseal(sealed, marker).value == "赵晓梅");
  const uint64_t kept = f.ledger->size();

  // Refused, each naming what is wrong, and nothing recorded:
  const json other = Registration(Uscc("370202", 902), "Enterprise", "青岛另一商贸有限公司", "钱学军");
  const Bytes plain = EventBytes(other);
  auto refused = [&](Bytes envelope, const std::string& says) {
    auto r = f.ledger->Append(std::move(envelope));
    INFO(says);
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(r.status().ToString(), Catch::Contains(says));
    CHECK(f.ledger->size() == kept);
  };
  // plaintext, as a client that does not seal would send it;
  refused(Envelope(plain, f.registrar, {}), "body.legal_representative: personal information must be sealed");
  // a commitment with no opening, or with one that does not match it;
  std::vector<events::Opening> openings;
  auto sealed_event = events::SealPersonalFields(plain, f.registrar.secret_key, &openings);
  REQUIRE(sealed_event.ok());
  REQUIRE(openings.size() == 1);
  refused(Envelope(*sealed_event, f.registrar, {}), "no opening");
  auto wrong = openings;
  wrong[0].value = "孙学军";
  refused(Envelope(*sealed_event, f.registrar, wrong), "does not match the signed commitment");
  // an opening of no sealed field; a `sealed` the client wrote itself;
  auto extra = openings;
  extra.push_back({"body.name", Bytes(16, 0), "x"});
  refused(Envelope(*sealed_event, f.registrar, extra), "is no sealed personal field");
  refused(Envelope(*sealed_event, f.registrar, openings, /*with_sealed=*/true), "envelope.sealed: is written by the ledger");
  // The right opening is recorded.
  CHECK(f.ledger->Append(Envelope(*sealed_event, f.registrar, openings)).ok());

  // A ledger without a key store records no personal information at all.
  f.ledger->SetPersonalKeys(nullptr);
  auto none = f.ledger->Append(Sign(Registration(Uscc("370202", 903), "Enterprise", "青岛第三商贸有限公司", "周红"), f.registrar,
                                    LedgerFixture::kOrigin));
  CHECK_THAT(none.status().ToString(), Catch::Contains("keeps no personal key store"));
  CHECK(f.ledger->Append(Sign(Registration(Uscc("370202", 904), "Enterprise", "青岛第四商贸有限公司", ""), f.registrar,
                              LedgerFixture::kOrigin)).ok());
  CHECK(f.ledger->size() > size);
}

TEST_CASE("personal fields: an erasure destroys the key once recorded, what was sealed stays in the log and stays provable",
          "[personal][erasure]") {
  Fixture f;
  REQUIRE(f.ledger->Append(Sign(Registration(kBody, "PublicBody", "青岛市市北区机关事务服务中心", ""), f.registrar,
                                LedgerFixture::kOrigin)).ok());
  auto clerk = f.ledger->Append(Sign(Registration(kClerk, "CivilServant", "孙立新", ""), f.registrar, LedgerFixture::kOrigin));
  REQUIRE(clerk.ok());
  auto before = f.ledger->Entry(clerk->seq);
  REQUIRE(before.ok());
  auto entry = ledger::ParseEntry(*before);
  REQUIRE(entry.ok());
  const fb::SealedField& sealed = *entry->envelope.envelope->sealed()->Get(0);
  const std::string marker = events::PersonalFields(*entry->envelope.event)[0].value;
  REQUIRE(f.personal_keys->Unseal(sealed, marker).value == "孙立新");

  const json erasure = {{"event_id", "erasure/k042"}, {"subject", ""}, {"body_type", "ErasureRecorded"},
                        {"body", {{"person", kClerk}, {"reason", "保存期限届满"}, {"basis", "第四十七条"}, {"erased_date", "2026-11-30"}}}};
  // Only the credit office records an erasure.
  CHECK(f.ledger->Append(Sign(erasure, f.registrar, LedgerFixture::kOrigin)).status().code() == StatusCode::kPermissionDenied);
  CHECK(f.personal_keys->HasKey(kClerk));
  REQUIRE(f.ledger->Append(Sign(erasure, f.root, LedgerFixture::kOrigin)).ok());
  CHECK_FALSE(f.personal_keys->HasKey(kClerk));
  CHECK(f.personal_keys->Unseal(sealed, marker).state == ledger::Unsealed::kErased);
  f.Reopen();
  CHECK(f.personal_keys->Unseal(sealed, marker).state == ledger::Unsealed::kErased);
  // The entry is the same bytes, the audit passes, and new records of the person get a new key
  // that does not open the old ones.
  auto after = f.ledger->Entry(clerk->seq);
  REQUIRE(after.ok());
  CHECK(*after == *before);
  CHECK(ledger::AuditLedger(*f.ledger).ok());
  json again = Registration(kClerk, "CivilServant", "孙立新", "");
  again["event_id"] = "reg/again";
  REQUIRE(f.ledger->Append(Sign(again, f.registrar, LedgerFixture::kOrigin)).ok());
  CHECK(f.personal_keys->HasKey(kClerk));
  CHECK(f.personal_keys->Unseal(sealed, marker).state == ledger::Unsealed::kErased);
}

}  // namespace
}  // namespace creditlog::testing
