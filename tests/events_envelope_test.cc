#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "events/event.h"
#include "events/json.h"

using namespace creditlog;
using namespace creditlog::events;

namespace {

Bytes SampleEvent() {
  const std::string json =
      R"({"event_id":"e1","subject":"914403001922038216","body_type":"ServiceRated",)"
      R"("body":{"rating_id":"r1","rating":4,"matter":"营业执照变更登记","rated_date":"2026-03-01"}})";
  return *EventFromJson(json);
}

}  // namespace

TEST_CASE("A signed envelope verifies only for its own ledger and bytes", "[envelope]") {
  InitCrypto();
  KeyPair key = GenerateKeyPair();
  const Bytes envelope = SignEnvelope(SampleEvent(), key.secret_key, "a.example/log");
  auto view = ParseEnvelope(envelope);
  REQUIRE(view.ok());
  REQUIRE(view->schema_version == kSchemaVersion);
  REQUIRE(view->public_key == key.public_key);
  REQUIRE(VerifyEnvelopeSignature(*view, "a.example/log").ok());
  REQUIRE(VerifyEnvelopeSignature(*view, "b.example/log").code() == StatusCode::kPermissionDenied);
  // Flip each byte of the signed event: the signature must fail (or the buffer be invalid).
  const size_t offset = static_cast<size_t>(view->event_bytes.data() - envelope.data());
  for (size_t i = 0; i < view->event_bytes.size(); ++i) {
    Bytes tampered = envelope;
    tampered[offset + i] ^= 0x20;
    auto parsed = ParseEnvelope(tampered);
    if (parsed.ok()) REQUIRE_FALSE(VerifyEnvelopeSignature(*parsed, "a.example/log").ok());
  }
}

TEST_CASE("Malformed envelopes are rejected before any signature check", "[envelope]") {
  InitCrypto();
  KeyPair key = GenerateKeyPair();
  const Bytes envelope = SignEnvelope(SampleEvent(), key.secret_key, "a.example/log");
  REQUIRE_FALSE(ParseEnvelope(Bytes{}).ok());
  REQUIRE_FALSE(ParseEnvelope(Bytes(envelope.begin(), envelope.begin() + envelope.size() / 2)).ok());
  REQUIRE_FALSE(ParseEnvelope(Bytes(100, 0xff)).ok());
  REQUIRE_THAT(ParseEnvelope(Bytes(kEnvelopeBytesMax + 1, 0)).status().message(), Catch::Contains("limit"));
  // A garbage nested event inside a well-formed envelope.
  flatbuffers::FlatBufferBuilder b;
  std::vector<uint8_t> junk(64, 7), pk(32, 1), sig(64, 2);
  b.Finish(fb::CreateEnvelopeDirect(b, kSchemaVersion, &junk, &pk, &sig));
  REQUIRE(ParseEnvelope(Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize())).status().code() ==
          StatusCode::kInvalidArgument);
  // Wrong key and signature sizes.
  flatbuffers::FlatBufferBuilder b2;
  const Bytes event = SampleEvent();
  std::vector<uint8_t> short_key(31, 1);
  b2.Finish(fb::CreateEnvelopeDirect(b2, kSchemaVersion, &event, &short_key, &sig));
  REQUIRE_THAT(ParseEnvelope(Bytes(b2.GetBufferPointer(), b2.GetBufferPointer() + b2.GetSize())).status().message(),
               Catch::StartsWith("envelope.public_key"));
  // An unknown schema version.
  flatbuffers::FlatBufferBuilder b3;
  b3.Finish(fb::CreateEnvelopeDirect(b3, kSchemaVersion + 1, &event, &pk, &sig));
  REQUIRE_THAT(ParseEnvelope(Bytes(b3.GetBufferPointer(), b3.GetBufferPointer() + b3.GetSize())).status().message(),
               Catch::StartsWith("envelope.schema_version"));
}
