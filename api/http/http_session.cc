// One connection: read a header, route it, read the body it may have, call the handler, write
// the answer, repeat. Contracts are in api/http_server.h; lifetimes in api/http_session.h.
#include <algorithm>
#include <array>
#include <limits>

#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "api/http/http_session.h"
#include "api/log.h"

namespace creditlog::api {
namespace {

constexpr std::string_view kJsonType = "application/json; charset=utf-8";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

bool IsRequestIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':';
}

}  // namespace

Response ErrorResponse(int status, std::string_view code, std::string_view message) {
  const nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  return {status, std::string(kJsonType), body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), {}};
}

// --- Request ---

std::string_view Request::method() const { return View(exchange_->message.method_string()); }
std::string_view Request::path() const { return exchange_->target.path; }
const std::string& Request::body() const { return exchange_->message.body(); }
const std::string& Request::remote_address() const { return exchange_->remote_address; }
const std::string& Request::request_id() const { return exchange_->request_id; }

bool Request::has_query(std::string_view name) const {
  for (const auto& [key, value] : exchange_->target.query) {
    if (key == name) return true;
  }
  return false;
}

std::string_view Request::query(std::string_view name) const {
  for (const auto& [key, value] : exchange_->target.query) {
    if (key == name) return value;
  }
  return {};
}

std::string_view Request::header(std::string_view name) const {
  return View(exchange_->message[beast::string_view(name.data(), name.size())]);
}

void Request::AddResponseHeader(std::string name, std::string value) const {
  exchange_->response_headers.emplace_back(std::move(name), std::move(value));
}

void Request::Respond(Response response) const {
  if (exchange_->answered.exchange(true)) return;
  for (auto& field : exchange_->response_headers) response.headers.push_back(std::move(field));
  std::shared_lock gate(exchange_->shared->gate);
  if (!exchange_->shared->open) return;
  if (std::shared_ptr<HttpSession> session = exchange_->session.lock()) session->Answer(exchange_, std::move(response));
}

// --- HttpSession ---

std::shared_ptr<Exchange> HttpSession::NewExchange() {
  auto exchange = std::make_shared<Exchange>();
  exchange->session = weak_from_this();
  exchange->shared = server_.shared;
  exchange->remote_address = address_;
  exchange->request_id = server_.NextRequestId();
  return exchange;
}

void HttpSession::ReadHeader() {
  if (closed_) return;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(kHeaderBytesMax));
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());  // the route's limit is applied once the header is read
  SetDeadline(std::chrono::steady_clock::now() + server_.options.read_timeout);
  http::async_read_header(socket_, buffer_, *parser_, [self = shared_from_this()](const beast::error_code& ec, size_t) {
    self->OnHeader(ec);
  });
}

void HttpSession::OnHeader(const beast::error_code& ec) {
  if (closed_) return;
  if (ec) return OnReadError(ec);
  current_ = NewExchange();
  const auto& header = parser_->get();
  const std::string_view supplied = View(header["X-Request-Id"]);
  if (!supplied.empty() && supplied.size() <= kRequestIdBytesMax &&
      std::all_of(supplied.begin(), supplied.end(), IsRequestIdChar)) {
    current_->request_id = std::string(supplied);
  }
  keep_alive_ = parser_->keep_alive();
  const uint64_t declared = parser_->content_length().value_or(0);
  const bool body_pending = parser_->chunked() || declared > 0;
  auto target = ParseTarget(View(header.target()));
  if (!target.ok()) return Refuse(400, "invalid_argument", target.status().message(), body_pending);
  current_->target = std::move(*target);
  const std::string_view method = View(header.method_string());
  bool path_known = false;
  const RouteEntry* route = server_.FindRoute(method, current_->target, &current_->params, &path_known);
  const std::string what = std::string(method) + " " + current_->target.path;
  if (route == nullptr) {
    return Refuse(404, "not_found", "no route for " + what + (path_known ? " (the path takes another method)" : ""), body_pending);
  }
  const size_t limit = route->options.body_bytes_max;
  if (body_pending && limit == 0) {
    const std::string announced = parser_->chunked() ? "a chunked body" : std::to_string(declared) + " bytes";
    return Refuse(413, "payload_too_large", what + " takes no body; the request announced " + announced, true);
  }
  if (parser_->chunked()) {
    return Refuse(411, "invalid_argument", what + " needs Content-Length: chunked bodies are not accepted", true);
  }
  if (declared > limit) {
    return Refuse(413, "payload_too_large",
                  "the body is " + std::to_string(declared) + " bytes; " + what + " takes at most " + std::to_string(limit), true);
  }
  if (declared == 0) return Dispatch(*route);
  auto reserved = BodyReservation::Take(server_.shared, declared, server_.options.body_bytes_in_flight_max);
  if (!reserved) {
    return Refuse(429, "resource_exhausted",
                  "the server is receiving too many request bodies (" + std::to_string(server_.options.body_bytes_in_flight_max) +
                      " bytes at once); retry later",
                  true, kRetryAfterSecondsBusy);
  }
  reservation_ = std::move(*reserved);
  ReadBody(*route);
}

