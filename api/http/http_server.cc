// The acceptor: connection caps, the I/O threads, routes and shutdown. Contracts are in
// api/http_server.h; lifetimes in api/http_session.h.
#include "api/http/http_server.h"

#include <cstdio>
#include <random>

#include <boost/asio/post.hpp>

#include "api/http/http_session.h"
#include "api/log.h"

namespace creditlog::api {
namespace {

constexpr std::chrono::milliseconds kAcceptRetry{100};  // after the process ran out of descriptors

// A canned answer for a connection refused at accept: written once, without reading anything.
std::string CannedRefusal(int status, std::string_view reason, std::string_view code, std::string_view message) {
  const Response r = ErrorResponse(status, code, message);
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\nContent-Type: " + r.content_type +
         "\r\nContent-Length: " + std::to_string(r.body.size()) + "\r\nRetry-After: " + std::to_string(kRetryAfterSecondsBusy) +
         "\r\nConnection: close\r\nContent-Security-Policy: " + std::string(kContentSecurityPolicy) +
         "\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n\r\n" + r.body;
}

}  // namespace

// --- HttpServer::Impl ---

HttpServer::Impl::Impl(HttpServerOptions o)
    : options(std::move(o)),
      refused_busy(CannedRefusal(503, "Service Unavailable", "unavailable",
                                 "the server has " + std::to_string(options.connections_max) + " connections open; retry later")),
      refused_address(CannedRefusal(429, "Too Many Requests", "resource_exhausted",
                                    "this address has " + std::to_string(options.connections_per_address_max) +
                                        " connections open; reuse them or retry later")) {
  std::random_device random;
  char prefix[16];
  std::snprintf(prefix, sizeof(prefix), "%08x", random());
  id_prefix = prefix;
}

std::string HttpServer::Impl::NextRequestId() { return id_prefix + "-" + std::to_string(next_id.fetch_add(1) + 1); }

const RouteEntry* HttpServer::Impl::FindRoute(std::string_view method, const Target& target, PathParams* params, bool* path_known) const {
  for (const auto& route : routes) {
    if (!route->path.Match(target.segments, params)) continue;
    *path_known = true;
    if (route->method == method) return route.get();
  }
  return nullptr;
}

Status HttpServer::Impl::Start() {
  std::lock_guard lock(stop_mutex);
  ioc = std::make_unique<net::io_context>(static_cast<int>(options.threads));
  beast::error_code ec;
  tcp::endpoint endpoint;
  const auto address = net::ip::make_address(options.host, ec);
  const std::string where = options.host + ":" + std::to_string(options.port);
  if (!ec) {
    endpoint = tcp::endpoint(address, options.port);
  } else {
    tcp::resolver resolver(*ioc);
    auto found = resolver.resolve(options.host, std::to_string(options.port), ec);
    if (ec || found.empty()) return Status::IOError("cannot listen on " + where + ": " + (ec ? ec.message() : "no address"));
    endpoint = found.begin()->endpoint();
  }
  acceptor_strand.emplace(net::make_strand(*ioc));
  acceptor.emplace(*acceptor_strand);
  accept_retry.emplace(*acceptor_strand);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("cannot listen on " + where + ": " + ec.message());
  port = acceptor->local_endpoint().port();
  Accept();
  running = true;
  for (size_t i = 0; i < std::max<size_t>(1, options.threads); ++i) {
    threads.emplace_back([this] {
      ioc->run();
      std::lock_guard done(threads_mutex);
      ++threads_finished;
      threads_done.notify_all();
    });
  }
  return Status::Ok();
}

void HttpServer::Impl::Accept() {
  const Strand strand = net::make_strand(*ioc);
  acceptor->async_accept(strand, [this, strand](const beast::error_code& ec, Socket socket) { OnAccept(ec, std::move(socket), strand); });
}

void HttpServer::Impl::OnAccept(const beast::error_code& ec, Socket socket, const Strand& strand) {
  if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
  if (ec) {
    // Out of descriptors (EMFILE, ENFILE) or memory: pause rather than spin.
    Log(spdlog::level::warn, "accept failed", {{"error", ec.message()}});
    accept_retry->expires_after(kAcceptRetry);
    accept_retry->async_wait([this](const beast::error_code& waited) {
      if (!waited && acceptor->is_open()) Accept();
    });
    return;
  }
  beast::error_code no_peer;
  const tcp::endpoint peer = socket.remote_endpoint(no_peer);
  if (no_peer) return Accept();  // gone already
  std::string address = peer.address().to_string();
  std::shared_ptr<HttpSession> session;
  bool over_address = false, over_total = false;
  {
    std::lock_guard lock(mutex);
    if (stopping) return;
    auto it = per_address.find(address);
    over_total = sessions.size() >= options.connections_max;
    over_address = it != per_address.end() && it->second >= options.connections_per_address_max;
    if (!over_total && !over_address) {
      session = std::make_shared<HttpSession>(*this, std::move(socket), strand, address);
      sessions.insert(session.get());
      ++per_address[address];
    }
  }
  if (session) {
    session->Start();
  } else {
    Refuse(socket, address, !over_total);
  }
  Accept();
}

// Writes the canned answer without waiting (a fresh socket's send buffer has room) and closes.
void HttpServer::Impl::Refuse(Socket& socket, const std::string& address, bool per_address_cap) {
  connections_refused.fetch_add(1);
  const std::string& canned = per_address_cap ? refused_address : refused_busy;
  beast::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(net::buffer(canned), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
  if (options.on_response) options.on_response(per_address_cap ? 429 : 503);
  Log(spdlog::level::debug, "connection refused", {{"address", address}, {"cap", per_address_cap ? "per address" : "total"}});
}

void HttpServer::Impl::Forget(HttpSession* session, const std::string& address) {
  std::lock_guard lock(mutex);
  sessions.erase(session);
  auto it = per_address.find(address);
  if (it != per_address.end() && --it->second == 0) per_address.erase(it);
}

void HttpServer::Impl::Stop() {
  std::lock_guard lock(stop_mutex);
  if (!running) return;
  running = false;
  std::vector<std::shared_ptr<HttpSession>> live;
  {
    std::lock_guard sessions_lock(mutex);
    stopping = true;
    for (HttpSession* s : sessions) {
      if (auto p = s->weak_from_this().lock()) live.push_back(std::move(p));
    }
  }
  net::post(*acceptor_strand, [this] {
    beast::error_code ignored;
    acceptor->close(ignored);
    accept_retry->cancel();
  });
  for (auto& s : live) s->CloseWhenIdle();
  live.clear();
  {
    std::unique_lock done(threads_mutex);
    if (!threads_done.wait_for(done, kStopWait, [&] { return threads_finished == threads.size(); })) ioc->stop();
  }
  for (auto& t : threads) t.join();
  threads.clear();
  {
    std::unique_lock gate(shared->gate);
    shared->open = false;
  }
  // What is left (handlers that never ran, and the sessions they hold) goes with the context.
  accept_retry.reset();
  acceptor.reset();
  acceptor_strand.reset();
  ioc.reset();
}

// --- HttpServer ---

HttpServer::HttpServer(HttpServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::AddRoute(std::string_view method, std::string_view path, RouteOptions options, Handler handler) {
  if (method != "GET" && method != "POST") return Status::InvalidArgument("route " + std::string(path) + ": method must be GET or POST");
  ASSIGN_OR_RETURN(PathTemplate parsed, PathTemplate::Parse(path, options.last_param));
  impl_->routes.push_back(std::make_unique<RouteEntry>(RouteEntry{std::string(method), std::move(parsed), options, std::move(handler)}));
  return Status::Ok();
}

Status HttpServer::Start() { return impl_->Start(); }
void HttpServer::Stop() { impl_->Stop(); }
uint16_t HttpServer::port() const { return impl_->port; }

HttpCounters HttpServer::counters() const {
  HttpCounters c;
  {
    std::lock_guard lock(impl_->mutex);
    c.connections_open = impl_->sessions.size();
  }
  c.connections_refused = impl_->connections_refused.load();
  c.requests_refused = impl_->requests_refused.load();
  c.body_bytes_in_flight = impl_->shared->body_bytes.load();
  return c;
}

}  // namespace creditlog::api
