// Cluster mode over NATS JetStream, with the NATS C client (libnats). See cluster_node.h.
#include "api/cluster/cluster_node.h"

#include <nats/nats.h>

#include <algorithm>

#include "api/log.h"
#include "crypto/sha256.h"
#include "events/event.h"
#include "ledger/entry.h"

namespace creditlog::api {
namespace {

// The header naming the local request a published message answers (this node's own counter;
// the applied bytes are the message's data alone).
constexpr const char* kRequestHeader = "Creditlog-Request";

// What makes two envelopes the same event, as the ledger's idempotency sees it: the signing key
// and the signed event bytes (not the sealed boxes, which each sealing makes anew).
Hash EventHash(const events::EnvelopeView& view) {
  Bytes key_and_event(view.public_key.begin(), view.public_key.end());
  key_and_event.insert(key_and_event.end(), view.event_bytes.begin(), view.event_bytes.end());
  return Sha256(key_and_event);
}

// The answer to a write whose message was applied here without being found by its id.
Status Unfound() {
  return Status::Unavailable("the stream holds this event from before: look it up by its id (it was refused at its position, "
                             "or applied too long ago to answer here)");
}

// The message id of an envelope: the event id, scoped by the signing key as the ledger scopes
// ids by agency.
std::string MessageId(const events::EnvelopeView& view) {
  return HexEncode(ByteView(view.public_key.data(), view.public_key.size())).substr(0, 32) + ":" + view.event->event_id()->str();
}

// A stream message's event hash and message id: bytes that are no envelope stand for
// themselves, with no id.
std::pair<Hash, std::string> Identity(ByteView message) {
  auto view = events::ParseEnvelope(message);
  if (!view.ok()) return {Sha256(message), ""};
  return {EventHash(*view), MessageId(*view)};
}

}  // namespace

std::string ClusterIntakeSubject(const std::string& stream) { return stream + ".intake"; }

Status CheckClusterUrls(const std::vector<std::string>& urls) {
  if (urls.empty()) return Status::InvalidArgument("--cluster: no NATS server given");
  if (urls.size() > kClusterServersMax) {
    return Status::InvalidArgument("--cluster: " + std::to_string(urls.size()) + " URLs; at most " + std::to_string(kClusterServersMax));
  }
  for (const std::string& url : urls) {
    if (!url.starts_with("nats://") || url.size() <= 7 || url.find_first_of(" \t") != std::string::npos) {
      return Status::InvalidArgument("--cluster: '" + url + "' is not a nats://HOST:PORT URL");
    }
  }
  return Status::Ok();
}

struct ClusterNode::Nats : NatsLink {
  natsSubscription* subscription = nullptr;  // the applier's ordered consumer
  ~Nats() {
    if (subscription != nullptr) natsSubscription_Destroy(subscription);
  }
};

ClusterNode::ClusterNode(ledger::Ledger& ledger, ClusterOptions options)
    : ledger_(ledger), options_(std::move(options)), subject_(ClusterIntakeSubject(options_.stream)),
      nats_(std::make_unique<Nats>()) {}

ClusterNode::~ClusterNode() { Stop(); }

Result<std::unique_ptr<ClusterNode>> ClusterNode::Connect(ledger::Ledger& ledger, const ClusterOptions& options) {
  RETURN_IF_ERROR(CheckClusterUrls(options.urls));
  const std::vector<std::string>& urls = options.urls;
  if (options.stream.empty() || options.stream.size() > kClusterStreamNameBytesMax ||
      options.stream.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos) {
    return Status::InvalidArgument("--stream: '" + options.stream + "' is not a stream name (1.." +
                                   std::to_string(kClusterStreamNameBytesMax) + " letters, digits, '_' or '-')");
  }
  if (options.replicas < 0 || options.replicas > kClusterReplicasMax) {
    return Status::InvalidArgument("replicas: " + std::to_string(options.replicas) + " is not 0.." + std::to_string(kClusterReplicasMax));
  }
  if (ledger.is_mirror()) return Status::InvalidArgument("a mirror cannot be a cluster node: it takes entries from its primary");
  std::unique_ptr<ClusterNode> node(new ClusterNode(ledger, options));
  node->applied_through_ = ledger.applied_stream_seq();
  Nats& n = *node->nats_;
  const auto deadline = std::chrono::steady_clock::now() + kClusterStreamWait;
  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.PublishAsync.MaxPending = kClusterPublishPendingMax;
  js_options.PublishAsync.AckHandler = [](jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
    auto* self = static_cast<ClusterNode*>(closure);
    const char* request = nullptr;
    if (natsMsgHeader_Get(msg, kRequestHeader, &request) == NATS_OK && request != nullptr) {
      const uint64_t id = std::strtoull(request, nullptr, 10);
      if (pa != nullptr) {
        self->OnAck(id, std::make_pair(static_cast<bool>(pa->Duplicate), static_cast<uint64_t>(pa->Sequence)));
      } else if (pae != nullptr && pae->Err == NATS_TIMEOUT) {
        self->OnAck(id, Status::Unavailable("JetStream did not acknowledge the event within " +
                                            std::to_string(kClusterAckWait.count()) +
                                            " ms; send it again with the same event id (a copy it stored is found)"));
      } else {
        const char* text = pae != nullptr && pae->ErrText != nullptr ? pae->ErrText : "no answer";
        self->OnAck(id, Status::Unavailable("the stream did not take the event (" + std::string(text) +
                                            "); send it again with the same event id"));
      }
    }
    natsMsg_Destroy(msg);
  };
  js_options.PublishAsync.AckHandlerClosure = node.get();
  RETURN_IF_ERROR(n.Connect(urls, &js_options, deadline));
  // The stream: created when missing, with file storage, replicated, kept forever (a node that
  // starts empty applies it from its first message).
  const int replicas = options.replicas > 0 ? options.replicas : static_cast<int>(std::min<size_t>(3, urls.size()));
  ASSIGN_OR_RETURN(StreamStanding stream, EnsureStream(n.js, options.stream, node->subject_, replicas, deadline));
  if (stream.created) {
    Log(spdlog::level::info, "created the intake stream", {{"stream", options.stream}, {"subject", node->subject_}, {"replicas", replicas}});
  }
  return node;
}

Status ClusterNode::StartApplying() {
  if (!ledger_.guarded()) {
    return Status::InvalidArgument("a cluster node applies the stream only with the rules of the log as its admission "
                                   "guard: they are an input of every append");
  }
  const uint64_t start = ledger_.applied_stream_seq() + 1;
  // JetStream may be electing a leader (a NATS server restarted): tried until kClusterStreamWait.
  ASSIGN_OR_RETURN(nats_->subscription,
                   SubscribeOrdered(nats_->js, options_.stream, subject_, start, std::chrono::steady_clock::now() + kClusterStreamWait));
  applier_ = std::thread([this] { ApplyLoop(); });
  Log(spdlog::level::info, "applying the stream", {{"stream", options_.stream}, {"from", start}});
  return Status::Ok();
}

void ClusterNode::ApplyLoop() {
  uint64_t last = ledger_.applied_stream_seq();
  while (!stopping_.load()) {
    natsMsg* msg = nullptr;
    natsStatus s = natsSubscription_NextMsg(&msg, nats_->subscription, Ms(kClusterPollInterval));
    if (s == NATS_TIMEOUT) continue;
    if (s != NATS_OK) {
      if (!stopping_.load()) Log(spdlog::level::warn, "reading the stream", {{"error", NatsError(s, "next message")}});
      std::this_thread::sleep_for(kClusterPollInterval);
      continue;
    }
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, msg) != NATS_OK) {  // not a stream message (a flow-control reply is handled inside)
      natsMsg_Destroy(msg);
      continue;
    }
    const uint64_t stream_seq = meta->Sequence.Stream;
    const int64_t stream_time_ms = meta->Timestamp / 1'000'000;
    jsMsgMetaData_Destroy(meta);
    if (stream_seq <= last) {  // delivered again after a reconnection: applied already
      natsMsg_Destroy(msg);
      continue;
    }
    last = stream_seq;
    const char* data = natsMsg_GetData(msg);
    Bytes envelope(reinterpret_cast<const uint8_t*>(data), reinterpret_cast<const uint8_t*>(data) + natsMsg_GetDataLength(msg));
    natsMsg_Destroy(msg);
    // Named, not a structured binding: lambdas capture them only from C++20 on, which clang 14
    // (the fuzz build's) does not do.
    const std::pair<Hash, std::string> identity = Identity(envelope);
    const Hash hash = identity.first;
    const std::string msg_id = identity.second;
    {
      std::lock_guard lock(mutex_);
      ++in_ledger_;
    }
    ledger_.AppendFromStream(std::move(envelope), {.stream_seq = stream_seq, .stream_time_ms = stream_time_ms},
                             [this, stream_seq, hash, msg_id](Result<ledger::AppendResult> r) {
                               OnApplied(stream_seq, hash, msg_id, std::move(r));
                             });
  }
}

