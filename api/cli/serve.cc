// `creditlog serve`: runs the HTTP API until SIGINT or SIGTERM; `creditlog tokens new`.
//
// The config file (--config, JSON) may hold any of:
//   {"listen": "127.0.0.1:8080", "threads": 2, "checkpoint_interval_ms": 1000,
//    "log_format": "text", "log_level": "info", "connections_max": 1024,
//    "connections_per_address_max": 64,
//    "tokens": [{"name": "window-3", "role": "inspector", "sha256": "<hex of the token>"}],
//    "witness_policy": "/etc/creditlog/witnesses.policy",
//    "console_url": "https://credit.qingdao.example/"}
// console_url is the public address of the console, which reports' QR codes open (its 报告核验
// page); by default this server's own http://HOST:PORT/.
// With a witness policy (C2SP tlog-policy, docs/witnesses.md) a checkpoint is published only
// once its quorum of witnesses has cosigned it.
// Options on the command line override the file. Tokens are stored only as hashes; make one
// with `creditlog tokens new --role inspector --name window-3`.
#include <sys/resource.h>
#include <sys/stat.h>

#include <filesystem>

#include <atomic>
#include <charconv>
#include <csignal>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include "api/cluster/cluster_node.h"
#include "api/cluster/list_publisher.h"
#include "api/data_dir.h"
#include "api/log.h"
#include "api/client/witnessing.h"
#include "api/http/server.h"
#include "base/file.h"
#include "crypto/key_file.h"
#include "ledger/publisher.h"

namespace creditlog::api {
namespace {

using nlohmann::json;

// A read-only replica looks for the mirror's new entries this often.
inline constexpr std::chrono::milliseconds kFollowInterval{500};
inline constexpr size_t kConfigBytesMax = 1024 * 1024;
inline constexpr size_t kConnectionsConfigMax = 65536;  // the most either connection cap may be set to

struct ServeArgs {
  std::string data;
  std::string config;
  std::string listen;
  size_t threads = 0;
  int64_t checkpoint_interval_ms = -1;
  bool read_only = false;
  bool allow_root_key = false;
  std::string web_dir;
  std::string log_format;
  std::string log_level;
  std::string witness_policy;
  std::vector<std::string> cluster;  // nats://HOST:PORT of each NATS server: cluster mode (docs/cluster.md)
  std::string stream = kClusterStreamDefault;
};

struct TokenArgs {
  std::string role;
  std::string name;
  bool json = false;
};

Status ParseListen(const std::string& listen, ServerOptions* options) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return Status::InvalidArgument("listen: expected HOST:PORT, got '" + listen + "'");
  options->host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
    return Status::InvalidArgument("listen: '" + port + "' is not a port (1..65535)");
  }
  options->port = static_cast<uint16_t>(value);
  return Status::Ok();
}

struct Config {
  std::string listen = "127.0.0.1:8080";
  size_t threads = kServerThreadsDefault;
  int64_t checkpoint_interval_ms = ledger::kCheckpointIntervalDefault.count();
  std::string log_format = "text";
  std::string log_level = "info";
  std::vector<TokenEntry> tokens;
  size_t connections_max = kConnectionsMax;
  // Behind a reverse proxy every client shares the proxy's address: raise this there.
  size_t connections_per_address_max = kConnectionsPerAddressMax;
  size_t recorded_reads_per_minute = kRecordedReadsPerMinuteMax;  // per token; 0: no limit
  std::string witness_policy;  // a C2SP tlog-policy file; "" for none
  std::string console_url;     // reports' QR codes open it; "" for this server's own address
};

