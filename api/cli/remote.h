// The HTTP clients of the command line, one file each: `submit` (submit.cc: sign locally, send
// to a server), `audit --server` (audit_server.cc: check a server's checkpoint, its consistency
// with the last one seen, and its entries) and `mirror` (mirror.cc: follow a server's log into a
// local ledger). All of them read the server through a verifying RemoteLog
// (api/client/remote_log.h); remote.cc registers them.
#pragma once

#include <cstdint>
#include <string>

#include "api/cli/cli.h"
#include "base/status.h"

namespace creditlog::api {

inline constexpr int64_t kMirrorIntervalDefaultMs = 1000;

struct RemoteArgs {
  std::string server;
  std::string token;
  std::string key_path;
  std::string input;
  std::string verifier_key;
  std::string state;
  std::string data;
  uint64_t sample = 0;
  bool wait = false;
  bool follow = false;
  int64_t interval_ms = kMirrorIntervalDefaultMs;
  bool json = false;
  bool quiet = false;
};

// --token, else $CREDITLOG_TOKEN, else none.
std::string RemoteToken(const RemoteArgs& a);

Status Submit();
Status AuditServer();
Status Mirror();

}  // namespace creditlog::api