void ClusterNode::OnApplied(uint64_t stream_seq, const Hash& envelope_hash, const std::string& msg_id,
                            Result<ledger::AppendResult> result) {
  std::vector<Waiter> answer;
  std::vector<Waiter> unfound;
  std::vector<Waiter> failed;
  Applied applied{envelope_hash, std::move(result), msg_id};
  {
    std::lock_guard lock(mutex_);
    // A failure of this node (its writer stopped) applied nothing: the waiters hear of it, but
    // the position stays where it was, so that the node resumes there once reopened.
    const bool node_failed = !applied.result.ok() && ledger::IsNodeFailure(applied.result.status().code());
    if (node_failed) {
      // Nothing more is applied here: the writes waiting for their messages hear of it now.
      for (auto& [id, waiter] : acknowledged_) failed.push_back(std::move(waiter));
      acknowledged_.clear();
      acknowledged_by_seq_.clear();
      if (!failure_logged_) {
        failure_logged_ = true;
        Log(spdlog::level::err, "this node stopped applying the stream; restart it to resume after the last message applied",
            {{"stream_seq", stream_seq}, {"applied_stream_seq", applied_through_}, {"error", applied.result.status().ToString()}});
      }
    } else {
      applied_through_ = std::max(applied_through_, stream_seq);
      if (!applied.result.ok()) ++rejected_;
      recent_.emplace(stream_seq, applied);
      if (!msg_id.empty()) recent_ids_[msg_id] = stream_seq;
      while (recent_.size() > kClusterRecentResultsMax) {
        const auto oldest = recent_.begin();
        if (auto id = recent_ids_.find(oldest->second.msg_id); id != recent_ids_.end() && id->second == oldest->first) {
          recent_ids_.erase(id);
        }
        recent_.erase(oldest);
      }
    }
    --in_ledger_;
    if (!msg_id.empty()) {
      auto [first, last] = acknowledged_.equal_range(msg_id);
      for (auto it = first; it != last; ++it) {
        acknowledged_by_seq_.erase({it->second.ack_seq + kClusterAckSeqSlack, msg_id});
        answer.push_back(std::move(it->second));
      }
      acknowledged_.erase(first, last);
    }
    unfound = TakeUnfound();
  }
  applied_changed_.notify_all();
  for (const Waiter& waiter : answer) Answer(waiter, stream_seq, applied);
  for (const Waiter& waiter : failed) {
    waiter.done(Status::Unavailable("this node stopped applying the stream (" + applied.result.status().message() +
                                    "); send the event again to another node"));
  }
  for (const Waiter& waiter : unfound) waiter.done(Unfound());
}