Result<Config> ReadConfig(const std::string& path) {
  Config config;
  if (path.empty()) return config;
  ASSIGN_OR_RETURN(std::string bytes, ReadSmallFile(path, kConfigBytesMax));
  const json doc = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Status::InvalidArgument(path + ": not a JSON object");
  auto where = [&](const std::string& field) { return path + ": '" + field + "'"; };
  for (const auto& [key, value] : doc.items()) {
    if (key == "listen" && value.is_string()) {
      config.listen = value.get<std::string>();
    } else if (key == "threads" && value.is_number_unsigned() && value.get<uint64_t>() >= 1 && value.get<uint64_t>() <= 64) {
      config.threads = value.get<size_t>();
    } else if (key == "checkpoint_interval_ms" && value.is_number_unsigned() && value.get<uint64_t>() >= 10) {
      config.checkpoint_interval_ms = value.get<int64_t>();
    } else if (key == "log_format" && value.is_string()) {
      config.log_format = value.get<std::string>();
    } else if (key == "log_level" && value.is_string()) {
      config.log_level = value.get<std::string>();
    } else if ((key == "connections_max" || key == "connections_per_address_max") && value.is_number_unsigned() &&
               value.get<uint64_t>() >= 1 && value.get<uint64_t>() <= kConnectionsConfigMax) {
      (key == "connections_max" ? config.connections_max : config.connections_per_address_max) = value.get<size_t>();
    } else if (key == "recorded_reads_per_minute" && value.is_number_unsigned() && value.get<uint64_t>() <= kConnectionsConfigMax) {
      config.recorded_reads_per_minute = value.get<size_t>();
    } else if (key == "witness_policy" && value.is_string()) {
      config.witness_policy = value.get<std::string>();
    } else if (key == "console_url" && value.is_string() &&
               (value.get<std::string>().starts_with("http://") || value.get<std::string>().starts_with("https://"))) {
      config.console_url = value.get<std::string>();
    } else if (key == "tokens" && value.is_array()) {
      for (size_t i = 0; i < value.size(); ++i) {
        const json& t = value[i];
        const std::string at = where("tokens[" + std::to_string(i) + "]");
        if (!t.is_object() || !t.contains("name") || !t.contains("role") || !t.contains("sha256") ||
            !t["name"].is_string() || !t["role"].is_string() || !t["sha256"].is_string()) {
          return Status::InvalidArgument(at + ": needs string fields name, role and sha256");
        }
        TokenEntry entry;
        entry.name = t["name"].get<std::string>();
        auto role = ParseRole(t["role"].get<std::string>());
        if (!role.ok()) return Status::InvalidArgument(at + ": " + role.status().message());
        if (*role == Role::kPublic) return Status::InvalidArgument(at + ": the public needs no token");
        entry.role = *role;
        entry.sha256_hex = t["sha256"].get<std::string>();
        auto raw = HexDecode(entry.sha256_hex);
        if (!raw.ok() || raw->size() != kHashSize) return Status::InvalidArgument(at + ": sha256 must be 64 hex digits");
        config.tokens.push_back(std::move(entry));
      }
    } else {
      return Status::InvalidArgument(where(key) + ": unknown field or wrong type");
    }
  }
  return config;
}

// The server's options: the config file, overridden by the command line.
Result<ServerOptions> ServerOptionsFrom(const ServeArgs& a, Config* config) {
  ASSIGN_OR_RETURN(*config, ReadConfig(a.config));
  if (!a.listen.empty()) config->listen = a.listen;
  if (a.threads > 0) config->threads = a.threads;
  if (a.checkpoint_interval_ms >= 0) config->checkpoint_interval_ms = a.checkpoint_interval_ms;
  if (!a.log_format.empty()) config->log_format = a.log_format;
  if (!a.log_level.empty()) config->log_level = a.log_level;
  if (!a.witness_policy.empty()) config->witness_policy = a.witness_policy;
  RETURN_IF_ERROR(SetUpLogging(config->log_format, config->log_level));
  ServerOptions options;
  RETURN_IF_ERROR(ParseListen(config->listen, &options));
  options.threads = config->threads;
  options.tokens = config->tokens;
  options.connections_max = config->connections_max;
  options.connections_per_address_max = std::min(config->connections_per_address_max, config->connections_max);
  options.read_only = a.read_only;
  options.web_dir = a.web_dir;
  options.recorded_reads_per_minute = config->recorded_reads_per_minute;
  options.console_url = config->console_url;
  return options;
}

