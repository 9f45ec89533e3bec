// Internal to the HTTP transport (api/http_server.h): the types shared by the acceptor
// (http_server.cc) and the connections (http_session.cc). It brings in Beast and Asio: include
// it from those two files only.
//
// Lifetimes. A session is owned by the handlers of its pending operations. A request handle
// (Exchange) holds its session only weakly, plus `Shared`, which outlives the server: answering
// takes Shared's gate (shared) and posts to the session's strand only while the gate is open.
// Stop() closes the gate (exclusive) after the I/O threads have returned and before the
// io_context is destroyed, so an answer arriving from the ledger's writer thread after Stop()
// touches nothing of the server.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "api/http/http_server.h"

namespace creditlog::api {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using Strand = net::strand<net::io_context::executor_type>;
// Bound to the connection's strand by type, not through any_io_executor: cheaper per operation.
using Socket = net::basic_stream_socket<tcp, Strand>;
using Timer = net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>, Strand>;

// What a request handle may still touch once the server is gone.
struct Shared {
  std::shared_mutex gate;  // GUARDS: open. Held (shared) while an answer is handed to a session.
  bool open = true;
  std::atomic<uint64_t> body_bytes{0};  // declared bodies admitted and not yet released
};

// Bytes of the body budget, given back when the request is gone.
class BodyReservation {
 public:
  BodyReservation() = default;
  // Empty when `bytes` do not fit under `max`.
  static std::optional<BodyReservation> Take(const std::shared_ptr<Shared>& shared, uint64_t bytes, uint64_t max) {
    uint64_t now = shared->body_bytes.load();
    do {
      if (now + bytes > max) return std::nullopt;
    } while (!shared->body_bytes.compare_exchange_weak(now, now + bytes));
    BodyReservation r;
    r.shared_ = shared;
    r.bytes_ = bytes;
    return r;
  }
  BodyReservation(BodyReservation&& other) noexcept : shared_(std::move(other.shared_)), bytes_(std::exchange(other.bytes_, 0)) {}
  BodyReservation& operator=(BodyReservation&& other) noexcept {
    Release();
    shared_ = std::move(other.shared_);
    bytes_ = std::exchange(other.bytes_, 0);
    return *this;
  }
  ~BodyReservation() { Release(); }

 private:
  void Release() {
    if (shared_ && bytes_ > 0) shared_->body_bytes.fetch_sub(bytes_);
    shared_.reset();
    bytes_ = 0;
  }
  std::shared_ptr<Shared> shared_;
  uint64_t bytes_ = 0;
};

class HttpSession;

struct Exchange {
  std::weak_ptr<HttpSession> session;
  std::shared_ptr<Shared> shared;
  http::request<http::string_body> message;
  Target target;
  PathParams params;
  std::string remote_address;
  std::string request_id;
  BodyReservation reservation;
  std::atomic<bool> answered{false};
  std::vector<std::pair<std::string, std::string>> response_headers;  // Request::AddResponseHeader
};

struct RouteEntry {
  std::string method;
  PathTemplate path;
  RouteOptions options;
  Handler handler;
};

struct HttpServer::Impl {
  explicit Impl(HttpServerOptions o);
  Status Start();
  void Stop();
  void Accept();
  void OnAccept(const beast::error_code& ec, Socket socket, const Strand& strand);
  void Refuse(Socket& socket, const std::string& address, bool per_address);
  const RouteEntry* FindRoute(std::string_view method, const Target& target, PathParams* params, bool* path_known) const;
  std::string NextRequestId();
  void Forget(HttpSession* session, const std::string& address);

  const HttpServerOptions options;
  std::vector<std::unique_ptr<RouteEntry>> routes;  // fixed once started; PathParams point into them
  std::shared_ptr<Shared> shared = std::make_shared<Shared>();
  std::string id_prefix;
  std::atomic<uint64_t> next_id{0};
  std::atomic<uint64_t> connections_refused{0};
  std::atomic<uint64_t> requests_refused{0};
  const std::string refused_busy;     // the canned 503
  const std::string refused_address;  // the canned 429

  mutable std::mutex mutex;  // GUARDS: sessions, per_address, stopping
  std::unordered_set<HttpSession*> sessions;
  std::unordered_map<std::string, size_t> per_address;
  bool stopping = false;

  std::mutex stop_mutex;  // GUARDS: running; serialises Start and Stop
  bool running = false;
  std::unique_ptr<net::io_context> ioc;
  std::optional<Strand> acceptor_strand;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> accept_retry;
  uint16_t port = 0;
  std::vector<std::thread> threads;
  std::mutex threads_mutex;  // GUARDS: threads_finished
  std::condition_variable threads_done;
  size_t threads_finished = 0;
};

// One connection. Every member is used on the strand only, except those marked const.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(HttpServer::Impl& server, Socket socket, const Strand& strand, std::string address)
      : server_(server),
        strand_(strand),
        address_(std::move(address)),
        socket_(std::move(socket)),
        deadline_timer_(strand),
        handle_timer_(strand) {
    beast::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
  }
  ~HttpSession() { server_.Forget(this, address_); }

  void Start() {
    net::dispatch(strand_, [self = shared_from_this()] { self->ReadHeader(); });
  }
  // From Stop(): closes once the answer being written (if any) is out.
  void CloseWhenIdle() {
    net::dispatch(strand_, [self = shared_from_this()] {
      if (self->writing_) {
        self->keep_alive_ = false;
      } else {
        self->Close();
      }
    });
  }
  // From any thread (Request::Respond).
  void Answer(std::shared_ptr<Exchange> exchange, Response response) {
    net::dispatch(strand_, [self = shared_from_this(), exchange = std::move(exchange), response = std::move(response)]() mutable {
      self->Write(exchange, std::move(response));
    });
  }

 private:
  void ReadHeader();
  void OnHeader(const beast::error_code& ec);
  void ReadBody(const RouteEntry& route);
  void OnReadError(const beast::error_code& ec);
  void Dispatch(const RouteEntry& route);
  void Fail(const std::shared_ptr<Exchange>& exchange, std::string_view what);
  void Refuse(int status, std::string_view code, std::string message, bool body_pending, int64_t retry_after = 0);
  void Write(const std::shared_ptr<Exchange>& exchange, Response response);
  void OnWritten(const beast::error_code& ec);
  void Linger(size_t discarded);
  void SetDeadline(std::chrono::steady_clock::time_point at);
  void WaitForDeadline();
  void OnDeadline(uint64_t generation);
  void Close();
  std::shared_ptr<Exchange> NewExchange();

  HttpServer::Impl& server_;
  const Strand strand_;
  const std::string address_;
  Socket socket_;
  beast::flat_buffer buffer_{kHeaderBytesMax + kBodyReadBufferBytes};
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string head_;  // the answer being written: status line and header fields, then body_
  std::string body_;
  // One timer for the read, write and linger time limits, moved only when a limit comes sooner
  // than the time it is set for: a keep-alive connection's limits only ever move later, so it
  // costs no timer operation per request.
  Timer deadline_timer_;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  uint64_t deadline_generation_ = 0;  // of the wait in progress; older waits were cancelled
  bool deadline_waiting_ = false;
  Timer handle_timer_;
  std::shared_ptr<Exchange> current_;  // the request being read or handled
  BodyReservation reservation_;        // while its body is read
  bool keep_alive_ = true;             // after the answer being written
  bool linger_ = false;                // unread request bytes may follow: discard some before closing
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace creditlog::api
