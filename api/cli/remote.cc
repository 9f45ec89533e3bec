// `submit`, `audit --server` and `mirror`: their options (remote.h says where each lives).
#include "api/cli/remote.h"

#include <cstdlib>

#include "api/cli/cli.h"

namespace creditlog::api {

std::string ServerToken(const std::string& token) {
  if (!token.empty()) return token;
  const char* env = std::getenv("CREDITLOG_TOKEN");
  return env ? env : "";
}

std::string RemoteToken(const RemoteArgs& a) { return ServerToken(a.token); }

void AddDataOrServer(CLI::App* command, std::string* data, std::string* server, std::string* token,
                     const std::string& server_note) {
  auto* data_option = command->add_option("--data", *data, "data directory: record into the ledger here (not while a server holds it)");
  auto* server_option = command->add_option("--server", *server, "or: send to a running server, e.g. http://127.0.0.1:8080 " + server_note);
  data_option->excludes(server_option);
  command->add_option("--token", *token, "with --server: bearer token (default: $CREDITLOG_TOKEN; writes need none)");
}

Status DataOrServerGiven(const std::string& data, const std::string& server) {
  if (data.empty() == server.empty()) {
    return Status::InvalidArgument("give --data DIR (record into a ledger here) or --server URL (send to a running `creditlog serve`)");
  }
  return Status::Ok();
}

void AddRemoteCommands(CLI::App& app) {
  RemoteArgs& a = CommandArgs<RemoteArgs>();
  auto add_server = [&](CLI::App* command) {
    command->add_option("--server", a.server, "server URL, e.g. http://127.0.0.1:8080")->required();
    command->add_option("--token", a.token, "bearer token (default: $CREDITLOG_TOKEN)");
    command->add_flag("--json", a.json, "print JSON");
    command->add_flag("--quiet", a.quiet, "no progress line");
  };
  auto* submit = app.add_subcommand("submit", "Sign events (EVENT.json or BATCH.jsonl) locally and submit them to a server");
  add_server(submit);
  submit->add_option("--key", a.key_path, "the agency's key file")->required();
  submit->add_option("input", a.input, "EVENT.json or BATCH.jsonl")->required();
  submit->add_option("--verifier-key", a.verifier_key, "expect this ledger (name+hash+base64)");
  submit->add_flag("--wait", a.wait, "wait for the next checkpoint and verify each event's inclusion proof");
  SetAction(submit, Submit);

  auto* audit = app.add_subcommand("audit", "Audit a server: checkpoint signature, consistency with the last one seen, entries");
  add_server(audit);
  audit->add_option("--verifier-key", a.verifier_key, "the ledger's verifier key (name+hash+base64)")->required();
  audit->add_option("--state", a.state, "file remembering the last checkpoint seen (created if missing)");
  audit->add_option("--sample", a.sample, "check N random entries with inclusion proofs instead of all");
  audit->add_option("--witness-policy", a.witness_policy,
                    "a C2SP tlog-policy file (docs/witnesses.md): the server's checkpoint must carry its quorum's cosignatures");
  SetAction(audit, AuditServer);

  auto* mirror = app.add_subcommand("mirror", "Follow a server's log into a local mirror, verifying every entry and checkpoint");
  add_server(mirror);
  mirror->add_option("--data", a.data, "the mirror's data directory (created if missing)")->required();
  mirror->add_option("--verifier-key", a.verifier_key, "expect this ledger (name+hash+base64)");
  mirror->add_flag("--follow", a.follow, "keep following until interrupted");
  mirror->add_option("--witness-policy", a.witness_policy,
                     "a C2SP tlog-policy file (docs/witnesses.md): refuse a server checkpoint its quorum has not cosigned, "
                     "before taking any entry");
  mirror->add_flag("--tiles", a.tiles,
                   "read the log's C2SP tlog-tiles (/checkpoint, /tile/…, /tile/entries/…, auditor token) instead of "
                   "/v1/entries and /v1/proofs; proofs are computed from tiles verified against the checkpoint");
  mirror->add_option("--interval-ms", a.interval_ms, "with --follow: poll this often")->capture_default_str();
  SetAction(mirror, Mirror);
}

}  // namespace creditlog::api
