// Cluster mode (docs/cluster.md): state-machine replication over a NATS JetStream stream.
//
// JetStream keeps the intake stream replicated on its servers with its own Raft: a message it
// acknowledges is durable on a quorum and has a fixed position. Every creditlog node applies
// the stream in order through the ledger's one append path (Ledger::AppendFromStream), whose
// every input is a function of the stream and the log so far; so every node builds the same
// entries, the same tree, byte-identical checkpoints and the same projections.
//
// A write taken by a node is checked there (Ledger::PrepareForStream), published with a message
// id made of its signing key and event id (JetStream's duplicate window backs up the ledger's
// own idempotency), and answered once JetStream has acknowledged it *and* this node has applied
// the stream up to it, with what the append did at that position.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/cluster/nats_link.h"
#include "api/intake.h"
#include "ledger/ledger.h"

namespace creditlog::api {

inline constexpr size_t kClusterServersMax = 16;         // URLs in --cluster
inline constexpr int kClusterReplicasMax = 5;            // JetStream's own limit
inline constexpr size_t kClusterStreamNameBytesMax = 64;
// Results of the latest stream messages applied, kept to answer an acknowledgement that
// arrives after its message was applied (a retry within JetStream's duplicate window).
inline constexpr size_t kClusterRecentResultsMax = 65536;
inline constexpr int64_t kClusterPublishPendingMax = 4096;  // asynchronous publishes in flight
// How long a published write waits for JetStream's acknowledgement before it is answered
// Unavailable (send it again with the same event id: the duplicate window finds it).
inline constexpr std::chrono::milliseconds kClusterAckWait{10000};
inline constexpr std::chrono::milliseconds kClusterPollInterval{200};  // the applier's wait per fetch
// How many stream messages past its acknowledgement's sequence number a write waits for its
// message to be applied (that number can be off by a few after a leader change) before it is
// answered Unavailable: its message was refused at its position before this node knew of the
// write (a retry of a refused event), or applied too long ago.
inline constexpr uint64_t kClusterAckSeqSlack = 1024;
// How long a write waits for its node to catch up with the stream when its key is unknown.
inline constexpr std::chrono::milliseconds kClusterKeyCheckWait{2000};

struct ClusterOptions {
  std::vector<std::string> urls;            // nats://HOST:PORT of each NATS server
  std::string stream = kClusterStreamDefault;
  // Replicas of a stream this node creates: 0 for as many as URLs given, at most 3.
  int replicas = 0;
};

// The intake subject of a stream: "<stream>.intake".
std::string ClusterIntakeSubject(const std::string& stream);
// InvalidArgument naming a URL that is not nats://HOST:PORT, or too many of them.
Status CheckClusterUrls(const std::vector<std::string>& urls);

class ClusterNode : public WriteIntake {
 public:
  // Connects and makes sure the stream exists (creating it when missing). Applies nothing yet:
  // StartApplying does, once the ledger has its admission guard (the rules of the log are an
  // input of every append).
  static Result<std::unique_ptr<ClusterNode>> Connect(ledger::Ledger& ledger, const ClusterOptions& options);
  ~ClusterNode() override;
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  // Applies the stream from the message after ledger.applied_stream_seq(), in order, until
  // Stop. InvalidArgument when the ledger has no admission guard.
  Status StartApplying();
  // Stops applying; answers every write still waiting with Unavailable. Idempotent.
  void Stop();

  // A write: checked here, published, answered (in a NATS or writer thread) with the append's
  // result once acknowledged and applied here, or at once with why it was refused.
  // A key this node does not know is looked for again once the node has applied what the
  // stream holds (another node may have taken its registration a moment ago).
  void Submit(Bytes envelope, ledger::AppendCallback done) override;
  // Each envelope as Submit, published in order; one result per envelope, in order. The keys
  // of envelopes after an administrative one (which may register them) are checked at their
  // positions only.
  void SubmitMany(std::vector<Bytes> envelopes, ledger::BatchCallback done) override;