void ClusterNode::Answer(const Waiter& waiter, uint64_t stream_seq, const Applied& applied) {
  if (waiter.envelope_hash != applied.envelope_hash) {
    return waiter.done(Status::Conflict("another envelope with this signing key and event id was published " +
                                        std::string("less than ") + std::to_string(kClusterDuplicateWindow.count()) +
                                        " minutes ago (stream message " + std::to_string(stream_seq) + ")"));
  }
  if (!applied.result.ok()) return waiter.done(applied.result.status());
  ledger::AppendResult r = *applied.result;
  r.duplicate = r.duplicate || waiter.duplicate;
  waiter.done(r);
}

void ClusterNode::OnAck(uint64_t request, Result<std::pair<bool, uint64_t>> ack) {
  Waiter waiter;
  std::optional<Applied> applied;
  uint64_t stream_seq = 0;
  {
    std::lock_guard lock(mutex_);
    auto it = unacknowledged_.find(request);
    if (it == unacknowledged_.end()) return;  // answered already (stopping)
    waiter = std::move(it->second);
    unacknowledged_.erase(it);
    if (ack.ok()) {
      // The message is found by its id, not by the acknowledgement's sequence number (in a
      // clustered stream, after a leader change, it can name a neighbour of the message).
      waiter.duplicate = ack->first;
      waiter.ack_seq = ack->second;
      auto id = recent_ids_.find(waiter.msg_id);
      // A new message is after what this node had applied when it published; a duplicate may be
      // anywhere.
      if (id != recent_ids_.end() && (waiter.duplicate || id->second > waiter.applied_at_publish)) {
        stream_seq = id->second;
        applied = recent_.at(stream_seq);
      } else if (std::optional<Result<ledger::AppendResult>> logged = waiter.duplicate ? FromLog(waiter) : std::nullopt) {
        applied = Applied{waiter.envelope_hash, std::move(*logged), waiter.msg_id};
      } else if (failure_logged_) {
        applied = Applied{waiter.envelope_hash,
                          Status::Unavailable("this node stopped applying the stream; send the event again to another node"),
                          waiter.msg_id};
      } else if (applied_through_ >= waiter.ack_seq + kClusterAckSeqSlack) {
        applied = Applied{waiter.envelope_hash, Unfound(), waiter.msg_id};
      } else if (!stopping_.load()) {
        acknowledged_by_seq_.emplace(waiter.ack_seq + kClusterAckSeqSlack, waiter.msg_id);
        std::string key = waiter.msg_id;
        acknowledged_.emplace(std::move(key), std::move(waiter));
        return;
      } else {
        applied = Applied{waiter.envelope_hash, Status::Unavailable("the node is stopping"), waiter.msg_id};
      }
    }
  }
  if (!ack.ok()) return waiter.done(ack.status());
  Answer(waiter, stream_seq, *applied);
}

