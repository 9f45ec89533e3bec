// `creditlog witness`: a witness for other institutions' logs (C2SP tlog-witness): init makes
// its key and directory, serve answers add-checkpoint until SIGINT or SIGTERM.
#include <csignal>
#include <charconv>
#include <iostream>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include "api/http/witness_server.h"
#include "api/log.h"
#include "base/file.h"
#include "crypto/key_file.h"
#include "ledger/witness.h"

namespace creditlog::api {
namespace {

using nlohmann::json;

struct WitnessArgs {
  std::string data;
  std::string name;
  std::string listen = "127.0.0.1:7380";
  std::vector<std::string> logs;
  std::string log_format = "text";
  std::string log_level = "info";
  bool json = false;
};

Status WitnessInit() {
  const WitnessArgs& a = CommandArgs<WitnessArgs>();
  ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for the witness key in " + a.data + ": "));
  ASSIGN_OR_RETURN(std::string vkey, ledger::Witness::Init(a.data, a.name, passphrase));
  if (a.json) {
    std::cout << json{{"data", a.data}, {"name", a.name}, {"verifier_key", vkey}}.dump() << "\n";
    return Status::Ok();
  }
  std::cout << L("见证人已创建：", "witness created: ") << a.data << "\n"
            << L("见证人公钥（交给日志运营方，写入其见证策略）：\n  ", "its cosigner key (give it to the log's operator for its witness policy):\n  ")
            << vkey << "\n"
            << L("见证策略中的一行（换成本见证人的地址）：\n  ", "a witness policy line (with this witness's address):\n  ")
            << "witness " << a.name.substr(0, a.name.find('.')) << " " << vkey << " http://" << a.listen << "\n";
  return Status::Ok();
}

Status WitnessVerifierKey() {
  const WitnessArgs& a = CommandArgs<WitnessArgs>();
  ASSIGN_OR_RETURN(std::string file, ReadSmallFile(a.data + "/" + ledger::kWitnessKeyFile, kKeyFileBytesMax));
  ASSIGN_OR_RETURN(PublicKey key, ReadPublicKeyFromKeyFile(file));
  std::string name;
  for (size_t at = 0; at < file.size();) {
    const size_t end = file.find('\n', at);
    const std::string line = file.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (line.rfind("name: ", 0) == 0) name = line.substr(6);
    if (end == std::string::npos) break;
    at = end + 1;
  }
  if (!IsValidCosignerName(name)) return Status::InvalidArgument(a.data + ": the key file names no valid key name");
  std::cout << FormatCosignerKey(name, key) << "\n";
  return Status::Ok();
}

Result<WitnessServerOptions> ListenOptions(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return Status::InvalidArgument("--listen: expected HOST:PORT, got '" + listen + "'");
  WitnessServerOptions options;
  options.host = listen.substr(0, colon);
  const std::string port = listen.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return Status::InvalidArgument("--listen: '" + port + "' is not a port (0..65535; 0 picks a free one)");
  }
  options.port = static_cast<uint16_t>(value);
  return options;
}

Status WitnessServe() {
  const WitnessArgs& a = CommandArgs<WitnessArgs>();
  RETURN_IF_ERROR(SetUpLogging(a.log_format, a.log_level));
  if (a.logs.empty()) return Status::InvalidArgument("--log: name at least one log's verifier key to witness");
  std::vector<NoteVerifier> logs;
  for (const std::string& text : a.logs) {
    auto key = ParseVerifierKey(text);
    if (!key.ok()) return key.status().WithContext("--log '" + text + "'");
    logs.push_back(*key);
  }
  ASSIGN_OR_RETURN(WitnessServerOptions options, ListenOptions(a.listen));
  ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for the witness key in " + a.data + ": "));
  ASSIGN_OR_RETURN(std::unique_ptr<ledger::Witness> witness, ledger::Witness::Open(a.data, passphrase, logs));
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ASSIGN_OR_RETURN(std::unique_ptr<WitnessServer> server, WitnessServer::Start(*witness, options));
  json known = json::array();
  for (const auto& [origin, log] : witness->Logs()) known.push_back({{"origin", origin}, {"size", log.size}});
  Log(spdlog::level::info, "witnessing",
      {{"name", witness->name()}, {"key", witness->VerifierKey()}, {"url", "http://" + options.host + ":" + std::to_string(server->port())},
       {"logs", known}});
  int signal = 0;
  sigwait(&stop_signals, &signal);
  Log(spdlog::level::info, "stopping", {{"signal", signal}});
  server->Stop();
  return Status::Ok();
}

}  // namespace

Result<WitnessPolicy> ReadWitnessPolicy(const std::string& path) {
  auto text = ReadSmallFile(path, kPolicyBytesMax);
  if (!text.ok()) return text.status().WithContext("--witness-policy");
  auto policy = WitnessPolicy::Parse(*text);
  if (!policy.ok()) return policy.status().WithContext(path);
  return policy;
}

void AddWitnessCommands(CLI::App& app) {
  WitnessArgs& a = CommandArgs<WitnessArgs>();
  auto* witness = app.add_subcommand("witness", "A witness that cosigns other logs' checkpoints (C2SP tlog-witness; docs/witnesses.md)");
  witness->require_subcommand(1);
  auto* init = DataCommand(*witness, "init", "Create a witness: its directory and encrypted cosigner key", &a.data);
  init->add_option("--name", a.name, "the witness's key name, e.g. witness.audit.qingdao.example")->required();
  init->add_option("--listen", a.listen, "the address it will serve on, for the policy line it prints (default 127.0.0.1:7380)");
  init->add_flag("--json", a.json, "print JSON");
  SetAction(init, WitnessInit);
  auto* serve = DataCommand(*witness, "serve", "Answer add-checkpoint for the given logs until SIGINT/SIGTERM", &a.data);
  serve->add_option("--listen", a.listen, "HOST:PORT (default 127.0.0.1:7380; port 0 picks a free one and logs it)");
  serve->add_option("--log", a.logs, "a log's checkpoint verifier key (name+hash+base64); repeat for each log")->required();
  serve->add_option("--log-format", a.log_format, "text or json (default text)");
  serve->add_option("--log-level", a.log_level, "trace, debug, info, warn, error (default info)");
  SetAction(serve, WitnessServe);
  auto* key = DataCommand(*witness, "verifier-key", "Print the witness's cosigner key (no passphrase needed)", &a.data);
  SetAction(key, WitnessVerifierKey);
}

}  // namespace creditlog::api