void HttpSession::ReadBody(const RouteEntry& route) {
  const uint64_t declared = *parser_->content_length();
  parser_->body_limit(declared);
  if (declared > buffer_.size() && buffer_.capacity() < kBodyReadBufferBytes) buffer_.reserve(kBodyReadBufferBytes);
  auto read = [self = shared_from_this(), &route] {
    http::async_read(self->socket_, self->buffer_, *self->parser_, [self, &route](const beast::error_code& ec, size_t) {
      if (self->closed_) return;
      if (ec) return self->OnReadError(ec);
      self->Dispatch(route);
    });
  };
  const std::string_view expect = View(parser_->get()[http::field::expect]);
  if (!beast::iequals(expect, "100-continue")) return read();
  // The client waits for this before sending the body; the read time limit still runs.
  net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()), [self = shared_from_this(), read](const beast::error_code& ec, size_t) {
    if (ec || self->closed_) return self->Close();
    read();
  });
}

void HttpSession::OnReadError(const beast::error_code& ec) {
  const bool parse_error = ec.category() == http::make_error_code(http::error::bad_target).category();
  if (!parse_error || ec == http::error::end_of_stream) return Close();  // a reset, or the end between requests
  if (!current_) current_ = NewExchange();
  reservation_ = BodyReservation();
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    return Refuse(431, "payload_too_large", "the request line and header fields exceed " + std::to_string(kHeaderBytesMax) + " bytes",
                  true);
  }
  if (ec == http::error::partial_message) return Refuse(400, "invalid_argument", "the connection ended inside the request", true);
  if (ec == http::error::body_limit) return Refuse(413, "payload_too_large", "the body is longer than announced", true);
  Refuse(400, "invalid_argument", "the request cannot be parsed: " + ec.message(), true);
}

void HttpSession::Dispatch(const RouteEntry& route) {
  std::shared_ptr<Exchange> exchange = current_;
  exchange->message = parser_->release();
  exchange->reservation = std::move(reservation_);
  parser_.reset();
  try {
    route.handler(Request(exchange), exchange->params);
  } catch (const std::exception& e) {
    Fail(exchange, e.what());
  } catch (...) {
    Fail(exchange, "an exception that is not a std::exception");
  }
  if (exchange->answered.load()) return;
  // Answered later from another thread, or by this timer; meanwhile nothing is read or written.
  SetDeadline(std::chrono::steady_clock::time_point::max());
  handle_timer_.expires_after(server_.options.handle_timeout);
  handle_timer_.async_wait([self = shared_from_this(), exchange](const beast::error_code& ec) {
    if (ec || self->closed_ || exchange->answered.exchange(true)) return;
    Log(spdlog::level::warn, "no answer within the time limit", {{"path", exchange->target.path}, {"request_id", exchange->request_id}});
    self->Write(exchange, ErrorResponse(503, "unavailable",
                                        "no answer within " + std::to_string(self->server_.options.handle_timeout.count()) +
                                            " ms; a write may still be recorded: retry it with the same event id"));
  });
}

// A handler threw: the client gets the request id, the log what happened.
void HttpSession::Fail(const std::shared_ptr<Exchange>& exchange, std::string_view what) {
  Log(spdlog::level::err, "handler failed", {{"path", exchange->target.path}, {"request_id", exchange->request_id}, {"error", what}});
  if (!exchange->answered.exchange(true)) {
    Write(exchange, ErrorResponse(500, "internal", "internal error; request id " + exchange->request_id));
  }
}

// Answers a request no handler saw; closes the connection afterwards when part of the request
// is left unread.
void HttpSession::Refuse(int status, std::string_view code, std::string message, bool body_pending, int64_t retry_after) {
  server_.requests_refused.fetch_add(1);
  if (body_pending) {
    keep_alive_ = false;
    linger_ = true;
  }
  Response response = ErrorResponse(status, code, message);
  if (retry_after > 0) response.headers.emplace_back("Retry-After", std::to_string(retry_after));
  parser_.reset();
  current_->answered.store(true);
  Log(spdlog::level::debug, "request refused", {{"address", address_}, {"status", status}, {"message", message}, {"request_id", current_->request_id}});
  Write(current_, std::move(response));
}

