// List changes pushed to departments (docs/cluster.md, "List changes").
//
// Every node of a cluster finds the same list changes as its projection folds the log
// (projections/list_changes.h) and publishes each to the JetStream stream "<stream>_LISTS",
// subject creditlog.lists.<list>.<division> (creditlog.<stream>.lists.… for a stream not named
// CREDITLOG, so that clusters share NATS servers), as JSON carrying the entry that made it with its
// inclusion proof in a signed checkpoint (a C2SP tlog-proof): a department verifies it with the
// ledger's verifier key alone (`creditlog subscribe`).
//
// Exactly once across the cluster: the changes have one order, (seq, index), on every node, and
// a change is published only right after the one before it in the stream (JetStream's expected
// last sequence) with the message id "seq.index". A node that finds the stream ahead of it skips
// what is there; two nodes publishing one change at once store it once.
//
// Nothing is lost when every node stops at once: a node starts its projection from a snapshot
// only when the stream's last change, or the watermark it keeps (DIR/list-changes.json, written
// every kListWatermarkInterval and at a clean stop: every change of the entries before it was
// published), is at or after the snapshot's end; else it folds the log from the start, telling
// the detector of the entries from there on.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/cluster/nats_link.h"
#include "ledger/ledger.h"
#include "projections/list_changes.h"

namespace creditlog::api {

inline constexpr std::chrono::milliseconds kListPollInterval{20};   // between looks at the log
inline constexpr std::chrono::seconds kListWatermarkInterval{5};   // between writes of the watermark
// How far back from the stream's end a node looks for the last change, past messages that are
// not changes (another publisher's on these subjects; NATS permissions should forbid them).
inline constexpr uint64_t kListScanBackMax = 1000;
inline constexpr std::chrono::milliseconds kListPublishWait{5000};  // one publish's acknowledgement
inline constexpr std::chrono::seconds kListStopWait{10};            // Stop's wait to publish what was found
inline constexpr size_t kListWatermarkBytesMax = 4096;

// "<stream>_LISTS".
std::string ListStreamName(const std::string& stream);
// "creditlog.lists" for the default stream, else "creditlog.<stream>.lists".
std::string ListSubjectPrefix(const std::string& stream);
// "<prefix>.<list>.<division>" ("unknown" for a subject with no division).
std::string ListSubject(const std::string& stream, fb::ListKind list, std::string_view division);
// A change as JSON (`creditlog list-changes --json`); its message adds `checkpoint_size`, the
// size of the checkpoint that covers it, and `proof`, the entry's proof file (api/proof_bundle.h)
// in that checkpoint's tree.
nlohmann::json ListChangeJson(const projections::ListChange& change);

struct ListPublisherOptions {
  std::vector<std::string> urls;  // nats://HOST:PORT of each NATS server
  std::string stream;             // the intake stream's name; the changes go to ListStreamName(stream)
  int replicas = 0;               // of a stream this node creates: 0 for min(3, URLs)
  std::string watermark_path;     // where Stop records how far every change found was published
};

class ListPublisher {
 public:
  // Connects, makes sure the stream exists and reads its last change. Publishes nothing yet.
  static Result<std::unique_ptr<ListPublisher>> Connect(ledger::Ledger& ledger, const ListPublisherOptions& options);
  ~ListPublisher();
  ListPublisher(const ListPublisher&) = delete;
  ListPublisher& operator=(const ListPublisher&) = delete;

  // For the server (ServerOptions::fold_observer and ::snapshot_max): the projection tells it of
  // each entry folded, starting no later than the first entry whose changes may be unpublished.
  projections::FoldObserver* observer() { return &detector_; }
  uint64_t snapshot_max() const { return from_; }

  // Publishes the changes found, in order, as the log grows; `fold` folds the projection up to
  // the log (Server::CatchUpProjection).
  void Start(std::function<Status()> fold);
  // Folds and publishes what is left (waiting up to kListStopWait), records the watermark when
  // everything found was published, and stops. Idempotent.
  void Stop();
  // For logs: stream, published, skipped (found in the stream already), the last change.
  nlohmann::json State() const;

 private:
  using Position = std::pair<uint64_t, uint32_t>;  // (seq, index)
  struct LastChange {
    std::optional<Position> position;  // none: the stream is empty
    uint64_t stream_seq = 0;
  };
  // The stream's last message, and the last change it holds (looking back past messages that
  // are not changes, at most kListScanBackMax).
  static Result<LastChange> ReadLastChange(jsCtx* js, const std::string& stream);
  // ReadLastChange into last_ and last_stream_seq_.
  Status ReadLast();
  // Records that every change of the entries before `through` was published.
  void WriteWatermark(uint64_t through);
  ListPublisher(ledger::Ledger& ledger, ListPublisherOptions options, uint64_t from, std::optional<projections::Day> day_before,
                std::unique_ptr<NatsLink> nats);
  void Loop();
  // Publishes pending_ in order until it is empty (true) or must wait, for NATS. A change whose
  // entry no checkpoint covers yet has one signed for it (PublishCheckpoint), rather than wait
  // for the server's next.
  bool PublishPending();

  ledger::Ledger& ledger_;  // signs a checkpoint when a change waits for one
  const ListPublisherOptions options_;
  const std::string stream_;
  const uint64_t from_;
  int64_t stream_created_ns_ = 0;
  projections::ListChangeDetector detector_;
  std::unique_ptr<NatsLink> nats_;
  std::function<Status()> fold_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;

  // The publishing thread's (Stop's, once it is joined).
  std::deque<projections::ListChange> pending_;
  std::optional<Position> last_;  // the stream's last change
  uint64_t last_stream_seq_ = 0;
  std::string last_error_;        // logged once until it changes
  uint64_t watermark_ = 0;        // the last written
  std::chrono::steady_clock::time_point watermark_at_{};

  mutable std::mutex stats_mutex_;
  uint64_t published_ = 0, skipped_ = 0;  // GUARDED_BY(stats_mutex_)
};

}  // namespace creditlog::api
