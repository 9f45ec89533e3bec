#include "ledger/entry.h"

#include <algorithm>

#include <flatbuffers/flatbuffers.h>

namespace creditlog::ledger {
namespace {

// Nested buffers start 8-aligned so that their scalars are aligned when read in place.
constexpr size_t kNestedBufferAlignment = 8;

flatbuffers::Offset<flatbuffers::Vector<uint8_t>> AlignedBytes(flatbuffers::FlatBufferBuilder& b,
                                                             ByteView bytes) {
  b.ForceVectorAlignment(bytes.size(), 1, kNestedBufferAlignment);
  return b.CreateVector(bytes.data(), bytes.size());
}

Bytes Finish(flatbuffers::FlatBufferBuilder& b) {
  return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

bool SameBytes(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

}  // namespace

Bytes CanonicalEnvelope(const events::EnvelopeView& envelope) {
  flatbuffers::FlatBufferBuilder b(envelope.event_bytes.size() + 256);
  // Sealed personal fields (ledger/personal_keys.h), in their order; openings never.
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::SealedField>>> sealed_vector = 0;
  if (const auto* sealed = envelope.envelope->sealed(); sealed != nullptr) {
    std::vector<flatbuffers::Offset<fb::SealedField>> offsets;
    for (const fb::SealedField* s : *sealed) {
      offsets.push_back(fb::CreateSealedField(b, b.CreateString(s->path()), b.CreateString(s->person()),
                                              b.CreateVector(s->key_id()->data(), s->key_id()->size()),
                                              b.CreateVector(s->box()->data(), s->box()->size())));
    }
    sealed_vector = b.CreateVector(offsets);
  }
  auto signature = b.CreateVector(envelope.signature.data(), envelope.signature.size());
  auto key = b.CreateVector(envelope.public_key.data(), envelope.public_key.size());
  auto event = AlignedBytes(b, envelope.event_bytes);
  b.Finish(fb::CreateEnvelope(b, envelope.schema_version, event, key, signature, 0, sealed_vector));
  return Finish(b);
}

Bytes BuildEntry(uint64_t seq, int64_t recorded_at_ms, uint64_t stream_version,
                 ByteView canonical_envelope) {
  flatbuffers::FlatBufferBuilder b(canonical_envelope.size() + 128);
  auto envelope = AlignedBytes(b, canonical_envelope);
  b.Finish(fb::CreateEntry(b, seq, recorded_at_ms, stream_version, envelope));
  return Finish(b);
}

Result<EntryView> ParseEntry(ByteView entry_bytes) {
  if (entry_bytes.size() > events::kEnvelopeBytesMax + 1024) {
    return Status::Corruption("entry is larger than any envelope allows");
  }
  flatbuffers::Verifier verifier(entry_bytes.data(), entry_bytes.size(),
                                 events::kVerifierDepthMax, events::kVerifierTablesMax);
  if (!fb::VerifyEntryBuffer(verifier)) return Status::Corruption("entry is not a valid Entry buffer");
  const fb::Entry* entry = fb::GetEntry(entry_bytes.data());
  EntryView view;
  view.seq = entry->seq();
  view.recorded_at_ms = entry->recorded_at_ms();
  view.stream_version = entry->stream_version();
  view.envelope_bytes = ByteView(entry->envelope()->data(), entry->envelope()->size());
  auto envelope = events::ParseEnvelope(view.envelope_bytes);
  if (!envelope.ok()) return Status::Corruption("envelope: " + envelope.status().message());
  view.envelope = *envelope;
  if (!SameBytes(CanonicalEnvelope(view.envelope), view.envelope_bytes)) {
    return Status::Corruption("envelope bytes are not in canonical form (altered)");
  }
  Bytes canonical = BuildEntry(view.seq, view.recorded_at_ms, view.stream_version, view.envelope_bytes);
  if (!SameBytes(canonical, entry_bytes)) {
    return Status::Corruption("entry bytes are not in canonical form (altered)");
  }
  return view;
}

}  // namespace creditlog::ledger
