// Where the server sends writes instead of its ledger: cluster mode's replicated stream
// (api/cluster/cluster_node.h). The server knows only this interface.
#pragma once

#include "ledger/ledger.h"

namespace creditlog::api {

class WriteIntake {
 public:
  virtual ~WriteIntake() = default;
  // One envelope: `done` gets what the append did, or why it was refused, once.
  virtual void Submit(Bytes envelope, ledger::AppendCallback done) = 0;
  // Envelopes in order: `done` gets one result per envelope, in order, once.
  virtual void SubmitMany(std::vector<Bytes> envelopes, ledger::BatchCallback done) = 0;
};

}  // namespace creditlog::api
