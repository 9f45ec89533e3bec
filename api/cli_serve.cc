// `creditlog serve`: runs the HTTP API until SIGINT or SIGTERM.
#include <charconv>
#include <csignal>
#include <iostream>

#include "api/cli.h"
#include "api/data_dir.h"
#include "api/server.h"

namespace creditlog::api {
namespace {

struct ServeArgs {
  std::string data;
  std::string listen = "127.0.0.1:8080";
  size_t threads = kServerThreadsDefault;
};

ServeArgs& Args() {
  static ServeArgs args;
  return args;
}

Result<ServerOptions> ParseListen(const std::string& listen, size_t threads) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return Status::InvalidArgument("--listen: expected HOST:PORT, got '" + listen + "'");
  ServerOptions options;
  options.host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
    return Status::InvalidArgument("--listen: '" + port + "' is not a port (1..65535)");
  }
  options.port = static_cast<uint16_t>(value);
  options.threads = threads;
  return options;
}

Status Serve() {
  const ServeArgs& a = Args();
  ASSIGN_OR_RETURN(ServerOptions options, ParseListen(a.listen, a.threads));
  ASSIGN_OR_RETURN(auto ledger, ledger::Ledger::Open(a.data));
  // Block the stop signals in every thread (the server's inherit the mask), then wait here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ASSIGN_OR_RETURN(auto server, Server::Start(*ledger, options));
  std::cerr << "serving " << ledger->origin() << " (" << ledger->size() << " entries) on http://" << a.listen << "\n";
  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::cerr << "stopping (signal " << signal << ")\n";
  server->Stop();
  return Status::Ok();
}

}  // namespace

void AddServeCommands(CLI::App& app) {
  ServeArgs& a = Args();
  auto* serve = app.add_subcommand("serve", "Serve the HTTP API (auditor endpoints, measures) until SIGINT/SIGTERM");
  serve->add_option("--data", a.data, "data directory")->required();
  serve->add_option("--listen", a.listen, "HOST:PORT")->capture_default_str();
  serve->add_option("--threads", a.threads, "worker threads")->capture_default_str();
  SetAction(serve, Serve);
}

}  // namespace creditlog::api