// Refuses to serve a data directory holding the root key (unless allowed); warns when the
// directory is open to other users.
Status CheckDataDirectory(const ServeArgs& a) {
  if (std::filesystem::exists(RootKeyPath(a.data))) {
    const std::string message = RootKeyPath(a.data) + " is in the served data directory: whoever takes this machine "
                                "takes the key that registers agencies. Move it offline (commands that need it take "
                                "--signer PATH)";
    if (!a.allow_root_key) return Status::InvalidArgument(message + ", or pass --allow-root-key to serve anyway");
    Log(spdlog::level::warn, "the root key is in the data directory (--allow-root-key)", {{"path", RootKeyPath(a.data)}});
  }
  struct stat data_stat {};
  if (::stat(a.data.c_str(), &data_stat) == 0 && (data_stat.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    Log(spdlog::level::warn, "the data directory is open to other users; make it private with chmod -R go-rwx",
        {{"path", a.data}});
  }
  return Status::Ok();
}

// Serves until SIGINT or SIGTERM; then stops taking requests, answers the appends in flight and
// (a writer) covers everything acknowledged with a published checkpoint.
Status ServeUntilStopped(const ServeArgs& a, const Config& config, const ServerOptions& options, ledger::Ledger& ledger,
                         ledger::CheckpointPublisher* publisher, ledger::CheckpointPublisher* access_publisher,
                         ClusterNode* cluster, ListPublisher* lists) {
  // Block the stop signals in every thread (the server's inherit the mask), then wait here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ASSIGN_OR_RETURN(auto server, Server::Start(ledger, options));
  // Cluster mode: the stream is applied once the server has installed the rules of the log.
  if (cluster != nullptr) RETURN_IF_ERROR(cluster->StartApplying());
  if (lists != nullptr) lists->Start([&server] { return server->CatchUpProjection(); });
  std::atomic<bool> stopping{false};
  std::thread follower;
  if (a.read_only) {
    follower = std::thread([&] {
      while (!stopping) {
        std::this_thread::sleep_for(kFollowInterval);
        if (Status s = ledger.Refresh(); !s.ok()) Log(spdlog::level::warn, "catching up with the mirror failed", {{"error", s.message()}});
      }
    });
  }
  Log(spdlog::level::info, "serving",
      {{"origin", ledger.origin()}, {"entries", ledger.size()}, {"url", "http://" + config.listen},
       {"read_only", a.read_only}, {"tokens", options.tokens.size()}, {"threads", options.threads},
       {"cluster", cluster != nullptr ? cluster->State() : nlohmann::json(nullptr)},
       {"list_changes", lists != nullptr ? lists->State() : nlohmann::json(nullptr)}});
  int signal = 0;
  sigwait(&stop_signals, &signal);
  Log(spdlog::level::info, "stopping", {{"signal", signal}});
  stopping = true;
  if (follower.joinable()) follower.join();
  // Stop applying before the server releases the rules: what is published and not yet applied
  // here is applied when the node starts again.
  if (cluster != nullptr) cluster->Stop();
  // The list changes of what was applied are published while checkpoints are still made.
  if (lists != nullptr) lists->Stop();
  server->Stop();        // no new requests; in-flight appends answered
  if (publisher) publisher->Stop();
  if (access_publisher) access_publisher->Stop();
  if (!a.read_only) {
    // Everything acknowledged is covered by a published checkpoint before the server exits.
    if (auto last = ledger.PublishCheckpoint(); !last.ok()) {
      Log(spdlog::level::err, "publishing the last checkpoint failed", {{"error", last.status().message()}});
    }
    if (options.access_log != nullptr) {
      if (auto last = options.access_log->ledger().PublishCheckpoint(); !last.ok()) {
        Log(spdlog::level::err, "publishing the access log's last checkpoint failed", {{"error", last.status().message()}});
      }
    }
  }
  return Status::Ok();
}

Status Serve() {
  const ServeArgs& a = CommandArgs<ServeArgs>();
  Config config;
  ASSIGN_OR_RETURN(ServerOptions options, ServerOptionsFrom(a, &config));
  // Each connection is a file descriptor: raise the soft limit to the hard one.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0) {
    files.rlim_cur = files.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &files);
  }
  RETURN_IF_ERROR(CheckDataDirectory(a));
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<ledger::CheckpointPublisher> publisher;
  std::unique_ptr<AccessLog> access_log;
  std::unique_ptr<ledger::CheckpointPublisher> access_publisher;
  std::unique_ptr<Witnessing> witnessing;
  std::optional<NamedKeyPair> report_key;  // signs reports' statements
  if (a.read_only) {
    ASSIGN_OR_RETURN(ledger, ledger::Ledger::Open(a.data, {.read_only = true, .follow = true}));
    // No key to sign access records with: files are read on the primary (docs/privacy.md).
    options.reads_need_access_log = true;
  } else {
    ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for " + a.data + ": "));
    // Unguarded here: Server::Start guards it with a copy of the projection it folds (or reads
    // from the snapshot) before it listens, instead of a second fold.
    ASSIGN_OR_RETURN(ledger, OpenForWriting(a.data, passphrase, /*guarded=*/false));
    if (ledger->is_mirror()) {
      return Status::InvalidArgument(a.data + " is a mirror: serve it with --read-only");
    }
    if (config.checkpoint_interval_ms < 10) return Status::InvalidArgument("checkpoint interval must be at least 10 ms");
    publisher = std::make_unique<ledger::CheckpointPublisher>(*ledger, std::chrono::milliseconds(config.checkpoint_interval_ms));
    options.publisher = publisher.get();
    options.projection_snapshot = ProjectionSnapshotPath(a.data);  // started from, and kept up to date
    // Every read of a file is recorded in DATA/access, signed with the checkpoint key.
    ASSIGN_OR_RETURN(NamedKeyPair key, LoadKey(LedgerKeyPath(a.data), passphrase));
    ASSIGN_OR_RETURN(access_log, AccessLog::Open(a.data, *ledger, key.key_pair));
    options.access_log = access_log.get();
    report_key = std::move(key);
    options.report_key = &report_key->key_pair;
    access_publisher = std::make_unique<ledger::CheckpointPublisher>(access_log->ledger(),
                                                                     std::chrono::milliseconds(config.checkpoint_interval_ms));
    if (!config.witness_policy.empty()) {
      ASSIGN_OR_RETURN(WitnessPolicy policy, ReadWitnessPolicy(config.witness_policy));
      ASSIGN_OR_RETURN(witnessing, Witnessing::Start(*ledger, *publisher, std::move(policy), a.data));
      options.witnessed = witnessing.get();
      Log(spdlog::level::info, "checkpoints are published once witnessed", {{"quorum", witnessing->State()["quorum"]}});
    }
  }
  std::unique_ptr<ClusterNode> cluster;
  std::unique_ptr<ListPublisher> lists;
  if (!a.cluster.empty()) {
    if (a.read_only) return Status::InvalidArgument("--cluster: a cluster node takes writes; serve a mirror with --read-only instead");
    if (witnessing != nullptr) return Status::InvalidArgument("--cluster: witnessing is not yet supported in cluster mode (docs/cluster.md)");
    ASSIGN_OR_RETURN(cluster, ClusterNode::Connect(*ledger, {.urls = a.cluster, .stream = a.stream}));
    options.intake = cluster.get();
    ASSIGN_OR_RETURN(lists, ListPublisher::Connect(*ledger, {.urls = a.cluster,
                                                             .stream = a.stream,
                                                             .replicas = 0,
                                                             .watermark_path = ListChangesWatermarkPath(a.data)}));
    options.fold_observer = lists->observer();
    options.snapshot_max = lists->snapshot_max();
  }
  RETURN_IF_ERROR(ServeUntilStopped(a, config, options, *ledger, publisher.get(), access_publisher.get(), cluster.get(), lists.get()));
  if (cluster) cluster->Stop();
  if (lists) lists->Stop();
  if (witnessing) witnessing->Stop();
  access_publisher.reset();
  access_log.reset();    // its writer finishes anything still queued
  ledger.reset();        // the writer finishes anything still queued
  Log(spdlog::level::info, "stopped");
  return Status::Ok();
}

