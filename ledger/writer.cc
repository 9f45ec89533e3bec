// The append path: checks in the caller's thread, then one writer thread that stages a batch
// of appends, commits it with a single synced write (group commit) and only then acknowledges.
//
// Crash behaviour: until the WriteBatch is durable nothing of the batch exists and nobody has
// been told otherwise; after it is durable, start-up (Ledger::Recover) finds all of it.
#include <algorithm>
#include <chrono>
#include <thread>
#include <unordered_map>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "base/check.h"
#include "ledger/format.h"
#include "ledger/ledger.h"
#include "ledger/parallel.h"
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
  std::unordered_map<std::string, Staged> event_ids;  // by agency 0x00 event id
  std::unordered_map<std::string, uint64_t> stream_versions;
  int64_t now_ms = 0;               // the recorded time of this batch's new events
  int64_t last_recorded_at_ms = 0;  // of the last entry staged (or committed before)
};

namespace {

bool SameEvent(const events::EnvelopeView& a, const events::EnvelopeView& b) {
  return a.public_key == b.public_key &&
         std::equal(a.event_bytes.begin(), a.event_bytes.end(), b.event_bytes.begin(), b.event_bytes.end());
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

// Sets *done to fulfil the returned future: the blocking forms of the callback appends.
std::future<Result<AppendResult>> PromiseFor(AppendCallback* done) {
  auto promise = std::make_shared<std::promise<Result<AppendResult>>>();
  *done = [promise](Result<AppendResult> r) { promise->set_value(std::move(r)); };
  return promise->get_future();
}

// Later appends after a failed write: the failure itself (an I/O message naming files) went to
// the appends of the commit that failed, as io_error; everyone else learns only that it stopped.
Status WriterStopped() {
  return Status::Unavailable("the ledger's writer has stopped after a failed write; the ledger must be reopened");
}

Status ReusedIdConflict(const std::string& event_id, uint64_t seq) {
  return Status::Conflict("event id '" + event_id + "' was already recorded at seq " + std::to_string(seq) +
                          " with different content");
}

}  // namespace

void Ledger::StartWriter() {
  CREDITLOG_CHECK(agency_event_ids_);  // a writable ledger's id index is agency-scoped before it writes
  writer_ = std::thread([this] { WriterLoop(); });
}

void Ledger::StopWriter() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_ready_.notify_all();
  queue_space_.notify_all();
  if (writer_.joinable()) writer_.join();
}

// signed_at_ms is the signer's clock, not ours, but a new event claiming to be signed long
// ago or in the future is refused. 0 means the signer did not say.
static Status CheckSignedAt(int64_t signed_at_ms, int64_t now_ms) {
  if (signed_at_ms == 0) return Status::Ok();
  if (signed_at_ms >= now_ms - kSignedAtPastMaxMs && signed_at_ms <= now_ms + kSignedAtFutureMaxMs) return Status::Ok();
  return Status::InvalidArgument("signed_at_ms: " + std::to_string(signed_at_ms) + " is outside the accepted window (" +
                                 std::to_string(kSignedAtPastMaxMs / (24 * 3600 * 1000)) + " days before to " +
                                 std::to_string(kSignedAtFutureMaxMs / (60 * 1000)) +
                                 " minutes after the ledger's clock, in milliseconds since 1970 UTC; 0 when not given)");
}

Result<std::unique_ptr<Ledger::Pending>> Ledger::Prepare(Bytes envelope) const {
  auto pending = std::make_unique<Pending>();
  pending->envelope = std::move(envelope);
  ASSIGN_OR_RETURN(pending->view, events::ParseEnvelope(pending->envelope));
  RETURN_IF_ERROR(events::ValidateEvent(*pending->view.event, events::FieldRules::kNew));
  RETURN_IF_ERROR(CheckSignedAt(pending->view.event->signed_at_ms(), NowMs()));
  RETURN_IF_ERROR(events::VerifyEnvelopeSignature(pending->view, origin_));
  return pending;
}

Status Ledger::CheckWritable() const {
  if (read_only_) return Status::InvalidArgument("ledger is open read-only");
  if (mirror_) return Status::PermissionDenied("this ledger is a mirror: record events on its primary");
  return Status::Ok();
}

