// Internal to the ledger: an append waiting for the writer.
#pragma once

#include <future>

#include "ledger/ledger.h"

namespace creditlog::ledger {

struct Ledger::Pending {
  Bytes envelope;              // as submitted; `view` points into it
  events::EnvelopeView view;   // checked: structure, fields, signature
  std::promise<Result<AppendResult>> promise;
};

}  // namespace creditlog::ledger
