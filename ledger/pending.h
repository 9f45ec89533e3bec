// Internal to the ledger: an append waiting for the writer.
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
};

}  // namespace creditlog::ledger