// Moves `pending` into the queue only when it returns OK.
Status Ledger::Enqueue(std::unique_ptr<Pending>& pending, bool wait_for_space) {
  std::unique_lock lock(queue_mutex_);
  if (wait_for_space) {
    queue_space_.wait(lock, [&] { return queue_.size() < kPendingAppendsMax || stopping_; });
  }
  if (stopping_) return Status::Unavailable("the ledger is closing");
  if (!writer_status_.ok()) return WriterStopped();
  if (queue_.size() >= kPendingAppendsMax) {
    return Status::ResourceExhausted("append queue is full (" + std::to_string(kPendingAppendsMax) + " pending)");
  }
  queue_.push_back(std::move(pending));
  lock.unlock();
  queue_ready_.notify_one();
  return Status::Ok();
}

Status Ledger::EnqueueAll(std::vector<std::unique_ptr<Pending>>& pending) {
  std::unique_lock lock(queue_mutex_);
  if (stopping_) return Status::Unavailable("the ledger is closing");
  if (!writer_status_.ok()) return WriterStopped();
  if (queue_.size() + pending.size() > kPendingAppendsMax) {
    return Status::ResourceExhausted("append queue cannot take " + std::to_string(pending.size()) + " more (" +
                                     std::to_string(queue_.size()) + " of " + std::to_string(kPendingAppendsMax) +
                                     " pending)");
  }
  for (auto& item : pending) queue_.push_back(std::move(item));
  lock.unlock();
  queue_ready_.notify_one();
  return Status::Ok();
}

size_t Ledger::queue_depth() const {
  std::lock_guard lock(queue_mutex_);
  return queue_.size();
}

void Ledger::AppendWithCallback(Bytes envelope, AppendCallback done) {
  if (Status writable = CheckWritable(); !writable.ok()) return done(writable);
  auto pending = Prepare(std::move(envelope));
  if (!pending.ok()) return done(pending.status());
  std::unique_ptr<Pending> item = std::move(*pending);
  item->done = std::move(done);
  Status queued = Enqueue(item, /*wait_for_space=*/false);
  if (!queued.ok()) item->done(queued);  // not queued: the item still holds its callback
}

std::future<Result<AppendResult>> Ledger::AppendAsync(Bytes envelope) {
  AppendCallback done;
  auto future = PromiseFor(&done);
  AppendWithCallback(std::move(envelope), std::move(done));
  return future;
}

Result<AppendResult> Ledger::Append(Bytes envelope) { return AppendAsync(std::move(envelope)).get(); }

void Ledger::AppendManyWithCallback(std::vector<Bytes> envelopes, BatchCallback done) {
  const size_t n = envelopes.size();
  struct Shared {
    std::mutex mutex;
    std::vector<std::optional<Result<AppendResult>>> results;
    size_t remaining;
    BatchCallback done;
  };
  auto shared = std::make_shared<Shared>();
  shared->results.resize(n);
  shared->remaining = n;
  shared->done = std::move(done);
  auto finish = [shared](size_t i, Result<AppendResult> r) {
    std::unique_lock lock(shared->mutex);
    shared->results[i].emplace(std::move(r));
    if (--shared->remaining > 0) return;
    lock.unlock();
    std::vector<Result<AppendResult>> out;
    out.reserve(shared->results.size());
    for (auto& result : shared->results) out.push_back(std::move(*result));
    shared->done(std::move(out));
  };
  if (n == 0) return shared->done({});
  Status writable = CheckWritable();
  std::vector<std::unique_ptr<Pending>> queued;
  std::vector<size_t> queued_index;
  std::vector<std::pair<size_t, Status>> refused;
  for (size_t i = 0; i < n; ++i) {
    auto pending = writable.ok() ? Prepare(std::move(envelopes[i])) : Result<std::unique_ptr<Pending>>(writable);
    if (!pending.ok()) {
      refused.emplace_back(i, pending.status());
      continue;
    }
    (*pending)->done = [finish, i](Result<AppendResult> r) { finish(i, std::move(r)); };
    queued.push_back(std::move(*pending));
    queued_index.push_back(i);
  }
  if (!queued.empty()) {
    Status all = EnqueueAll(queued);
    if (!all.ok()) {
      // Nothing of the batch was queued: every envelope gets the queue's answer.
      for (size_t i : queued_index) refused.emplace_back(i, all);
    }
  }
  for (auto& [i, status] : refused) finish(i, status);
}