Status NewTokenCommand() {
  const TokenArgs& a = CommandArgs<TokenArgs>();
  ASSIGN_OR_RETURN(Role role, ParseRole(a.role));
  if (role == Role::kPublic) return Status::InvalidArgument("--role: the public needs no token");
  const std::string token = NewToken();
  const json entry = {{"name", a.name}, {"role", RoleName(role)}, {"sha256", TokenHash(token)}};
  if (a.json) {
    std::cout << json{{"token", token}, {"config_entry", entry}}.dump() << "\n";
    return Status::Ok();
  }
  std::cout << "token (give it to its holder; it is not stored anywhere):\n  " << token << "\n"
            << "add to \"tokens\" in the server's config file:\n  " << entry.dump() << "\n";
  return Status::Ok();
}

}  // namespace

void AddServeCommands(CLI::App& app) {
  ServeArgs& a = CommandArgs<ServeArgs>();
  auto* serve = DataCommand(app, "serve", "Serve the HTTP API until SIGINT/SIGTERM (see docs/http.md)", &a.data);
  serve->add_option("--config", a.config, "JSON config file: listen, threads, tokens, checkpoint_interval_ms, log_format, log_level, recorded_reads_per_minute");
  serve->add_option("--listen", a.listen, "HOST:PORT (default 127.0.0.1:8080)");
  serve->add_option("--threads", a.threads, "I/O threads (default 2)");
  serve->add_option("--checkpoint-interval-ms", a.checkpoint_interval_ms, "publish a checkpoint this often when the log grew (default 1000)");
  serve->add_flag("--read-only", a.read_only, "serve a mirror (or any ledger) read-only, following its writer");
  serve->add_flag("--allow-root-key", a.allow_root_key,
                  "serve even though DIR/keys/root.key is in the data directory (a demo; never in production)");
  serve->add_option("--web-dir", a.web_dir, "serve the web console from this folder instead of the built-in copy");
  serve->add_option("--log-format", a.log_format, "text or json (default text)");
  serve->add_option("--log-level", a.log_level, "trace, debug, info, warn, error (default info)");
  serve->add_option("--witness-policy", a.witness_policy,
                    "C2SP tlog-policy file: publish only checkpoints its quorum of witnesses cosigned (docs/witnesses.md)");
  serve->add_option("--cluster", a.cluster,
                    "cluster mode: nats://HOST:PORT[,…] of the NATS JetStream servers whose stream every node applies (docs/cluster.md)")
      ->delimiter(',');
  serve->add_option("--stream", a.stream, "cluster mode: the JetStream stream of the intake (default CREDITLOG)");
  SetAction(serve, Serve);

  TokenArgs& t = CommandArgs<TokenArgs>();
  auto* tokens = app.add_subcommand("tokens", "Access tokens for the HTTP API");
  tokens->require_subcommand(1);
  auto* create = tokens->add_subcommand("new", "Make a random bearer token and print its config entry (hash only)");
  create->add_option("--role", t.role, "inspector, auditor, admin or personnel (civil servants' files)")->required();
  create->add_option("--name", t.name, "who holds it, for logs")->required();
  create->add_flag("--json", t.json, "print JSON");
  SetAction(create, NewTokenCommand);
}

}  // namespace creditlog::api
