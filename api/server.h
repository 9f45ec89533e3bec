// `creditlog serve`: the HTTP/JSON API on RESTinio (standalone Asio), for auditors and
// inspectors. Every error is {"error":{"code":"…","message":"…"}} with the HTTP status
// mapped from the Status code in one place (HttpStatusFor).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ledger/ledger.h"

namespace creditlog::api {

inline constexpr size_t kServerThreadsDefault = 2;      // one per core on the reference machine
inline constexpr uint64_t kEntriesPageMax = 1000;       // GET /v1/entries?limit=
inline constexpr size_t kRequestBodyBytesMax = 128 * 1024;

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  size_t threads = kServerThreadsDefault;
};

int HttpStatusFor(StatusCode code);

class Server {
 public:
  // Starts serving `ledger` (which must outlive the server); returns once listening.
  static Result<std::unique_ptr<Server>> Start(ledger::Ledger& ledger, const ServerOptions& options);
  virtual ~Server() = default;
  virtual void Stop() = 0;  // stops accepting, finishes in-flight requests, returns when done
};

}  // namespace creditlog::api
