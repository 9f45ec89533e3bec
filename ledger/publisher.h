// The checkpoint publisher: signs and stores a checkpoint of the tree whenever it has grown,
// at most every `interval`, and sooner when someone waits for one (batched: every waiter that
// arrives within kCheckpointCoalesce shares one signature and one fsync).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"

namespace creditlog::ledger {

inline constexpr std::chrono::milliseconds kCheckpointIntervalDefault{1000};
inline constexpr std::chrono::milliseconds kCheckpointCoalesce{5};
// Waiters beyond this are refused at once (ResourceExhausted) rather than queued.
inline constexpr size_t kCheckpointWaitersMax = 65536;

struct PublishedCheckpoint {
  uint64_t size = 0;
  std::string note;
};
using CheckpointCallback = std::function<void(Result<PublishedCheckpoint>)>;

class CheckpointPublisher {
 public:
  // The ledger must outlive the publisher. Without ledger.SetCheckpointKey every publish fails
  // PermissionDenied, and the waiters receive that.
  CheckpointPublisher(Ledger& ledger, std::chrono::milliseconds interval);
  ~CheckpointPublisher();  // stops; pending waiters get Unavailable

  // Calls `done` (on the publisher's thread) with the first checkpoint whose size >= `size`.
  void WhenCovered(uint64_t size, CheckpointCallback done);
  uint64_t published() const;  // checkpoints published since start
  // Called on the publisher's thread after each checkpoint it signs, with its size (e.g. to
  // send it to witnesses). Replaces any earlier observer; empty: none. Once it returns, the
  // earlier observer is not running and will not be called again.
  void SetObserver(std::function<void(uint64_t size)> observer);
  void Stop();

 private:
  void Loop();

  Ledger& ledger_;
  const std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;  // GUARDS: waiters_, stopping_, published_
  std::condition_variable wake_;
  std::vector<std::pair<uint64_t, CheckpointCallback>> waiters_;
  bool stopping_ = false;
  uint64_t published_ = 0;
  std::mutex observer_mutex_;  // held while the observer runs, and to replace it
  std::function<void(uint64_t)> observer_;  // GUARDED_BY(observer_mutex_)
  std::thread thread_;
};

}  // namespace creditlog::ledger
