// An event's signature covers its envelope's schema version: the purpose signed is
// "creditlog/event/v<N>", so an envelope whose schema_version is changed no longer verifies.
// Version 1 envelopes (signed before the version was bound this way) still verify as they are.
#include <catch2/catch.hpp>

#include "crypto/ed25519.h"
#include "events/event.h"
#include "events/json.h"
#include "events/uscc.h"

namespace creditlog::events {
namespace {

constexpr const char* kOrigin = "test.creditlog.example/log";

Bytes EventBytes() {
  const std::string subject = MakeUscc("91", "370202", "MA000000");
  auto bytes = EventFromJson(R"({"event_id":"sv-1","subject":")" + subject + R"(","body_type":"ServiceRated",
    "body":{"rating_id":"sv-1","rating":4,"matter":"食品经营许可","rated_date":"2026-03-01"}})");
  INFO(bytes.status().message());
  REQUIRE(bytes.ok());
  return *bytes;
}

// The envelope for `event` with `schema_version` and the signature `signature`.
Bytes Envelope(uint16_t schema_version, const Bytes& event, const PublicKey& key, const Signature& signature) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<uint8_t> k(key.begin(), key.end()), s(signature.begin(), signature.end());
  b.Finish(fb::CreateEnvelopeDirect(b, schema_version, &event, &k, &s));
  return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

}  // namespace

TEST_CASE("the event signature covers the envelope's schema version", "[envelope]") {
  InitCrypto();
  const KeyPair key = GenerateKeyPair();
  const Bytes event = EventBytes();
  const Bytes signed_now = SignEnvelope(event, key.secret_key, kOrigin);
  auto view = ParseEnvelope(signed_now);
  REQUIRE(view.ok());
  REQUIRE(view->schema_version == kSchemaVersion);
  REQUIRE(kSchemaVersion >= 2);
  CHECK(EventSignaturePurpose(kSchemaVersion) == "creditlog/event/v" + std::to_string(kSchemaVersion));
  CHECK(VerifyEnvelopeSignature(*view, kOrigin).ok());
  // The same signature under another readable schema version: refused.
  const Bytes relabelled = Envelope(kSchemaVersionMin, event, key.public_key, view->signature);
  auto relabelled_view = ParseEnvelope(relabelled);
  REQUIRE(relabelled_view.ok());
  auto refused = VerifyEnvelopeSignature(*relabelled_view, kOrigin);
  CHECK(refused.code() == StatusCode::kPermissionDenied);
  CHECK_THAT(refused.message(), Catch::Contains("schema version " + std::to_string(kSchemaVersionMin)));
}

TEST_CASE("a version 1 envelope, signed with the version 1 purpose, still verifies", "[envelope]") {
  InitCrypto();
  const KeyPair key = GenerateKeyPair();
  const Bytes event = EventBytes();
  const Signature v1 = SignDomain(key.secret_key, kPurposeEvent, kOrigin, event);
  const Bytes v1_envelope = Envelope(1, event, key.public_key, v1);  // the views point into these
  const Bytes bumped_envelope = Envelope(2, event, key.public_key, v1);
  auto view = ParseEnvelope(v1_envelope);
  REQUIRE(view.ok());
  CHECK(VerifyEnvelopeSignature(*view, kOrigin).ok());
  auto bumped = ParseEnvelope(bumped_envelope);
  REQUIRE(bumped.ok());
  CHECK_FALSE(VerifyEnvelopeSignature(*bumped, kOrigin).ok());
}

}  // namespace creditlog::events
