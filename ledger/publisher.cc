#include "ledger/publisher.h"

namespace creditlog::ledger {

CheckpointPublisher::CheckpointPublisher(Ledger& ledger, std::chrono::milliseconds interval)
    : ledger_(ledger), interval_(interval) {
  thread_ = std::thread([this] { Loop(); });
}

CheckpointPublisher::~CheckpointPublisher() { Stop(); }

void CheckpointPublisher::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t CheckpointPublisher::published() const {
  std::lock_guard lock(mutex_);
  return published_;
}

void CheckpointPublisher::SetObserver(std::function<void(uint64_t size)> observer) {
  std::lock_guard lock(observer_mutex_);
  observer_ = std::move(observer);
}

void CheckpointPublisher::WhenCovered(uint64_t size, CheckpointCallback done) {
  std::unique_lock lock(mutex_);
  if (stopping_) {
    lock.unlock();
    return done(Status::Unavailable("the checkpoint publisher has stopped"));
  }
  if (waiters_.size() >= kCheckpointWaitersMax) {
    lock.unlock();
    return done(Status::ResourceExhausted("too many requests are waiting for a checkpoint"));
  }
  waiters_.emplace_back(size, std::move(done));
  lock.unlock();
  wake_.notify_one();
}

void CheckpointPublisher::Loop() {
  uint64_t last_size = 0;
  if (auto latest = ledger_.LatestCheckpoint(); latest.ok()) {
    if (auto checkpoint = ledger_.OpenCheckpoint(*latest); checkpoint.ok()) last_size = checkpoint->size;
  }
  auto next_due = std::chrono::steady_clock::now() + interval_;
  for (;;) {
    std::vector<std::pair<uint64_t, CheckpointCallback>> waiting;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, next_due, [&] { return stopping_ || !waiters_.empty(); });
      if (stopping_) {
        waiting.swap(waiters_);
        lock.unlock();
        for (auto& [size, done] : waiting) done(Status::Unavailable("the server is stopping"));
        return;
      }
    }
    // Let the waiters of the next few milliseconds share this checkpoint.
    if (std::chrono::steady_clock::now() < next_due) std::this_thread::sleep_for(kCheckpointCoalesce);
    Result<std::string> note = Status::NotFound("nothing to publish");
    const uint64_t size = ledger_.size();
    bool signed_one = false;
    if (size > last_size) {
      note = ledger_.PublishCheckpoint();
      if (note.ok()) {
        std::lock_guard lock(mutex_);
        ++published_;
        signed_one = true;
      }
    } else {
      note = ledger_.LatestCheckpoint();
    }
    uint64_t covered = last_size;
    if (note.ok()) {
      if (auto checkpoint = ledger_.OpenCheckpoint(*note); checkpoint.ok()) covered = last_size = checkpoint->size;
    }
    if (signed_one) {
      std::lock_guard lock(observer_mutex_);
      if (observer_) observer_(covered);
    }
    next_due = std::chrono::steady_clock::now() + interval_;
    {
      std::unique_lock lock(mutex_);
      for (auto it = waiters_.begin(); it != waiters_.end();) {
        if (!note.ok() && note.status().code() != StatusCode::kNotFound) {
          waiting.push_back(std::move(*it));
          it = waiters_.erase(it);
        } else if (note.ok() && it->first <= covered) {
          waiting.push_back(std::move(*it));
          it = waiters_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& [wanted, done] : waiting) {
      if (note.ok()) {
        done(PublishedCheckpoint{covered, *note});
      } else {
        done(note.status());
      }
    }
  }
}

}  // namespace creditlog::ledger