// Pipelined: each chunk of kCommitBatchEventsMax envelopes is checked on all cores and queued,
// and the next chunk is checked while the writer commits the previous one.
std::vector<Result<AppendResult>> Ledger::AppendBatch(std::vector<Bytes> envelopes) {
  const size_t n = envelopes.size();
  std::vector<std::optional<Result<AppendResult>>> immediate(n);
  std::vector<std::future<Result<AppendResult>>> futures(n);
  const Status writable = CheckWritable();
  for (size_t begin = 0; begin < n; begin += kCommitBatchEventsMax) {
    const size_t end = std::min(n, begin + kCommitBatchEventsMax);
    std::vector<std::optional<Result<std::unique_ptr<Pending>>>> prepared(end - begin);
    if (writable.ok()) {
      ParallelFor(end - begin, [&](size_t k) { prepared[k].emplace(Prepare(std::move(envelopes[begin + k]))); });
    }
    for (size_t i = begin; i < end; ++i) {
      if (!writable.ok()) {
        immediate[i].emplace(writable);
        continue;
      }
      auto& item = *prepared[i - begin];
      if (!item.ok()) {
        immediate[i].emplace(item.status());
      } else {
        futures[i] = PromiseFor(&(*item)->done);
        Status queued = Enqueue(*item, /*wait_for_space=*/true);
        if (!queued.ok()) immediate[i].emplace(queued);
      }
    }
  }
  std::vector<Result<AppendResult>> results;
  results.reserve(n);
  for (size_t i = 0; i < n; ++i) results.push_back(immediate[i] ? std::move(*immediate[i]) : futures[i].get());
  return results;
}

Status Ledger::AppendMirrored(std::vector<Bytes> entries) {
  if (!mirror_) return Status::InvalidArgument("not a mirror: entries are appended as events");
  const uint64_t first = size();
  std::vector<std::unique_ptr<Pending>> prepared(entries.size());
  std::vector<Status> checked(entries.size());
  ParallelFor(entries.size(), [&](size_t i) {
    auto pending = std::make_unique<Pending>();
    pending->envelope = std::move(entries[i]);
    auto view = ParseEntry(pending->envelope);
    if (!view.ok()) {
      checked[i] = view.status();
      return;
    }
    pending->view = view->envelope;
    pending->mirrored = *view;
    // Entries the primary already recorded: the rules they were recorded under, not newer ones.
    checked[i] = events::ValidateEvent(*pending->view.event, events::FieldRules::kRecorded);
    if (checked[i].ok()) checked[i] = events::VerifyEnvelopeSignature(pending->view, origin_);
    prepared[i] = std::move(pending);
  });
  std::vector<std::future<Result<AppendResult>>> futures;
  Status failed;
  for (size_t i = 0; i < prepared.size() && failed.ok(); ++i) {
    if (!checked[i].ok()) {
      failed = checked[i];
      break;
    }
    futures.push_back(PromiseFor(&prepared[i]->done));
    failed = Enqueue(prepared[i], /*wait_for_space=*/true);
    if (!failed.ok()) futures.pop_back();
  }
  // The first refusal names its seq; later entries fail only because an earlier one did.
  for (size_t i = 0; i < futures.size(); ++i) {
    auto r = futures[i].get();
    if (!r.ok()) return Status::Corruption("seq " + std::to_string(first + i) + ": " + r.status().message());
  }
  if (!failed.ok()) return Status::Corruption("seq " + std::to_string(first + futures.size()) + ": " + failed.message());
  return Status::Ok();
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
    for (auto& item : items) item->done(WriterStopped());
    return;
  }
  BatchState state;
  uint64_t seq;
  {
    std::shared_lock lock(state_mutex_);
    state.range = range_;
    seq = range_.size();
    state.last_recorded_at_ms = last_recorded_at_ms_;
  }
  state.now_ms = std::max(NowMs(), state.last_recorded_at_ms);  // non-decreasing along the log
  const uint64_t first_seq = seq;
  rocksdb::WriteBatch batch;
  std::vector<Result<AppendResult>> results;
  results.reserve(items.size());
  CommitStats stats;
  for (auto& item : items) {
    results.push_back(Stage(*item, seq, state, batch));
    if (results.back().ok() && !results.back()->duplicate) {
      ++seq;
      stats.types.push_back(static_cast<uint8_t>(item->view.event->body_type()));
    }
  }
  Status written;
  if (seq > first_seq) {
    batch.Put(MetaKey(kMetaSize), EncodeU64(seq));
    const auto started = std::chrono::steady_clock::now();
    rocksdb::Status s = SyncedWrite(batch);
    stats.write_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!s.ok()) written = Status::IOError("committing entries " + std::to_string(first_seq) + ".." + std::to_string(seq - 1) + ": " + s.ToString());
  }
  if (!written.ok()) {
    // The state on disk is unknown: stop, acknowledge nothing; reopening recovers.
    {
      std::lock_guard lock(queue_mutex_);
      writer_status_ = written;
    }
    for (auto& item : items) item->done(written);
    return;
  }
  {
    std::unique_lock lock(state_mutex_);
    range_ = state.range;
    last_recorded_at_ms_ = state.last_recorded_at_ms;
    for (size_t i = 0; i < items.size(); ++i) {
      if (results[i].ok() && !results[i]->duplicate) registry_.Apply(*items[i]->view.event, results[i]->seq);
    }
    size_.store(seq, std::memory_order_release);
  }
  stats.events = seq - first_seq;
  if (commit_observer_ && stats.events > 0) commit_observer_(stats);
  for (size_t i = 0; i < items.size(); ++i) items[i]->done(std::move(results[i]));
}

