#include "api/http/witness_server.h"

#include <chrono>

#include "api/http/http_server.h"
#include "api/log.h"

namespace creditlog::api {
namespace {

constexpr const char* kText = "text/plain; charset=utf-8";

int WitnessStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kConflict: return 409;
    case StatusCode::kTooLarge: return 413;
    case StatusCode::kCorruption: return 422;
    default: return 500;
  }
}

HttpServerOptions TransportOptions(const WitnessServerOptions& options) {
  HttpServerOptions transport;
  transport.host = options.host;
  transport.port = options.port;
  transport.threads = options.threads;
  return transport;
}

class WitnessServerImpl final : public WitnessServer {
 public:
  WitnessServerImpl(ledger::Witness& witness, const WitnessServerOptions& options)
      : witness_(witness), http_(TransportOptions(options)) {}
  ~WitnessServerImpl() override { Stop(); }

  Status Run() {
    RETURN_IF_ERROR(http_.AddRoute("POST", "/add-checkpoint", {.body_bytes_max = ledger::kAddCheckpointBytesMax},
                                   [this](const Request& req, const PathParams&) { AddCheckpoint(req); }));
    RETURN_IF_ERROR(http_.AddRoute("GET", "/{origin}/checkpoint", {}, [this](const Request& req, const PathParams& params) {
      auto note = witness_.Latest(params["origin"]);
      req.Respond(note.ok() ? Response{200, kText, *note, {{"Cache-Control", "no-cache"}}} : Text(note.status()));
    }));
    RETURN_IF_ERROR(http_.AddRoute("GET", "/verifier-key", {}, [this](const Request& req, const PathParams&) {
      req.Respond({200, kText, witness_.VerifierKey() + "\n", {}});
    }));
    RETURN_IF_ERROR(http_.AddRoute("GET", "/healthz", {}, [](const Request& req, const PathParams&) {
      req.Respond({200, kText, "ok\n", {}});
    }));
    return http_.Start();
  }
  void Stop() override { http_.Stop(); }
  uint16_t port() const override { return http_.port(); }

 private:
  static Response Text(const Status& status) {
    return {WitnessStatusFor(status.code()), kText, status.message() + "\n", {}};
  }

  void AddCheckpoint(const Request& req) {
    const uint64_t now = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    uint64_t latest = 0;
    auto cosignature = witness_.AddCheckpoint(req.body(), now, &latest);
    if (cosignature.ok()) return req.Respond({200, kText, *cosignature, {}});
    const Status& status = cosignature.status();
    if (status.code() == StatusCode::kConflict) {
      return req.Respond({409, ledger::kSizeContentType, std::to_string(latest) + "\n", {}});
    }
    if (status.code() == StatusCode::kCorruption || status.code() == StatusCode::kPermissionDenied) {
      // Possible evidence of a log's misbehaviour: kept in the witness's log.
      Log(spdlog::level::warn, "refused a checkpoint", {{"error", status.message()}, {"from", req.remote_address()}});
    }
    req.Respond(Text(status));
  }

  ledger::Witness& witness_;
  HttpServer http_;
};

}  // namespace

Result<std::unique_ptr<WitnessServer>> WitnessServer::Start(ledger::Witness& witness, const WitnessServerOptions& options) {
  auto server = std::make_unique<WitnessServerImpl>(witness, options);
  RETURN_IF_ERROR(server->Run());
  return std::unique_ptr<WitnessServer>(std::move(server));
}

}  // namespace creditlog::api
