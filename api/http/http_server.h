// The HTTP/1.1 transport of `creditlog serve`, on Boost.Beast (Asio) with targets parsed by
// Boost.URL (http_target.h). It knows routes, limits and connections, not the ledger.
//
// - N I/O threads run one io_context; each connection has a strand. A connection carries one
//   request at a time: the next is read only once the previous one is answered (pipelined
//   requests are answered in order).
// - A request's header is read first and its route looked up; the body is read only when the
//   route takes one (RouteOptions::body_bytes_max) and its declared length fits that limit and
//   the global budget of body bytes (kBodyBytesInFlightMax). Otherwise the client gets a JSON
//   error at once (413, 411 for a chunked body, 429 with Retry-After) and the connection is
//   closed without the body being read.
// - Connections beyond kConnectionsMax, or kConnectionsPerAddressMax from one address, get a
//   canned JSON 503 (429 for the address cap) and are closed.
// - Every malformed request gets a JSON 400 (431 for an oversized header); when what follows
//   it cannot be found (the request could not be parsed) the connection is then closed. Only a
//   client that is too slow (read/write time limits) is closed without an answer, as no answer
//   could reach it in time.
// - Every response carries X-Request-Id and the security headers (kContentSecurityPolicy,
//   X-Content-Type-Options, Referrer-Policy).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http/http_target.h"
#include "base/result.h"

namespace creditlog::api {

// Limits of the transport; docs/http.md lists them with the answers they give.
inline constexpr size_t kHeaderBytesMax = 16 * 1024;                // request line and header fields (431 beyond)
inline constexpr size_t kConnectionsMax = 1024;                     // open connections (503 beyond)
inline constexpr size_t kConnectionsPerAddressMax = 64;             // open connections from one address (429 beyond)
inline constexpr size_t kBodyBytesInFlightMax = 64 * 1024 * 1024;   // declared bodies being read or handled, all connections (429)
inline constexpr size_t kBodyReadBufferBytes = 16 * 1024;           // read buffer while a body arrives, per connection
inline constexpr size_t kIdleBufferBytesMax = 4 * 1024;             // a larger read buffer is released between requests
inline constexpr int64_t kRetryAfterSecondsBusy = 1;                // Retry-After of the connection and body-budget refusals
inline constexpr size_t kLingerBytesMax = 256 * 1024;               // discarded after a refusal, so the answer is not reset away
inline constexpr std::chrono::milliseconds kLingerTimeout{1000};    // … for at most this long
inline constexpr std::chrono::seconds kStopWait{5};                 // Stop() waits this long for connections to close
inline constexpr size_t kRequestIdBytesMax = 64;                    // a client's X-Request-Id longer than this is replaced
// The console loads its scripts, styles and fetches from this origin only and has no inline
// script or style; its favicon is a data: URL.
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'";

struct Response {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // more fields: Retry-After, WWW-Authenticate
};

// {"error":{"code":…,"message":…}}: the shape of every error answer.
Response ErrorResponse(int status, std::string_view code, std::string_view message);

struct Exchange;  // one request and its answer (http_server.cc)

// A request as handlers see it: a cheap handle that may be kept (copied) until it is answered,
// from any thread.
class Request {
 public:
  explicit Request(std::shared_ptr<Exchange> exchange) : exchange_(std::move(exchange)) {}

  std::string_view method() const;
  std::string_view path() const;                   // as sent, percent-encoded, without the query
  bool has_query(std::string_view name) const;     // the first of repeated parameters counts
  std::string_view query(std::string_view name) const;   // decoded; "" when absent
  std::string_view header(std::string_view name) const;  // case-insensitive name; "" when absent
  const std::string& body() const;
  const std::string& remote_address() const;       // "127.0.0.1", "::1"
  const std::string& request_id() const;           // also sent as X-Request-Id
  // Thread-safe; the first call answers, later ones (and any after the handler time limit or
  // after Stop()) are ignored.
  void Respond(Response response) const;
  // A header field for the answer, whatever Respond is given: a route that answers through
  // another's handler (GET /checkpoint, Cache-Control) sets it first. Before Respond, from the
  // thread that will call it or one that hands the request to it.
  void AddResponseHeader(std::string name, std::string value) const;

 private:
  std::shared_ptr<Exchange> exchange_;
};

// Called on the connection's I/O thread; answers with request.Respond, now or later.
using Handler = std::function<void(const Request& request, const PathParams& params)>;

struct RouteOptions {
  size_t body_bytes_max = 0;  // 0: the route takes no body
  ParamMatch last_param = ParamMatch::kSegment;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: any free port, which port() then names
  size_t threads = 2;
  std::chrono::milliseconds read_timeout{15000};    // a whole request, from its first byte (or idle keep-alive)
  std::chrono::milliseconds write_timeout{15000};   // a whole response
  std::chrono::milliseconds handle_timeout{30000};  // the handler's answer; then 503
  size_t connections_max = kConnectionsMax;
  size_t connections_per_address_max = kConnectionsPerAddressMax;
  size_t body_bytes_in_flight_max = kBodyBytesInFlightMax;
  // Called for every response sent, with its status (metrics). May be empty.
  std::function<void(int status)> on_response;
};

struct HttpCounters {
  uint64_t connections_open = 0;
  uint64_t connections_refused = 0;  // over kConnectionsMax or the per-address cap
  uint64_t requests_refused = 0;     // malformed, oversized or over the body budget, before any handler
  uint64_t body_bytes_in_flight = 0;
};

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Before Start(). `method` is "GET" or "POST"; `path` a template such as /v1/entries/{seq}.
  // InvalidArgument for a malformed template.
  Status AddRoute(std::string_view method, std::string_view path, RouteOptions options, Handler handler);
  // Listens and starts the I/O threads; IOError when the address cannot be bound.
  Status Start();
  // Stops accepting, closes every connection (answers not yet sent are dropped), joins the
  // threads. REQUIRES: not called from a handler.
  void Stop();
  uint16_t port() const;
  HttpCounters counters() const;

  struct Impl;  // api/http_server.cc

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace creditlog::api
