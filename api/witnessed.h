// What a server publishes when a witness policy is set: only checkpoints cosigned by the
// policy's quorum (docs/witnesses.md). The server (api/http/) reads it through this interface;
// api/client/witnessing.h collects the cosignatures; `serve` joins the two.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace creditlog::api {

// A waiter not covered by a witnessed checkpoint in this time is answered Unavailable (below
// the server's handler time limit, so the client hears why).
inline constexpr std::chrono::seconds kWitnessedWaitMax{25};
// DATA/witnessed-checkpoint: the latest checkpoint the quorum cosigned (api/client/witnessing.h).
inline constexpr const char* kWitnessedCheckpointFile = "witnessed-checkpoint";

struct WitnessedNote {
  uint64_t size = 0;
  std::string note;  // the log's checkpoint with the witnesses' cosignature lines
};

class WitnessedCheckpoints {
 public:
  virtual ~WitnessedCheckpoints() = default;
  // The latest checkpoint that met the policy; NotFound before the first.
  virtual Result<WitnessedNote> Latest() const = 0;
  // Calls `done` (on another thread, or at once) with the first witnessed checkpoint whose
  // size >= `size`; Unavailable after kWitnessedWaitMax or when stopping.
  virtual void WhenCovered(uint64_t size, std::function<void(Result<WitnessedNote>)> done) = 0;
  // The policy and each witness's state, for GET /v1/witnesses and the console.
  virtual nlohmann::json State() const = 0;
  // Prometheus lines (gauges per witness) for /metrics.
  virtual std::string Metrics() const = 0;
};

}  // namespace creditlog::api
