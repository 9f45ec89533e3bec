// The writer thread: takes a batch of queued appends, stages each against the ledger's state
// and the batch so far, commits the batch with a single synced write (group commit) and only
// then acknowledges. The caller's side of the append path is in append.cc.
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
#include "ledger/pending.h"

namespace creditlog::ledger {

// What a batch has staged but not yet committed.
struct BatchState {
  CompactRange range;
  TreeEdge edge;
  std::shared_ptr<AppendGuard> guard;
  struct Staged {
    uint64_t seq;
    uint64_t stream_version;
    const Ledger::Pending* item;
  };
  std::unordered_map<std::string, Staged> event_ids;  // by agency 0x00 event id
  std::unordered_map<std::string, uint64_t> stream_versions;
  int64_t now_ms = 0;               // the recorded time of this batch's new events
  int64_t last_recorded_at_ms = 0;  // of the last entry staged (or committed before)
  uint64_t stream_seq = 0;          // cluster mode: the last stream message applied or staged
  bool stream_items = false;        // the batch holds stream messages: their position is written
};

namespace {

bool SameEvent(const events::EnvelopeView& a, const events::EnvelopeView& b) {
  return a.public_key == b.public_key &&
         std::equal(a.event_bytes.begin(), a.event_bytes.end(), b.event_bytes.begin(), b.event_bytes.end());
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

// The key of BatchState::event_ids: agency 0x00 event id, as in the 'd' index.
std::string ScopedEventId(const std::string& agency, std::string_view event_id) {
  std::string scoped_id = agency;
  scoped_id.push_back('\0');
  scoped_id.append(event_id);
  return scoped_id;
}

Status ReusedIdConflict(const std::string& event_id, uint64_t seq) {
  return Status::Conflict("event id '" + event_id + "' was already recorded at seq " + std::to_string(seq) +
                          " with different content");
}

// Idempotency within the signer's agency: for an event id already recorded (in this batch or
// before it), the original result when the event is the same one again; Conflict when it is
// not. (The primary never writes an event twice, so for a mirror a repeated id is corruption.)
// nullopt for a new id.
Result<std::optional<AppendResult>> EarlierAppend(const Ledger& ledger, const Ledger::Pending& item,
                                                  const BatchState& state, const std::string& agency,
                                                  const std::string& event_id, int64_t recorded_at_ms) {
  const auto twice = [&] { return Status::Corruption("event id '" + event_id + "' is recorded twice"); };
  if (auto it = state.event_ids.find(ScopedEventId(agency, event_id)); it != state.event_ids.end()) {
    if (item.mirrored) return twice();
    if (!SameEvent(it->second.item->view, item.view)) return ReusedIdConflict(event_id, it->second.seq);
    return std::optional<AppendResult>(AppendResult{it->second.seq, it->second.stream_version, recorded_at_ms, true});
  }
  ASSIGN_OR_RETURN(auto recorded, ledger.FindEventId(agency, event_id));
  if (!recorded) return std::optional<AppendResult>();
  if (item.mirrored) return twice();
  ASSIGN_OR_RETURN(Bytes stored, ledger.Entry(*recorded));
  ASSIGN_OR_RETURN(EntryView view, ParseEntry(stored));
  if (!SameEvent(view.envelope, item.view)) return ReusedIdConflict(event_id, *recorded);
  return std::optional<AppendResult>(AppendResult{*recorded, view.stream_version, view.recorded_at_ms, true});
}

// The subject stream's version as of this point in the batch.
Result<uint64_t> CurrentStreamVersion(const Ledger& ledger, const BatchState& state, const std::string& subject) {
  if (auto it = state.stream_versions.find(subject); it != state.stream_versions.end()) return it->second;
  return ledger.StreamVersion(subject);
}

// Puts an entry's writes into the batch: the hash tile it fills, if any, the entry, its indexes.
void PutEntry(rocksdb::WriteBatch& batch, BatchState& state, uint64_t seq, const Bytes& entry,
              const std::string& agency, std::string_view event_id, const std::string& subject,
              uint64_t stream_version, bool administrative) {
  std::vector<CompactRange::Node> finished;
  state.range.Append(MerkleLeafHash(entry), &finished);
  state.edge.Add(finished, [&](int tile_level, uint64_t index, std::span<const Hash> hashes) {
    batch.Put(TileKey(tile_level, index), rocksdb::Slice(reinterpret_cast<const char*>(hashes.data()), hashes.size_bytes()));
  });
  batch.Put(EntryKey(seq), rocksdb::Slice(reinterpret_cast<const char*>(entry.data()), entry.size()));
  batch.Put(AgencyEventIdKey(agency, event_id), EncodeU64(seq));
  batch.Put(StreamKey(subject), EncodeU64(stream_version));
  batch.Put(StreamIndexKey(subject, stream_version), EncodeU64(seq));
  if (administrative) batch.Put(AdminKey(seq), "");
}

}  // namespace

void Ledger::SetAppendGuard(std::shared_ptr<AppendGuard> guard) {
  std::lock_guard lock(queue_mutex_);
  guard_ = std::move(guard);
}

void Ledger::SetPersonalKeys(std::shared_ptr<PersonalKeys> keys) {
  std::lock_guard lock(queue_mutex_);
  personal_keys_ = std::move(keys);
}

std::shared_ptr<PersonalKeys> Ledger::personal_keys() const {
  std::lock_guard lock(queue_mutex_);
  return personal_keys_;
}

bool Ledger::guarded() const {
  std::lock_guard lock(queue_mutex_);
  return guard_ != nullptr && guard_->active();
}

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

rocksdb::Status Ledger::SyncedWrite(rocksdb::WriteBatch& batch) {
  rocksdb::WriteOptions options;
  options.sync = true;
  std::lock_guard lock(db_write_mutex_);
  return db_->Write(options, &batch);
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
        const bool administrative =
            queue_.front()->refused.ok() && events::IsAdministrative(queue_.front()->view.event->body_type());
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
    std::lock_guard lock(queue_mutex_);
    state.guard = guard_;
  }
  {
    std::shared_lock lock(state_mutex_);
    state.range = range_;
    CREDITLOG_CHECK(edge_.has_value());  // a writable ledger stores its tree as tiles (MigrateToTiles)
    state.edge = *edge_;
    seq = range_.size();
    state.last_recorded_at_ms = last_recorded_at_ms_;
  }
  state.stream_seq = applied_stream_seq_.load(std::memory_order_acquire);
  state.now_ms = std::max(NowMs(), state.last_recorded_at_ms);  // non-decreasing along the log
  const uint64_t first_seq = seq;
  rocksdb::WriteBatch batch;
  std::vector<Result<AppendResult>> results;
  results.reserve(items.size());
  CommitStats stats;
  Status written;
  for (auto& item : items) {
    if (item->stream && item->stream->stream_seq <= state.stream_seq) {
      results.push_back(Status::InvalidArgument("stream message " + std::to_string(item->stream->stream_seq) +
                                                " is not after the last one applied (" + std::to_string(state.stream_seq) + ")"));
      continue;
    }
    results.push_back(Stage(*item, seq, state, batch));
    if (results.back().ok() && !results.back()->duplicate) {
      ++seq;
      stats.types.push_back(static_cast<uint8_t>(item->view.event->body_type()));
    }
    if (item->stream) {
      state.stream_items = true;
      state.stream_seq = item->stream->stream_seq;
      if (!results.back().ok()) {
        const Status& refused = results.back().status();
        // A refusal is recorded only when every node would make it: a failure to read this
        // node's own database says nothing about the message, so the batch fails instead.
        if (IsNodeFailure(refused.code())) {
          written = refused.WithContext("applying stream message " + std::to_string(item->stream->stream_seq));
        }
        batch.Put(StreamRejectedKey(item->stream->stream_seq), refused.message());
      }
    }
  }
  if (state.stream_items) batch.Put(MetaKey(kMetaStreamSeq), EncodeU64(state.stream_seq));
  if (written.ok() && (seq > first_seq || state.stream_items)) {
    if (seq > first_seq) batch.Put(MetaKey(kMetaSize), EncodeU64(seq));
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
    edge_ = std::move(state.edge);
    last_recorded_at_ms_ = state.last_recorded_at_ms;
    for (size_t i = 0; i < items.size(); ++i) {
      if (results[i].ok() && !results[i]->duplicate) registry_.Apply(*items[i]->view.event, results[i]->seq);
    }
    size_.store(seq, std::memory_order_release);
    if (state.stream_items) applied_stream_seq_.store(state.stream_seq, std::memory_order_release);
  }
  stats.events = seq - first_seq;
  // Erasures: the record is durable, so the key goes now, before the erasure is acknowledged
  // (again for a duplicate: running erase again finishes an erasure a crash interrupted).
  if (std::shared_ptr<PersonalKeys> keys = personal_keys(); keys != nullptr) {
    for (size_t i = 0; i < items.size(); ++i) {
      if (!results[i].ok()) continue;
      const fb::Event& event = *items[i]->view.event;
      if (event.body_type() != fb::EventBody::ErasureRecorded) continue;
      Status destroyed = keys->Destroy(event.body_as_ErasureRecorded()->person()->string_view());
      if (!destroyed.ok()) {
        results[i] = Status::IOError("the erasure is recorded at seq " + std::to_string(results[i]->seq) +
                                     " but the person's key was not destroyed (" + destroyed.message() +
                                     "); record it again to finish");
      }
    }
  }
  if (commit_observer_ && stats.events > 0) commit_observer_(stats);
  for (size_t i = 0; i < items.size(); ++i) items[i]->done(std::move(results[i]));
}

Result<AppendResult> Ledger::Stage(Pending& item, uint64_t seq, BatchState& state, rocksdb::WriteBatch& batch) {
  if (!item.refused.ok()) return item.refused;
  const fb::Event& event = *item.view.event;
  const std::string event_id = event.event_id()->str();
  // Never before an entry staged earlier (a stream message's time may be later than the clock).
  int64_t recorded_at_ms = std::max(state.now_ms, state.last_recorded_at_ms);
  if (item.stream) {
    // The stream's time, made monotonic: the same on every node that applies the stream.
    recorded_at_ms = std::max(item.stream->stream_time_ms, state.last_recorded_at_ms);
    RETURN_IF_ERROR(CheckSignedAt(event.signed_at_ms(), recorded_at_ms));
  }
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
  // original result.
  const std::string agency = registry_.AgencyOf(item.view.public_key, event);
  ASSIGN_OR_RETURN(auto earlier, EarlierAppend(*this, item, state, agency, event_id, recorded_at_ms));
  if (earlier) return *earlier;
  // 3. An administrative event's own preconditions (a key registered twice, ...).
  if (seq > 0) RETURN_IF_ERROR(registry_.CheckAdministrative(item.view.public_key, event));
  // 4. The subject stream's version.
  const std::string subject = Str(event.subject());
  ASSIGN_OR_RETURN(const uint64_t version, CurrentStreamVersion(*this, state, subject));
  if (event.expected_version() >= 0 && static_cast<uint64_t>(event.expected_version()) != version) {
    return Status::Conflict("subject '" + subject + "': expected version " + std::to_string(event.expected_version()) +
                            ", but the stream is at version " + std::to_string(version));
  }
  // 5. The rules that need the facts recorded before it (a mirror's entries were admitted by its primary).
  if (state.guard && !item.mirrored) RETURN_IF_ERROR(state.guard->Admit(event, seq, recorded_at_ms, agency));
  // 6. The entry, its tree nodes and indexes.
  const uint64_t stream_version = version + 1;
  Bytes entry = BuildEntry(seq, recorded_at_ms, stream_version, CanonicalEnvelope(item.view));
  auto check = ParseEntry(entry);  // verify right before the write, in every build
  CREDITLOG_CHECK(check.ok() && check->seq == seq);
  if (item.mirrored && entry != item.envelope) {
    return Status::Corruption("the entry does not rebuild byte for byte from its envelope");
  }
  PutEntry(batch, state, seq, entry, agency, event_id, subject, stream_version,
           events::IsAdministrative(event.body_type()));
  state.event_ids[ScopedEventId(agency, event_id)] = {seq, stream_version, &item};
  state.stream_versions[subject] = stream_version;
  state.last_recorded_at_ms = recorded_at_ms;
  return AppendResult{seq, stream_version, recorded_at_ms, false};
}

}  // namespace creditlog::ledger
