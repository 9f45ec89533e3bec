// The log's side of witnessing (C2SP tlog-witness): every checkpoint the publisher signs is
// sent to each witness of the policy, with a consistency proof from the size that witness last
// cosigned; a checkpoint is published (WitnessedCheckpoints::Latest) once the cosignatures that
// verified make the policy's quorum.
//
// - One thread per witness, each with its own connection; a round sends the newest signed
//   checkpoint to every witness that is free. A witness that is down, slow or refusing delays
//   publication only when the others cannot make the quorum, and never delays an append.
// - A witness that answers 409 names the size it last cosigned; the log proves consistency
//   from there (once a round). A witness that has cosigned a larger tree than the log holds,
//   or refuses the proof (422), has seen another history: the log says so (State, the log,
//   metrics) and publishes nothing that witness's quorum does not accept.
// - The latest published checkpoint is kept durably in DATA/witnessed-checkpoint; opening
//   refuses one the ledger does not hold (a rolled-back database).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/witnessed.h"
#include "crypto/policy.h"
#include "ledger/ledger.h"
#include "ledger/publisher.h"

namespace creditlog::api {

inline constexpr std::chrono::seconds kWitnessRequestTimeout{5};
// A round waits at most this long for witnesses that have not answered.
inline constexpr std::chrono::seconds kWitnessRoundMax{6};
// Once a round has published, the cosignatures of slower witnesses are added for this long.
inline constexpr std::chrono::milliseconds kWitnessLateGrace{50};
// With nothing new, witnesses that failed are asked again this often.
inline constexpr std::chrono::seconds kWitnessRetryInterval{2};

class Witnessing final : public WitnessedCheckpoints {
 public:
  // The ledger and publisher must outlive it. Every witness of `policy` needs a URL, and a
  // policy that lists logs must list this ledger's key.
  static Result<std::unique_ptr<Witnessing>> Start(ledger::Ledger& ledger, ledger::CheckpointPublisher& publisher,
                                                   WitnessPolicy policy, const std::string& data_dir,
                                                   std::chrono::milliseconds wait_max = kWitnessedWaitMax);
  ~Witnessing() override;  // Stop()
  void Stop();

  Result<WitnessedNote> Latest() const override;
  void WhenCovered(uint64_t size, std::function<void(Result<WitnessedNote>)> done) override;
  nlohmann::json State() const override;
  std::string Metrics() const override;

  struct Worker;  // one per witness (witnessing.cc)

 private:
  Witnessing(ledger::Ledger& ledger, ledger::CheckpointPublisher& publisher, WitnessPolicy policy, std::string path);
  void CollectLoop();
  void WorkerLoop(Worker& worker);
  // The round for `note` (size `size`): hands it to free workers, waits, publishes at quorum.
  void RunRound(const std::string& note, uint64_t size, std::unique_lock<std::mutex>& lock);
  Status Publish(const std::string& note, uint64_t size, std::unique_lock<std::mutex>& lock);
  void AnswerWaiters(std::unique_lock<std::mutex>& lock);
  static bool Missed(const Worker& w, uint64_t size);

  ledger::Ledger& ledger_;
  ledger::CheckpointPublisher& publisher_;
  const WitnessPolicy policy_;
  const std::string path_;  // DATA/witnessed-checkpoint
  NoteVerifier log_key_;    // the ledger's checkpoint key
  std::chrono::milliseconds wait_max_ = kWitnessedWaitMax;

  mutable std::mutex mutex_;  // GUARDS: everything below but the threads
  std::condition_variable wake_;      // the collector: a new checkpoint, an answer, a waiter, stop
  std::condition_variable work_;      // the workers: a job, stop
  bool stopping_ = false;
  uint64_t signed_size_ = 0;          // the newest checkpoint the publisher signed
  std::optional<WitnessedNote> published_;
  std::vector<Cosigned> published_by_;
  struct Waiter {
    uint64_t size;
    std::chrono::steady_clock::time_point deadline;
    std::function<void(Result<WitnessedNote>)> done;
  };
  std::deque<Waiter> waiters_;
  uint64_t round_ = 0;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::thread collector_;
};

}  // namespace creditlog::api