std::vector<ClusterNode::Waiter> ClusterNode::TakeUnfound() {
  std::vector<Waiter> unfound;
  while (!acknowledged_by_seq_.empty() && acknowledged_by_seq_.begin()->first <= applied_through_) {
    const std::string msg_id = acknowledged_by_seq_.begin()->second;
    acknowledged_by_seq_.erase(acknowledged_by_seq_.begin());
    auto [first, last] = acknowledged_.equal_range(msg_id);
    for (auto it = first; it != last; ++it) unfound.push_back(std::move(it->second));
    acknowledged_.erase(first, last);
  }
  return unfound;
}

std::optional<Result<ledger::AppendResult>> ClusterNode::FromLog(const Waiter& waiter) const {
  const ledger::KeyRegistry registry = ledger_.registry();
  const ledger::KeyRecord* record = registry.Find(waiter.key);
  if (record == nullptr) return std::nullopt;  // its registration is not applied here yet
  auto seq = ledger_.FindEventId(record->agency_uscc, waiter.event_id);
  if (!seq.ok()) return Result<ledger::AppendResult>(seq.status());
  if (!seq->has_value()) return std::nullopt;
  auto bytes = ledger_.Entry(**seq);
  if (!bytes.ok()) return Result<ledger::AppendResult>(bytes.status());
  auto entry = ledger::ParseEntry(*bytes);
  if (!entry.ok()) return Result<ledger::AppendResult>(entry.status());
  if (EventHash(entry->envelope) != waiter.envelope_hash) {
    return Result<ledger::AppendResult>(Status::Conflict("event id '" + waiter.event_id + "' of this agency is recorded at seq " +
                                                         std::to_string(entry->seq) + " with other bytes"));
  }
  return Result<ledger::AppendResult>(ledger::AppendResult{
      .seq = entry->seq, .stream_version = entry->stream_version, .recorded_at_ms = entry->recorded_at_ms, .duplicate = true});
}

void ClusterNode::Submit(Bytes envelope, ledger::AppendCallback done) { Publish(std::move(envelope), true, std::move(done)); }

