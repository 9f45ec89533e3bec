// Internal to the ledger: an append waiting for the writer, between the caller's side of the
// append path (append.cc) and the writer thread (writer.cc).
#pragma once

#include <optional>

#include "ledger/ledger.h"

namespace creditlog::ledger {

struct Ledger::Pending {
  Bytes envelope;              // as submitted (a mirrored entry: the entry); `view` points into it
  events::EnvelopeView view;   // checked: structure, fields, signature
  AppendCallback done;         // called once, by the writer, after the commit (or the refusal)
  // Mirrors only: the entry as the primary wrote it. The writer must rebuild it byte for byte.
  std::optional<EntryView> mirrored;
  // Cluster mode: the stream message this envelope is (AppendFromStream).
  std::optional<StreamPosition> stream;
  // Cluster mode: why the stream's message was refused before it was queued (it is not an
  // envelope, or not a valid one); `view` is then empty. The writer records the refusal at its
  // position, as every node does.
  Status refused;
};

// OK when signed_at_ms (the signer's clock; 0: not given) lies in the window around now_ms.
Status CheckSignedAt(int64_t signed_at_ms, int64_t now_ms);

// Later appends after a failed write: the failure itself (an I/O message naming files) went to
// the appends of the commit that failed, as io_error; everyone else learns only that it stopped.
inline Status WriterStopped() {
  return Status::Unavailable("the ledger's writer has stopped after a failed write; the ledger must be reopened");
}

}  // namespace creditlog::ledger
