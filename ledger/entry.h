// Ledger entries: the leaf bytes of the Merkle tree.
//
// Entries and the envelopes inside them are stored in canonical form — exactly the bytes our
// builder produces for their fields — so that every byte of an entry is either covered by the
// author's signature (the event bytes) or re-derivable (everything else). A flipped byte
// anywhere is therefore detected at that entry, not merely somewhere before a checkpoint.
#pragma once

#include <cstdint>

#include "crypto/bytes.h"
#include "events/event.h"
#include "ledger/entry_generated.h"

namespace creditlog::ledger {

struct EntryView {
  uint64_t seq = 0;
  int64_t recorded_at_ms = 0;
  uint64_t stream_version = 0;
  ByteView envelope_bytes;
  events::EnvelopeView envelope;  // points into envelope_bytes
};

// The canonical envelope for a parsed one (same schema version, event bytes, key, signature).
Bytes CanonicalEnvelope(const events::EnvelopeView& envelope);

Bytes BuildEntry(uint64_t seq, int64_t recorded_at_ms, uint64_t stream_version,
                 ByteView canonical_envelope);

// Verifies structure and canonical form of the entry and of the envelope inside it.
// Corruption (not InvalidArgument): entries come from our own storage or an export, so a
// malformed one means the bytes were altered. Does not check the signature.
Result<EntryView> ParseEntry(ByteView entry_bytes);

}  // namespace creditlog::ledger
