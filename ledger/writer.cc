// The append path: checks in the caller's thread, then one writer thread that stages a batch
// of appends, commits it with a single synced write (group commit) and only then acknowledges.
//
// Crash behaviour: until the WriteBatch is durable nothing of the batch exists and nobody has
// been told otherwise; after it is durable, start-up (Ledger::Recover) finds all of it.
#include <algorithm>
#include <unordered_map>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "ledger/format.h"
#include "ledger/ledger.h"
#include "ledger/pending.h"

namespace creditlog::ledger {


// What a batch has staged but not yet committed.
struct BatchState {
  CompactRange range;
  struct Staged {
    uint64_t seq;
    uint64_t stream_version;
    const Ledger::Pending* item;
  };
  std::unordered_map<std::string, Staged> event_ids;
  std::unordered_map<std::string, uint64_t> stream_versions;
};

namespace {

bool SameEvent(const events::EnvelopeView& a, const events::EnvelopeView& b) {
  return a.public_key == b.public_key &&
         std::equal(a.event_bytes.begin(), a.event_bytes.end(), b.event_bytes.begin(), b.event_bytes.end());
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

Status ReusedIdConflict(const std::string& event_id, uint64_t seq) {
  return Status::Conflict("event id '" + event_id + "' was already recorded at seq " + std::to_string(seq) +
                          " with different content");
}

}  // namespace

void Ledger::StartWriter() { writer_ = std::thread([this] { WriterLoop(); }); }

void Ledger::StopWriter() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_ready_.notify_all();
  queue_space_.notify_all();
  if (writer_.joinable()) writer_.join();
}

Result<std::unique_ptr<Ledger::Pending>> Ledger::Prepare(Bytes envelope) const {
  auto pending = std::make_unique<Pending>();
  pending->envelope = std::move(envelope);
  ASSIGN_OR_RETURN(pending->view, events::ParseEnvelope(pending->envelope));
  RETURN_IF_ERROR(events::ValidateEvent(*pending->view.event));
  RETURN_IF_ERROR(events::VerifyEnvelopeSignature(pending->view, origin_));
  return pending;
}

Status Ledger::Enqueue(std::unique_ptr<Pending> pending, bool wait_for_space) {
  std::unique_lock lock(queue_mutex_);
  if (wait_for_space) {
    queue_space_.wait(lock, [&] { return queue_.size() < kPendingAppendsMax || stopping_; });
  }
  if (stopping_) return Status::Unavailable("the ledger is closing");
  if (!writer_status_.ok()) return Status::Unavailable("the writer has stopped: " + writer_status_.message());
  if (queue_.size() >= kPendingAppendsMax) {
    return Status::ResourceExhausted("append queue is full (" + std::to_string(kPendingAppendsMax) + " pending)");
  }
  queue_.push_back(std::move(pending));
  lock.unlock();
  queue_ready_.notify_one();
  return Status::Ok();
}

static std::future<Result<AppendResult>> Ready(Status status) {
  std::promise<Result<AppendResult>> promise;
  promise.set_value(std::move(status));
  return promise.get_future();
}

std::future<Result<AppendResult>> Ledger::AppendAsync(Bytes envelope) {
  if (read_only_) return Ready(Status::InvalidArgument("ledger is open read-only"));
  auto pending = Prepare(std::move(envelope));
  if (!pending.ok()) return Ready(pending.status());
  auto future = (*pending)->promise.get_future();
  Status queued = Enqueue(std::move(*pending), /*wait_for_space=*/false);
  if (!queued.ok()) return Ready(queued);
  return future;
}

Result<AppendResult> Ledger::Append(Bytes envelope) { return AppendAsync(std::move(envelope)).get(); }

// Pipelined: each chunk of kCommitBatchEventsMax envelopes is checked on all cores and queued,
// and the next chunk is checked while the writer commits the previous one.
std::vector<Result<AppendResult>> Ledger::AppendBatch(std::vector<Bytes> envelopes) {
  const size_t n = envelopes.size();
  std::vector<std::optional<Result<AppendResult>>> immediate(n);
  std::vector<std::future<Result<AppendResult>>> futures(n);
  const unsigned threads = std::clamp(std::thread::hardware_concurrency(), 1u, kVerifyThreadsMax);
  for (size_t begin = 0; begin < n; begin += kCommitBatchEventsMax) {
    const size_t end = std::min(n, begin + kCommitBatchEventsMax);
    std::vector<std::optional<Result<std::unique_ptr<Pending>>>> prepared(end - begin);
    auto work = [&](unsigned t) {
      for (size_t i = begin + t; i < end; i += threads) prepared[i - begin].emplace(Prepare(std::move(envelopes[i])));
    };
    std::vector<std::thread> workers;
    for (unsigned t = 1; t < threads; ++t) workers.emplace_back(work, t);
    work(0);
    for (auto& worker : workers) worker.join();
    for (size_t i = begin; i < end; ++i) {
      auto& item = *prepared[i - begin];
      if (read_only_) {
        immediate[i].emplace(Status::InvalidArgument("ledger is open read-only"));
      } else if (!item.ok()) {
        immediate[i].emplace(item.status());
      } else {
        futures[i] = (*item)->promise.get_future();
        Status queued = Enqueue(std::move(*item), /*wait_for_space=*/true);
        if (!queued.ok()) immediate[i].emplace(queued);
      }
    }
  }
  std::vector<Result<AppendResult>> results;
  results.reserve(n);
  for (size_t i = 0; i < n; ++i) results.push_back(immediate[i] ? std::move(*immediate[i]) : futures[i].get());
  return results;
}

void Ledger::WriterLoop() {
  for (;;) {
    std::vector<std::unique_ptr<Pending>> items;
    {
      std::unique_lock lock(queue_mutex_);
      queue_ready_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, and everything queued has been written
      // An administrative event ends its batch: the key registry it changes must be
      // committed before the next event is authorised against it.
      while (!queue_.empty() && items.size() < kCommitBatchEventsMax) {
        const bool administrative = events::IsAdministrative(queue_.front()->view.event->body_type());
        items.push_back(std::move(queue_.front()));
        queue_.pop_front();
        if (administrative) break;
      }
    }
    queue_space_.notify_all();
    CommitBatch(items);
  }
}

void Ledger::CommitBatch(std::vector<std::unique_ptr<Pending>>& items) {
  if (!writer_status_.ok()) {
    for (auto& item : items) item->promise.set_value(Status::Unavailable("the writer has stopped: " + writer_status_.message()));
    return;
  }
  BatchState state;
  int64_t recorded_at_ms;
  uint64_t seq;
  {
    std::shared_lock lock(state_mutex_);
    state.range = range_;
    seq = range_.size();
    recorded_at_ms = std::max(NowMs(), last_recorded_at_ms_);  // non-decreasing along the log
  }
  const uint64_t first_seq = seq;
  rocksdb::WriteBatch batch;
  std::vector<Result<AppendResult>> results;
  results.reserve(items.size());
  for (auto& item : items) {
    results.push_back(Stage(*item, seq, recorded_at_ms, state, batch));
    if (results.back().ok() && !results.back()->duplicate) ++seq;
  }
  Status written;
  if (seq > first_seq) {
    batch.Put(MetaKey(kMetaSize), EncodeU64(seq));
    rocksdb::WriteOptions options;
    options.sync = true;
    rocksdb::Status s = db_->Write(options, &batch);
    if (!s.ok()) written = Status::IOError("committing entries " + std::to_string(first_seq) + ".." + std::to_string(seq - 1) + ": " + s.ToString());
  }
  if (!written.ok()) {
    // The state on disk is unknown: stop, acknowledge nothing; reopening recovers.
    {
      std::lock_guard lock(queue_mutex_);
      writer_status_ = written;
    }
    for (auto& item : items) item->promise.set_value(written);
    return;
  }
  {
    std::unique_lock lock(state_mutex_);
    range_ = state.range;
    last_recorded_at_ms_ = recorded_at_ms;
    for (size_t i = 0; i < items.size(); ++i) {
      if (results[i].ok() && !results[i]->duplicate) registry_.Apply(*items[i]->view.event, results[i]->seq);
    }
    size_.store(seq, std::memory_order_release);
  }
  for (size_t i = 0; i < items.size(); ++i) items[i]->promise.set_value(std::move(results[i]));
}

Result<AppendResult> Ledger::Stage(Pending& item, uint64_t seq, int64_t recorded_at_ms, BatchState& state,
                                   rocksdb::WriteBatch& batch) {
  const fb::Event& event = *item.view.event;
  const std::string event_id = event.event_id()->str();
  // 1. Idempotency: a retry of a recorded event returns its original result.
  if (auto it = state.event_ids.find(event_id); it != state.event_ids.end()) {
    if (!SameEvent(it->second.item->view, item.view)) return ReusedIdConflict(event_id, it->second.seq);
    return AppendResult{it->second.seq, it->second.stream_version, recorded_at_ms, true};
  }
  ASSIGN_OR_RETURN(auto recorded, FindEventId(event_id));
  if (recorded) {
    ASSIGN_OR_RETURN(Bytes stored, Entry(*recorded));
    ASSIGN_OR_RETURN(EntryView view, ParseEntry(stored));
    if (!SameEvent(view.envelope, item.view)) return ReusedIdConflict(event_id, *recorded);
    return AppendResult{*recorded, view.stream_version, view.recorded_at_ms, true};
  }
  // 2. The key registry as of this seq.
  RETURN_IF_ERROR(registry_.Authorize(item.view.public_key, event, seq));
  // 3. The subject stream's version.
  const std::string subject = Str(event.subject());
  uint64_t version;
  if (auto it = state.stream_versions.find(subject); it != state.stream_versions.end()) {
    version = it->second;
  } else {
    ASSIGN_OR_RETURN(version, StreamVersion(subject));
  }
  if (event.expected_version() >= 0 && static_cast<uint64_t>(event.expected_version()) != version) {
    return Status::Conflict("subject '" + subject + "': expected version " + std::to_string(event.expected_version()) +
                            ", but the stream is at version " + std::to_string(version));
  }
  // 4. The entry, its tree nodes and indexes.
  const uint64_t stream_version = version + 1;
  Bytes entry = BuildEntry(seq, recorded_at_ms, stream_version, CanonicalEnvelope(item.view));
  auto check = ParseEntry(entry);  // verify right before the write, in every build
  if (!check.ok() || check->seq != seq) std::abort();
  std::vector<CompactRange::Node> finished;
  state.range.Append(MerkleLeafHash(entry), &finished);
  for (const auto& node : finished) {
    batch.Put(NodeKey(node.level, node.index),
              rocksdb::Slice(reinterpret_cast<const char*>(node.hash.data()), node.hash.size()));
  }
  batch.Put(EntryKey(seq), rocksdb::Slice(reinterpret_cast<const char*>(entry.data()), entry.size()));
  batch.Put(EventIdKey(event_id), EncodeU64(seq));
  batch.Put(StreamKey(subject), EncodeU64(stream_version));
  batch.Put(StreamIndexKey(subject, stream_version), EncodeU64(seq));
  if (events::IsAdministrative(event.body_type())) batch.Put(AdminKey(seq), "");
  state.event_ids[event_id] = {seq, stream_version, &item};
  state.stream_versions[subject] = stream_version;
  return AppendResult{seq, stream_version, recorded_at_ms, false};
}

}  // namespace creditlog::ledger