// The header is written by hand into one buffer (a status line and a handful of fields): the
// answer goes out as two buffers, header and body, in one write.
void HttpSession::Write(const std::shared_ptr<Exchange>& exchange, Response response) {
  if (closed_ || exchange != current_) return;
  handle_timer_.cancel();
  const bool http10 = exchange->message.version() == 10;
  const beast::string_view reason = http::obsolete_reason(static_cast<http::status>(response.status));
  head_.clear();
  head_.append(http10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(std::to_string(response.status)).append(" ");
  head_.append(reason.data(), reason.size()).append("\r\n");
  auto field = [this](std::string_view name, std::string_view value) {
    if (value.find_first_of("\r\n") != std::string_view::npos) return;  // never split a header
    head_.append(name).append(": ").append(value).append("\r\n");
  };
  field("Content-Type", response.content_type);
  field("Content-Length", std::to_string(response.body.size()));
  for (const auto& [name, value] : response.headers) field(name, value);
  field("X-Request-Id", exchange->request_id);
  field("Content-Security-Policy", kContentSecurityPolicy);
  field("X-Content-Type-Options", "nosniff");
  field("Referrer-Policy", "no-referrer");
  if (!keep_alive_ && !http10) field("Connection", "close");
  if (keep_alive_ && http10) field("Connection", "keep-alive");
  head_.append("\r\n");
  body_ = std::move(response.body);
  if (server_.options.on_response) server_.options.on_response(response.status);
  if (spdlog::should_log(spdlog::level::debug)) {
    Log(spdlog::level::debug, "request",
        {{"method", std::string(View(exchange->message.method_string()))}, {"path", exchange->target.path},
         {"status", response.status}, {"request_id", exchange->request_id}, {"address", address_}});
  }
  current_.reset();
  writing_ = true;
  SetDeadline(std::chrono::steady_clock::now() + server_.options.write_timeout);
  const std::array<net::const_buffer, 2> buffers = {net::buffer(head_), net::buffer(body_)};
  net::async_write(socket_, buffers, [self = shared_from_this()](const beast::error_code& ec, size_t) { self->OnWritten(ec); });
}

void HttpSession::OnWritten(const beast::error_code& ec) {
  writing_ = false;
  body_ = std::string();  // an answer can be large; the header buffer is kept for the next
  if (ec || closed_) return Close();
  if (!keep_alive_) {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    if (!linger_) return Close();
    SetDeadline(std::chrono::steady_clock::now() + kLingerTimeout);
    return Linger(0);
  }
  if (buffer_.size() == 0 && buffer_.capacity() > kIdleBufferBytesMax) buffer_.shrink_to_fit();
  ReadHeader();
}

// Reads and drops what the client still sends after a refusal, so that closing with unread
// bytes does not reset the connection before the client has read the answer.
void HttpSession::Linger(size_t discarded) {
  if (closed_ || discarded >= kLingerBytesMax) return Close();
  buffer_.consume(buffer_.size());
  socket_.async_read_some(buffer_.prepare(kBodyReadBufferBytes), [self = shared_from_this(), discarded](const beast::error_code& ec, size_t n) {
    if (ec) return self->Close();
    self->Linger(discarded + n);
  });
}

// A time limit passed: closing the socket ends the read or write in progress, without an answer.
void HttpSession::SetDeadline(std::chrono::steady_clock::time_point at) {
  deadline_ = at;
  if (deadline_waiting_ && at >= deadline_timer_.expiry()) return;  // the wait in progress re-arms itself
  deadline_timer_.expires_at(at);  // cancels the wait in progress, if any
  WaitForDeadline();
}

void HttpSession::WaitForDeadline() {
  deadline_waiting_ = true;
  deadline_timer_.async_wait([self = shared_from_this(), generation = ++deadline_generation_](const beast::error_code&) {
    self->OnDeadline(generation);
  });
}

void HttpSession::OnDeadline(uint64_t generation) {
  if (generation != deadline_generation_) return;  // superseded by a sooner limit
  deadline_waiting_ = false;
  if (closed_) return;
  if (std::chrono::steady_clock::now() < deadline_) {
    deadline_timer_.expires_at(deadline_);
    return WaitForDeadline();
  }
  Log(spdlog::level::debug, "connection time limit", {{"address", address_}, {"writing", writing_}});
  Close();
}

void HttpSession::Close() {
  if (closed_) return;
  closed_ = true;
  handle_timer_.cancel();
  deadline_timer_.cancel();
  beast::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  current_.reset();
  reservation_ = BodyReservation();
  // parser_ and buffer_ stay: a read that is being cancelled still completes into them.
}

}  // namespace creditlog::api