  // Waits until this node has applied every message the stream holds now; Unavailable after
  // `timeout`.
  Status CatchUp(std::chrono::milliseconds timeout);
  // For GET /v1/cluster and logs: stream, subject, applied, published, rejected.
  nlohmann::json State() const;

 private:
  struct Nats;
  // A write published by this node: what identifies its event, and who hears the answer.
  struct Waiter {
    Hash envelope_hash;
    std::string msg_id;      // JetStream's message id: signing key and event id
    PublicKey key{};         // the signing key and the event id, to look the event up in the log
    std::string event_id;
    bool duplicate = false;  // JetStream had the message id already
    // The last stream message applied here when it was published: a new message is after it.
    uint64_t applied_at_publish = 0;
    // The acknowledgement's sequence number: near the message's, not always it (in a clustered
    // stream it can name a neighbour after a leader change). A waiter still unanswered when
    // the node has applied kClusterAckSeqSlack messages past it is answered Unavailable.
    uint64_t ack_seq = 0;
    ledger::AppendCallback done;
  };
  struct Applied {
    Hash envelope_hash;
    Result<ledger::AppendResult> result;
    std::string msg_id;  // "" for bytes that are no envelope
  };
  ClusterNode(ledger::Ledger& ledger, ClusterOptions options);
  // Submit's work; true when the envelope is an administrative event (which may register the
  // keys of the envelopes after it in a batch).
  bool Publish(Bytes envelope, bool check_key, ledger::AppendCallback done);
  void ApplyLoop();
  void OnApplied(uint64_t stream_seq, const Hash& envelope_hash, const std::string& msg_id, Result<ledger::AppendResult> result);
  // A duplicate's answer from the log, when its event is there: its entry, or Conflict when
  // the entry is another envelope's. REQUIRES: mutex_ held (the applier answers after it).
  std::optional<Result<ledger::AppendResult>> FromLog(const Waiter& waiter) const;
  // Called from the NATS thread with the acknowledgement of a publish: whether JetStream had
  // its message id already, and the sequence number it gave.
  void OnAck(uint64_t request, Result<std::pair<bool, uint64_t>> ack);
  // Waiters in acknowledged_ whose message was applied without being found, taken out.
  // REQUIRES: mutex_ held.
  std::vector<Waiter> TakeUnfound();
  static void Answer(const Waiter& waiter, uint64_t stream_seq, const Applied& applied);

  ledger::Ledger& ledger_;
  ClusterOptions options_;
  std::string subject_;
  std::unique_ptr<Nats> nats_;
  std::thread applier_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex mutex_;
  std::condition_variable applied_changed_;
  uint64_t applied_through_ = 0;  // GUARDED_BY(mutex_): the last stream message applied here
  uint64_t in_ledger_ = 0;        // GUARDED_BY(mutex_): messages handed to the ledger, not yet applied
  uint64_t next_request_ = 1;     // GUARDED_BY(mutex_)
  // Published, waiting for the acknowledgement. GUARDED_BY(mutex_)
  std::map<uint64_t, Waiter> unacknowledged_;
  // Acknowledged, by message id: answered when the message with that id is applied. GUARDED_BY(mutex_)
  std::multimap<std::string, Waiter> acknowledged_;
  // (ack_seq + kClusterAckSeqSlack, message id) of each, for answering those whose message was
  // applied without being found (GUARDED_BY(mutex_)).
  std::set<std::pair<uint64_t, std::string>> acknowledged_by_seq_;
  uint64_t publishing_ = 0;  // GUARDED_BY(mutex_): Publish calls under way, which Stop waits for
  std::map<uint64_t, Applied> recent_;       // by stream seq, the last kClusterRecentResultsMax
  std::map<std::string, uint64_t> recent_ids_;  // message id → its latest stream seq in recent_
  uint64_t published_ = 0;                   // GUARDED_BY(mutex_)
  uint64_t rejected_ = 0;                    // GUARDED_BY(mutex_)
  bool failure_logged_ = false;              // GUARDED_BY(mutex_): a node failure is logged once
};

}  // namespace creditlog::api
