// `creditlog witness serve`: a witness (ledger/witness.h) on the HTTP transport of
// api/http/http_server.h, speaking C2SP tlog-witness:
//
//   POST /add-checkpoint          old size, consistency proof, checkpoint -> cosignature lines;
//                                 400, 403, 404, 409 (text/x.tlog.size: its latest size), 422
//   GET  /{origin hash}/checkpoint  the latest checkpoint it cosigned for that log (monitors)
//   GET  /verifier-key            its cosigner key (name+ID+base64), for policies
//   GET  /healthz                 "ok"
//
// Error answers are one line of plain text saying what was wrong.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "ledger/witness.h"

namespace creditlog::api {

inline constexpr size_t kWitnessServerThreads = 2;

struct WitnessServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port
  size_t threads = kWitnessServerThreads;
};

class WitnessServer {
 public:
  // Serves `witness` (which must outlive the server); returns once listening.
  static Result<std::unique_ptr<WitnessServer>> Start(ledger::Witness& witness, const WitnessServerOptions& options);
  virtual ~WitnessServer() = default;
  virtual void Stop() = 0;
  virtual uint16_t port() const = 0;
};

}  // namespace creditlog::api
