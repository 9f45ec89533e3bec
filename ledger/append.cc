// The append path, the caller's side: every check that needs no ledger state (structure,
// fields, signature) runs in the calling thread — on all cores for a batch — and the append
// is queued for the single writer (writer.cc), which alone decides and commits.
#include <algorithm>
#include <future>
#include <memory>
#include <optional>
#include <shared_mutex>

#include "events/personal.h"
#include "ledger/format.h"
#include "ledger/ledger.h"
#include "ledger/parallel.h"
#include "ledger/pending.h"

namespace creditlog::ledger {
namespace {

// Sets *done to fulfil the returned future: the blocking forms of the callback appends.
std::future<Result<AppendResult>> PromiseFor(AppendCallback* done) {
  auto promise = std::make_shared<std::promise<Result<AppendResult>>>();
  *done = [promise](Result<AppendResult> r) { promise->set_value(std::move(r)); };
  return promise->get_future();
}

// A debug build verifies even the signatures this process has just made
// (AppendSignedHereWithCallback); a release build trusts them, and the audit checks them later.
#ifdef NDEBUG
inline constexpr bool kVerifySignedHere = false;
#else
inline constexpr bool kVerifySignedHere = true;
#endif

}  // namespace

// signed_at_ms is the signer's clock, not ours, but a new event claiming to be signed long
// ago or in the future is refused. 0 means the signer did not say.
Status CheckSignedAt(int64_t signed_at_ms, int64_t now_ms) {
  if (signed_at_ms == 0) return Status::Ok();
  if (signed_at_ms >= now_ms - kSignedAtPastMaxMs && signed_at_ms <= now_ms + kSignedAtFutureMaxMs) return Status::Ok();
  return Status::InvalidArgument("signed_at_ms: " + std::to_string(signed_at_ms) + " is outside the accepted window (" +
                                 std::to_string(kSignedAtPastMaxMs / (24 * 3600 * 1000)) + " days before to " +
                                 std::to_string(kSignedAtFutureMaxMs / (60 * 1000)) +
                                 " minutes after the ledger's clock, in milliseconds since 1970 UTC; 0 when not given)");
}

namespace {

bool HasPersonalFields(const events::EnvelopeView& view) {
  return !events::PersonalFields(*view.event).empty() || view.envelope->openings() != nullptr ||
         view.envelope->sealed() != nullptr;
}

// A stream message's personal fields arrive sealed by the node that took the write
// (PrepareForStream): commitments in the event, the boxes in `sealed`, no openings. Every node
// stores those bytes as they are (docs/cluster.md, "Personal information").
Status CheckSealedForStream(const events::EnvelopeView& view) {
  if (view.envelope->openings() != nullptr || view.envelope->sealed() == nullptr) {
    return Status::InvalidArgument("personal fields reach the stream sealed by the node that took the write, "
                                   "with no openings (docs/cluster.md, \"Personal information\")");
  }
  for (const events::PersonalField& f : events::PersonalFields(*view.event)) {
    if (!events::IsSealedMarker(f.value)) return Status::InvalidArgument(f.path + ": is not sealed");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Ledger::Pending>> Ledger::Prepare(Bytes envelope, bool signed_here, Intake intake) const {
  auto pending = std::make_unique<Pending>();
  pending->envelope = std::move(envelope);
  ASSIGN_OR_RETURN(pending->view, events::ParseEnvelope(pending->envelope));
  RETURN_IF_ERROR(events::ValidateEvent(*pending->view.event, events::FieldRules::kNew));
  // From the stream, signed_at is checked by the writer against the recorded time.
  if (intake != Intake::kStream) RETURN_IF_ERROR(CheckSignedAt(pending->view.event->signed_at_ms(), NowMs()));
  if (!signed_here || kVerifySignedHere) RETURN_IF_ERROR(events::VerifyEnvelopeSignature(pending->view, origin_));
  // Sealed already (an entry of another ledger of this origin, resubmitted to a cluster): taken
  // as the stream takes it; its boxes open where they were sealed.
  const bool sealed_already = pending->view.envelope->sealed() != nullptr && pending->view.envelope->openings() == nullptr;
  if (intake == Intake::kStream || (intake == Intake::kForStream && sealed_already)) {
    if (HasPersonalFields(pending->view)) RETURN_IF_ERROR(CheckSealedForStream(pending->view));
    return pending;
  }
  // Personal fields: sealed by the key store, or refused (ledger/personal_keys.h).
  if (std::shared_ptr<PersonalKeys> keys = personal_keys(); keys != nullptr) {
    ASSIGN_OR_RETURN(Bytes sealed, keys->SealEnvelope(pending->view));
    if (!sealed.empty()) {
      pending->envelope = std::move(sealed);
      auto view = events::ParseEnvelope(pending->envelope);
      if (!view.ok()) return view.status().WithContext("sealing personal fields");
      pending->view = *view;
    }
  } else if (HasPersonalFields(pending->view)) {
    return Status::InvalidArgument("this ledger keeps no personal key store, so it cannot record personal information "
                                   "(docs/privacy.md, \"Erasure\")");
  }
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

void Ledger::AppendWithCallback(Bytes envelope, AppendCallback done) { Submit(std::move(envelope), false, std::move(done)); }

void Ledger::AppendSignedHereWithCallback(Bytes envelope, AppendCallback done) { Submit(std::move(envelope), true, std::move(done)); }

void Ledger::Submit(Bytes envelope, bool signed_here, AppendCallback done) {
  if (Status writable = CheckWritable(); !writable.ok()) return done(writable);
  auto pending = Prepare(std::move(envelope), signed_here);
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

std::vector<AppendCallback> CollectResults(size_t n, BatchCallback done) {
  if (n == 0) {
    done({});
    return {};
  }
  struct Shared {
    std::mutex mutex;
    std::vector<std::optional<Result<AppendResult>>> results;
    size_t remaining = 0;
    BatchCallback done;
  };
  auto shared = std::make_shared<Shared>();
  shared->results.resize(n);
  shared->remaining = n;
  shared->done = std::move(done);
  std::vector<AppendCallback> callbacks;
  callbacks.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    callbacks.push_back([shared, i](Result<AppendResult> r) {
      std::unique_lock lock(shared->mutex);
      shared->results[i].emplace(std::move(r));
      if (--shared->remaining > 0) return;
      lock.unlock();
      std::vector<Result<AppendResult>> out;
      out.reserve(shared->results.size());
      for (auto& result : shared->results) out.push_back(std::move(*result));
      shared->done(std::move(out));
    });
  }
  return callbacks;
}

void Ledger::AppendManyWithCallback(std::vector<Bytes> envelopes, BatchCallback done) {
  const size_t n = envelopes.size();
  std::vector<AppendCallback> finish = CollectResults(n, std::move(done));
  if (n == 0) return;
  Status writable = CheckWritable();
  std::vector<std::unique_ptr<Pending>> queued;
  std::vector<std::pair<size_t, Status>> refused;
  for (size_t i = 0; i < n; ++i) {
    auto pending = writable.ok() ? Prepare(std::move(envelopes[i])) : Result<std::unique_ptr<Pending>>(writable);
    if (!pending.ok()) {
      refused.emplace_back(i, pending.status());
      continue;
    }
    (*pending)->done = std::move(finish[i]);
    queued.push_back(std::move(*pending));
  }
  if (!queued.empty()) {
    if (Status all = EnqueueAll(queued); !all.ok()) {
      // Nothing of the batch was queued: every envelope gets the queue's answer.
      for (auto& item : queued) item->done(all);
    }
  }
  for (auto& [i, status] : refused) finish[i](status);
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

void Ledger::AppendFromStream(Bytes envelope, StreamPosition position, AppendCallback done) {
  if (Status writable = CheckWritable(); !writable.ok()) return done(writable);
  auto prepared = Prepare(std::move(envelope), /*signed_here=*/false, Intake::kStream);
  std::unique_ptr<Pending> item;
  if (prepared.ok()) {
    item = std::move(*prepared);
  } else {
    // Refused at its position all the same: the writer records the refusal there.
    item = std::make_unique<Pending>();
    item->refused = prepared.status();
  }
  item->stream = position;
  item->done = std::move(done);
  Status queued = Enqueue(item, /*wait_for_space=*/true);
  if (!queued.ok()) item->done(queued);
}

Result<std::optional<std::string>> Ledger::StreamRejection(uint64_t stream_seq) const {
  return Get(StreamRejectedKey(stream_seq));
}

Result<Bytes> Ledger::PrepareForStream(Bytes envelope, bool check_key) const {
  RETURN_IF_ERROR(CheckWritable());
  ASSIGN_OR_RETURN(auto pending, Prepare(std::move(envelope), /*signed_here=*/false, Intake::kForStream));
  if (check_key) {
    std::shared_lock lock(state_mutex_);
    RETURN_IF_ERROR(registry_.AuthorizeSigner(pending->view.public_key, *pending->view.event, size()));
  }
  return std::move(pending->envelope);
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

}  // namespace creditlog::ledger
