#include "api/cli/cli.h"

#include <sys/stat.h>

#include <iostream>

#include "crypto/ed25519.h"

namespace creditlog::api {
namespace {
int g_exit_code = kExitOk;
std::string g_lang = "zh";  // the --lang option's value, written while the command line is parsed
}  // namespace

Lang OutputLang() { return g_lang == "en" ? Lang::kEn : Lang::kZh; }

int ReportError(const Status& status) {
  std::cerr << "error: " << status.message() << " [" << StatusCodeName(status.code()) << "]\n";
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kConflict:
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnauthenticated:
    case StatusCode::kTooLarge:
      return kExitUsage;
    case StatusCode::kCorruption:
      return kExitCheckFailed;
    case StatusCode::kOk:  // not an error: nothing to report
      return kExitOk;
    case StatusCode::kIOError:
    case StatusCode::kResourceExhausted:
    case StatusCode::kUnavailable:
      return kExitFailed;
  }
  return kExitFailed;
}

void SetAction(CLI::App* command, std::function<Status()> body) {
  command->callback([body = std::move(body)] {
    Status status = body();
    if (!status.ok()) g_exit_code = ReportError(status);
  });
}

CLI::App* DataCommand(CLI::App& parent, const std::string& name, const std::string& help, std::string* data) {
  CLI::App* command = parent.add_subcommand(name, help);
  command->add_option("--data", *data, "data directory")->required();
  return command;
}

int RunCli(int argc, char** argv) {
  InitCrypto();
  // Everything creditlog creates — the data directory, RocksDB's files, keys, exports — is
  // for its owner alone: directories 0700, files 0600.
  ::umask(kCreatedFilesUmask);
  CLI::App app{
      "creditlog: a signed, append-only credit and commitment ledger with a verifiable Merkle log.\n"
      "Set CREDITLOG_PASSPHRASE to run every command without prompting."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "creditlog 0.1.0");
  app.add_option("--lang", g_lang, "language of readable output: zh (default) or en; --json output is the same in both")
      ->envname("CREDITLOG_LANG")
      ->check(CLI::IsMember({"zh", "en"}));
  app.fallthrough();  // --lang after the command's name too
  AddLedgerCommands(app);
  AddKeyCommands(app);
  AddAuditCommands(app);
  AddQueryCommands(app);
  AddProjectionCommands(app);
  AddServeCommands(app);
  AddRemoteCommands(app);
  AddPersonalCommands(app);
  AddCheckProofCommands(app);
  AddWitnessCommands(app);
  AddReportCommands(app);
  AddClusterCommands(app);
  AddSubscribeCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  return g_exit_code;
}

}  // namespace creditlog::api