Result<AppendResult> Ledger::Stage(Pending& item, uint64_t seq, BatchState& state, rocksdb::WriteBatch& batch) {
  const fb::Event& event = *item.view.event;
  const std::string event_id = event.event_id()->str();
  int64_t recorded_at_ms = state.now_ms;
  if (item.mirrored) {
    // The primary's entry: same position, time order kept, never a duplicate.
    if (item.mirrored->seq != seq) {
      return Status::Corruption("entry says seq " + std::to_string(item.mirrored->seq) + ", expected " + std::to_string(seq));
    }
    recorded_at_ms = item.mirrored->recorded_at_ms;
    if (recorded_at_ms < state.last_recorded_at_ms) return Status::Corruption("recorded time goes backwards");
  }
  // 1. The signer, as of this seq: a key that may not write this event learns nothing more.
  RETURN_IF_ERROR(registry_.AuthorizeSigner(item.view.public_key, event, seq));
  // 2. Idempotency within the signer's agency: a retry of a recorded event returns its
  // original result. (The primary never writes an event twice, so for a mirror a repeated id
  // is corruption.)
  const std::string agency = registry_.AgencyOf(item.view.public_key, event);
  std::string scoped_id = agency;
  scoped_id.push_back('\0');
  scoped_id.append(event_id);
  const auto twice = [&] { return Status::Corruption("event id '" + event_id + "' is recorded twice"); };
  if (auto it = state.event_ids.find(scoped_id); it != state.event_ids.end()) {
    if (item.mirrored) return twice();
    if (!SameEvent(it->second.item->view, item.view)) return ReusedIdConflict(event_id, it->second.seq);
    return AppendResult{it->second.seq, it->second.stream_version, recorded_at_ms, true};
  }
  ASSIGN_OR_RETURN(auto recorded, FindEventId(agency, event_id));
  if (recorded) {
    if (item.mirrored) return twice();
    ASSIGN_OR_RETURN(Bytes stored, Entry(*recorded));
    ASSIGN_OR_RETURN(EntryView view, ParseEntry(stored));
    if (!SameEvent(view.envelope, item.view)) return ReusedIdConflict(event_id, *recorded);
    return AppendResult{*recorded, view.stream_version, view.recorded_at_ms, true};
  }
  // 3. An administrative event's own preconditions (a key registered twice, ...).
  if (seq > 0) RETURN_IF_ERROR(registry_.CheckAdministrative(item.view.public_key, event));
  // 4. The subject stream's version.
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
  // 5. The entry, its tree nodes and indexes.
  const uint64_t stream_version = version + 1;
  Bytes entry = BuildEntry(seq, recorded_at_ms, stream_version, CanonicalEnvelope(item.view));
  auto check = ParseEntry(entry);  // verify right before the write, in every build
  if (!check.ok() || check->seq != seq) std::abort();
  if (item.mirrored && entry != item.envelope) {
    return Status::Corruption("the entry does not rebuild byte for byte from its envelope");
  }
  std::vector<CompactRange::Node> finished;
  state.range.Append(MerkleLeafHash(entry), &finished);
  for (const auto& node : finished) {
    batch.Put(NodeKey(node.level, node.index),
              rocksdb::Slice(reinterpret_cast<const char*>(node.hash.data()), node.hash.size()));
  }
  batch.Put(EntryKey(seq), rocksdb::Slice(reinterpret_cast<const char*>(entry.data()), entry.size()));
  batch.Put(AgencyEventIdKey(agency, event_id), EncodeU64(seq));
  batch.Put(StreamKey(subject), EncodeU64(stream_version));
  batch.Put(StreamIndexKey(subject, stream_version), EncodeU64(seq));
  if (events::IsAdministrative(event.body_type())) batch.Put(AdminKey(seq), "");
  state.event_ids[scoped_id] = {seq, stream_version, &item};
  state.stream_versions[subject] = stream_version;
  state.last_recorded_at_ms = recorded_at_ms;
  return AppendResult{seq, stream_version, recorded_at_ms, false};
}

}  // namespace creditlog::ledger