bool ClusterNode::Publish(Bytes envelope, bool check_key, ledger::AppendCallback done) {
  {
    std::unique_lock lock(mutex_);
    if (stopping_.load()) {
      lock.unlock();
      done(Status::Unavailable("the node is stopping"));
      return false;
    }
    ++publishing_;  // Stop waits for it before it lets go of NATS
  }
  struct Finished {
    ClusterNode* node;
    ~Finished() {
      {
        std::lock_guard lock(node->mutex_);
        --node->publishing_;
      }
      node->applied_changed_.notify_all();
    }
  } finished{this};
  auto prepared = ledger_.PrepareForStream(envelope, check_key);
  if (prepared.status().code() == StatusCode::kPermissionDenied) {
    // The key may be registered in a message this node has not applied yet. Refused only once
    // the node has applied what the stream holds; until then, it cannot tell.
    if (Status caught_up = CatchUp(kClusterKeyCheckWait); !caught_up.ok()) {
      done(Status::Unavailable("this node is catching up with the stream (" + caught_up.message() +
                               ") and cannot yet judge the signing key; send the event again, here or to another node"));
      return false;
    }
    prepared = ledger_.PrepareForStream(envelope, check_key);
  }
  if (!prepared.ok()) {
    done(prepared.status());
    return false;
  }
  envelope = std::move(*prepared);  // personal fields sealed here
  auto view = events::ParseEnvelope(envelope);  // checked just now
  if (!view.ok()) {
    done(view.status());
    return false;
  }
  const std::string msg_id = MessageId(*view);
  const bool administrative = events::IsAdministrative(view->event->body_type());
  uint64_t request = 0;
  {
    std::lock_guard lock(mutex_);
    request = next_request_++;
    unacknowledged_.emplace(request, Waiter{.envelope_hash = EventHash(*view),
                                            .msg_id = msg_id,
                                            .key = view->public_key,
                                            .event_id = view->event->event_id()->str(),
                                            .duplicate = false,
                                            .applied_at_publish = applied_through_,
                                            .ack_seq = 0,
                                            .done = std::move(done)});
    ++published_;
  }
  natsMsg* msg = nullptr;
  natsStatus s = natsMsg_Create(&msg, subject_.c_str(), nullptr, reinterpret_cast<const char*>(envelope.data()),
                                static_cast<int>(envelope.size()));
  const std::string request_text = std::to_string(request);
  if (s == NATS_OK) s = natsMsgHeader_Set(msg, kRequestHeader, request_text.c_str());
  jsPubOptions pub_options;
  jsPubOptions_Init(&pub_options);
  pub_options.MsgId = msg_id.c_str();
  pub_options.MaxWait = Ms(kClusterAckWait);
  if (s == NATS_OK) s = js_PublishMsgAsync(nats_->js, &msg, &pub_options);
  if (msg != nullptr) natsMsg_Destroy(msg);  // still ours: not published
  if (s != NATS_OK) OnAck(request, NatsUnavailable(s, "publishing to " + subject_));
  return administrative;
}

void ClusterNode::SubmitMany(std::vector<Bytes> envelopes, ledger::BatchCallback done) {
  std::vector<ledger::AppendCallback> finish = ledger::CollectResults(envelopes.size(), std::move(done));
  bool after_administrative = false;
  for (size_t i = 0; i < envelopes.size(); ++i) {
    after_administrative = Publish(std::move(envelopes[i]), !after_administrative, std::move(finish[i])) || after_administrative;
  }
}

Status ClusterNode::CatchUp(std::chrono::milliseconds timeout) {
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&info, nats_->js, options_.stream.c_str(), nullptr, &code);
  if (s != NATS_OK) return NatsUnavailable(s, "reading stream " + options_.stream);
  const uint64_t last = info->State.LastSeq;
  jsStreamInfo_Destroy(info);
  std::unique_lock lock(mutex_);
  if (!applied_changed_.wait_for(lock, timeout, [&] { return applied_through_ >= last; })) {
    return Status::Unavailable("applied stream message " + std::to_string(applied_through_) + " of " + std::to_string(last) +
                               " after " + std::to_string(timeout.count()) + " ms");
  }
  return Status::Ok();
}

nlohmann::json ClusterNode::State() const {
  std::lock_guard lock(mutex_);
  return {{"stream", options_.stream},
          {"subject", subject_},
          {"servers", options_.urls},
          {"applied_stream_seq", applied_through_},
          {"published", published_},
          {"rejected", rejected_},
          {"waiting", unacknowledged_.size() + acknowledged_.size()}};
}

void ClusterNode::Stop() {
  if (stopping_.exchange(true)) return;
  if (applier_.joinable()) applier_.join();
  {
    // The ledger calls OnApplied for every message handed to it (its writer answers even when
    // it has stopped): wait for them, since they name this node; and for writes being checked
    // or published, which use the NATS connection let go of below.
    std::unique_lock lock(mutex_);
    applied_changed_.wait(lock, [&] { return in_ledger_ == 0 && publishing_ == 0; });
  }
  // Wait for the publishes in flight to be acknowledged (briefly), then answer the rest.
  if (nats_->js != nullptr) {
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MaxWait = Ms(kClusterConnectTimeout);
    (void)js_PublishAsyncComplete(nats_->js, &options);
  }
  std::vector<ledger::AppendCallback> left;
  {
    std::lock_guard lock(mutex_);
    for (auto& [request, pending] : unacknowledged_) left.push_back(std::move(pending.done));
    unacknowledged_.clear();
    for (auto& [id, waiter] : acknowledged_) left.push_back(std::move(waiter.done));
    acknowledged_.clear();
    acknowledged_by_seq_.clear();
  }
  for (auto& done : left) done(Status::Unavailable("the node stopped before it applied the event; look it up by its id"));
  nats_.reset();
}

}  // namespace creditlog::api
