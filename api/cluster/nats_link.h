// What cluster mode's NATS clients share (docs/cluster.md): a connection to one of the NATS
// servers with JetStream, kept through failures, and streams made when missing.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"

namespace creditlog::api {

inline constexpr const char* kClusterStreamDefault = "CREDITLOG";  // serve --stream
inline constexpr std::chrono::milliseconds kClusterConnectTimeout{5000};
inline constexpr std::chrono::milliseconds kClusterReconnectWait{250};
// A NATS server that stops answering (a partition, a stopped process: its socket stays open) is
// left after kClusterPingsOutMax pings unanswered, one each kClusterPingInterval, for another.
inline constexpr std::chrono::milliseconds kClusterPingInterval{1000};
inline constexpr int kClusterPingsOutMax = 2;
// How long a starting node waits for a NATS server to answer, then for JetStream to answer for
// a stream (a cluster of NATS servers starting together elects its JetStream leader first).
inline constexpr std::chrono::seconds kClusterStreamWait{30};
// JetStream's duplicate window for creditlog's streams (its default).
inline constexpr std::chrono::minutes kClusterDuplicateWindow{2};

// "what: NATS's text (its last error)".
std::string NatsError(natsStatus s, std::string_view what);
inline Status NatsUnavailable(natsStatus s, std::string_view what) { return Status::Unavailable(NatsError(s, what)); }
inline int64_t Ms(std::chrono::milliseconds d) { return static_cast<int64_t>(d.count()); }

// One connection with its JetStream context; destroys what it holds.
struct NatsLink {
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;
  NatsLink() = default;
  NatsLink(const NatsLink&) = delete;
  NatsLink& operator=(const NatsLink&) = delete;
  ~NatsLink();

  // Connects to one of `urls`, tried until `deadline` (servers starting with this node), then
  // Unavailable with what the last try said; once connected, it reconnects forever. Opens
  // JetStream with `js_options` (may be null).
  Status Connect(const std::vector<std::string>& urls, jsOptions* js_options, std::chrono::steady_clock::time_point deadline);
};

struct StreamStanding {
  bool created = false;    // by this call
  uint64_t last_seq = 0;   // of the stream's last message (0: empty)
  int64_t created_ns = 0;  // when the stream was made (tells a stream from another of its name)
};

// The stream `name` taking `subject`: read, or made when missing (file storage, `replicas`,
// kept forever, the duplicate window kClusterDuplicateWindow), tried until `deadline`.
Result<StreamStanding> EnsureStream(jsCtx* js, const std::string& name, const std::string& subject, int replicas,
                                    std::chrono::steady_clock::time_point deadline);

// An ordered consumer of `subject` in `stream`, from message `start_seq` (1: the first), tried
// until `deadline` (JetStream may be electing a leader). The caller destroys it.
Result<natsSubscription*> SubscribeOrdered(jsCtx* js, const std::string& stream, const std::string& subject, uint64_t start_seq,
                                           std::chrono::steady_clock::time_point deadline);

}  // namespace creditlog::api
