// The creditlog command line. Each command group registers itself on the CLI11 app.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/result.h"
#include "crypto/policy.h"

namespace creditlog::api {

// Exit codes: 0 success; 1 the answer is "no" (an audit failed, a check did not hold);
// 2 bad usage or input; 3 the operation failed (I/O, corruption of our own state).
inline constexpr int kExitOk = 0;
inline constexpr int kExitCheckFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitFailed = 3;
inline constexpr unsigned kCreatedFilesUmask = 077;  // files 0600, directories 0700

int RunCli(int argc, char** argv);

void AddLedgerCommands(CLI::App& app);   // init, demo, record, sign, import
void AddKeyCommands(CLI::App& app);      // keys, agencies, adopt-ruleset
void AddAuditCommands(CLI::App& app);    // checkpoint, verifier-key, entry, prove, verify, export
void AddQueryCommands(CLI::App& app);    // timeline
void AddProjectionCommands(CLI::App& app);  // profile, measures, list, integrity, rebuild
void AddServeCommands(CLI::App& app);        // serve

void AddRemoteCommands(CLI::App& app);       // submit, audit, mirror (HTTP clients)
void AddPersonalCommands(CLI::App& app);     // erase, retention
void AddCheckProofCommands(CLI::App& app);   // check-proof
void AddWitnessCommands(CLI::App& app);      // witness init, serve, verifier-key
void AddReportCommands(CLI::App& app);       // report, verify-report, check-list
void AddClusterCommands(CLI::App& app);      // resubmit (cluster mode: docs/cluster.md)
void AddSubscribeCommand(CLI::App& app);     // subscribe (list changes of a cluster)

// A C2SP tlog-policy file (crypto/policy.h), for --witness-policy.
Result<WitnessPolicy> ReadWitnessPolicy(const std::string& path);

inline constexpr size_t kRecordFileBytesMax = 512 * 1024 * 1024;
// Reads events from a .json file (one event) or a .jsonl file (one event per line).
Result<std::vector<std::string>> ReadEventDocuments(const std::string& path);

// The language of readable output: Chinese unless --lang en (or CREDITLOG_LANG=en) says
// otherwise. --json output is the same in both.
enum class Lang { kZh, kEn };
Lang OutputLang();
inline const char* L(const char* zh, const char* en) { return OutputLang() == Lang::kEn ? en : zh; }
inline std::string L(const std::string& zh, const std::string& en) { return OutputLang() == Lang::kEn ? en : zh; }

// Prints "error: <message>" to stderr and returns the exit code for the status.
int ReportError(const Status& status);

// Runs a command body, turning a Status into its exit code.
void SetAction(CLI::App* command, std::function<Status()> body);

// The options of one command group (a struct of fields CLI11 writes into), one per process.
template <typename Args>
Args& CommandArgs() {
  static Args args;
  return args;
}

// A subcommand of `parent` that works on a data directory: --data DIR, required.
CLI::App* DataCommand(CLI::App& parent, const std::string& name, const std::string& help, std::string* data);

}  // namespace creditlog::api
