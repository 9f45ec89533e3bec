// Cluster mode over NATS JetStream, with the NATS C client (libnats). See cluster_node.h.
#include "api/cluster/cluster_node.h"

#include <nats/nats.h>

#include <algorithm>

#include "api/log.h"
#include "crypto/sha256.h"
#include "events/event.h"

namespace creditlog::api {
namespace {

// The header naming the local request a published message answers (this node's own counter;
// the applied bytes are the message's data alone).
constexpr const char* kRequestHeader = "Creditlog-Request";

std::string NatsError(natsStatus s, std::string_view what) {
  std::string message = std::string(what) + ": " + natsStatus_GetText(s);
  natsStatus last = NATS_OK;
  if (const char* text = nats_GetLastError(&last); text != nullptr && *text != '\0') message += " (" + std::string(text) + ")";
  return message;
}

Status Unavailable(natsStatus s, std::string_view what) { return Status::Unavailable(NatsError(s, what)); }

int64_t Ms(std::chrono::milliseconds d) { return static_cast<int64_t>(d.count()); }

// What makes two envelopes the same event, as the ledger's idempotency sees it: the signing key
// and the signed event bytes (not the sealed boxes, which each sealing makes anew).
Hash EventHash(const events::EnvelopeView& view) {
  Bytes key_and_event(view.public_key.begin(), view.public_key.end());
  key_and_event.insert(key_and_event.end(), view.event_bytes.begin(), view.event_bytes.end());
  return Sha256(key_and_event);
}

// A stream message's: bytes that are no envelope stand for themselves.
Hash EventHash(ByteView message) {
  auto view = events::ParseEnvelope(message);
  return view.ok() ? EventHash(*view) : Sha256(message);
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

struct ClusterNode::Nats {
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;
  natsSubscription* subscription = nullptr;  // the applier's ordered consumer
  ~Nats() {
    if (subscription != nullptr) natsSubscription_Destroy(subscription);
    if (js != nullptr) jsCtx_Destroy(js);
    if (connection != nullptr) {
      natsConnection_Close(connection);
      natsConnection_Destroy(connection);
    }
    if (options != nullptr) natsOptions_Destroy(options);
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
  std::vector<const char*> servers;
  for (const std::string& url : urls) servers.push_back(url.c_str());
  natsStatus s = natsOptions_Create(&n.options);
  if (s == NATS_OK) s = natsOptions_SetServers(n.options, servers.data(), static_cast<int>(servers.size()));
  if (s == NATS_OK) s = natsOptions_SetTimeout(n.options, Ms(kClusterConnectTimeout));
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(n.options, -1);  // forever: the cluster comes back
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(n.options, Ms(kClusterReconnectWait));
  if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(n.options, true, nullptr, nullptr);
  if (s != NATS_OK) return Unavailable(s, "setting up the NATS connection");
  s = natsConnection_Connect(&n.connection, n.options);
  if (s != NATS_OK) return Unavailable(s, "connecting to " + nlohmann::json(urls).dump());
  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.PublishAsync.MaxPending = kClusterPublishPendingMax;
  js_options.PublishAsync.AckHandler = [](jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
    auto* self = static_cast<ClusterNode*>(closure);
    const char* request = nullptr;
    if (natsMsgHeader_Get(msg, kRequestHeader, &request) == NATS_OK && request != nullptr) {
      const uint64_t id = std::strtoull(request, nullptr, 10);
      if (pa != nullptr) {
        self->OnAck(id, std::make_pair(pa->Sequence, pa->Duplicate));
      } else {
        self->OnAck(id, Status::Unavailable("the stream did not take the event (" +
                                            std::string(pae != nullptr ? pae->ErrText : "no answer") +
                                            "); send it again with the same event id"));
      }
    }
    natsMsg_Destroy(msg);
  };
  js_options.PublishAsync.AckHandlerClosure = node.get();
  s = natsConnection_JetStream(&n.js, n.connection, &js_options);
  if (s != NATS_OK) return Unavailable(s, "opening JetStream");
  // The stream: created when missing, with file storage, replicated, kept forever (a node that
  // starts empty applies it from its first message).
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const auto deadline = std::chrono::steady_clock::now() + kClusterStreamWait;
  for (;;) {
    s = js_GetStreamInfo(&info, n.js, options.stream.c_str(), nullptr, &code);
    if (s == NATS_OK || s == NATS_NOT_FOUND || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(kClusterReconnectWait);  // JetStream not ready yet
  }
  if (s == NATS_NOT_FOUND) {
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    config.Name = options.stream.c_str();
    const char* subjects[] = {node->subject_.c_str()};
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    config.Replicas = options.replicas > 0 ? options.replicas : std::min<int64_t>(3, static_cast<int64_t>(urls.size()));
    config.Duplicates = std::chrono::duration_cast<std::chrono::nanoseconds>(kClusterDuplicateWindow).count();
    for (;;) {
      s = js_AddStream(&info, n.js, &config, nullptr, &code);
      if (s == NATS_OK || std::chrono::steady_clock::now() > deadline) break;
      // Another node created it meanwhile: use it.
      if (js_GetStreamInfo(&info, n.js, options.stream.c_str(), nullptr, &code) == NATS_OK) break;
      std::this_thread::sleep_for(kClusterReconnectWait);
    }
    if (s != NATS_OK && info == nullptr) {
      return Unavailable(s, "creating stream " + options.stream + " (JetStream error " + std::to_string(code) + ")");
    }
    if (s == NATS_OK) {
      Log(spdlog::level::info, "created the intake stream",
          {{"stream", options.stream}, {"subject", node->subject_}, {"replicas", config.Replicas}});
    }
  } else if (s != NATS_OK) {
    return Unavailable(s, "reading stream " + options.stream + " (JetStream error " + std::to_string(code) + ")");
  }
  jsStreamInfo_Destroy(info);
  return node;
}

Status ClusterNode::StartApplying() {
  if (!ledger_.guarded()) {
    return Status::InvalidArgument("a cluster node applies the stream only with the rules of the log as its admission "
                                   "guard: they are an input of every append");
  }
  jsSubOptions sub_options;
  jsSubOptions_Init(&sub_options);
  sub_options.Stream = options_.stream.c_str();
  sub_options.Ordered = true;
  const uint64_t start = ledger_.applied_stream_seq() + 1;
  sub_options.Config.DeliverPolicy = start > 1 ? js_DeliverByStartSequence : js_DeliverAll;
  if (start > 1) sub_options.Config.OptStartSeq = start;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_SubscribeSync(&nats_->subscription, nats_->js, subject_.c_str(), nullptr, &sub_options, &code);
  if (s != NATS_OK) return Unavailable(s, "subscribing to " + subject_ + " (JetStream error " + std::to_string(code) + ")");
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
    const Hash hash = EventHash(envelope);
    {
      std::lock_guard lock(mutex_);
      ++in_ledger_;
    }
    ledger_.AppendFromStream(std::move(envelope), {.stream_seq = stream_seq, .stream_time_ms = stream_time_ms},
                             [this, stream_seq, hash](Result<ledger::AppendResult> r) { OnApplied(stream_seq, hash, std::move(r)); });
  }
}

void ClusterNode::OnApplied(uint64_t stream_seq, const Hash& envelope_hash, Result<ledger::AppendResult> result) {
  std::vector<Waiter> answer;
  Applied applied{envelope_hash, std::move(result)};
  {
    std::lock_guard lock(mutex_);
    // A failure of this node (its writer stopped) applied nothing: the waiters hear of it, but
    // the position stays where it was, so that the node resumes there once reopened.
    const bool node_failed = !applied.result.ok() && ledger::IsNodeFailure(applied.result.status().code());
    if (!node_failed) {
      applied_through_ = std::max(applied_through_, stream_seq);
      if (!applied.result.ok()) ++rejected_;
      recent_.emplace(stream_seq, applied);
      while (recent_.size() > kClusterRecentResultsMax) recent_.erase(recent_.begin());
    }
    --in_ledger_;
    auto [begin, end] = waiting_.equal_range(stream_seq);
    for (auto it = begin; it != end; ++it) answer.push_back(std::move(it->second));
    waiting_.erase(begin, end);
  }
  applied_changed_.notify_all();
  for (const Waiter& waiter : answer) Answer(waiter, stream_seq, applied);
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

void ClusterNode::OnAck(uint64_t request, Result<std::pair<uint64_t, bool>> ack) {
  Waiter waiter;
  std::optional<Applied> applied;
  uint64_t stream_seq = 0;
  {
    std::lock_guard lock(mutex_);
    auto it = unacknowledged_.find(request);
    if (it == unacknowledged_.end()) return;  // answered already (stopping)
    waiter.envelope_hash = it->second.first;
    waiter.done = std::move(it->second.second);
    unacknowledged_.erase(it);
    if (ack.ok()) {
      stream_seq = ack->first;
      waiter.duplicate = ack->second;
      if (stream_seq <= applied_through_) {
        if (auto done = recent_.find(stream_seq); done != recent_.end()) {
          applied = done->second;
        } else {
          applied = Applied{waiter.envelope_hash,
                            Status::Unavailable("stream message " + std::to_string(stream_seq) +
                                                " was applied too long ago to answer; look the event up by its id")};
        }
      } else {
        if (!stopping_.load()) {
          waiting_.emplace(stream_seq, std::move(waiter));
          return;
        }
        applied = Applied{waiter.envelope_hash, Status::Unavailable("the node is stopping")};
      }
    }
  }
  if (!ack.ok()) return waiter.done(ack.status());
  Answer(waiter, stream_seq, *applied);
}

void ClusterNode::Submit(Bytes envelope, ledger::AppendCallback done) { Publish(std::move(envelope), true, std::move(done)); }

bool ClusterNode::Publish(Bytes envelope, bool check_key, ledger::AppendCallback done) {
  if (stopping_.load()) {
    done(Status::Unavailable("the node is stopping"));
    return false;
  }
  auto prepared = ledger_.PrepareForStream(envelope, check_key);
  if (prepared.status().code() == StatusCode::kPermissionDenied && CatchUp(kClusterKeyCheckWait).ok()) {
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
  // The message id: the event id, scoped by the signing key as the ledger scopes ids by agency.
  const std::string msg_id = HexEncode(ByteView(view->public_key.data(), view->public_key.size())).substr(0, 32) + ":" +
                             view->event->event_id()->str();
  const bool administrative = events::IsAdministrative(view->event->body_type());
  uint64_t request = 0;
  {
    std::lock_guard lock(mutex_);
    request = next_request_++;
    unacknowledged_.emplace(request, std::make_pair(EventHash(*view), std::move(done)));
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
  if (s == NATS_OK) s = js_PublishMsgAsync(nats_->js, &msg, &pub_options);
  if (msg != nullptr) natsMsg_Destroy(msg);  // still ours: not published
  if (s != NATS_OK) OnAck(request, Unavailable(s, "publishing to " + subject_));
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
  if (s != NATS_OK) return Unavailable(s, "reading stream " + options_.stream);
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
          {"waiting", waiting_.size() + unacknowledged_.size()}};
}

void ClusterNode::Stop() {
  if (stopping_.exchange(true)) return;
  if (applier_.joinable()) applier_.join();
  {
    // The ledger calls OnApplied for every message handed to it (its writer answers even when
    // it has stopped): wait for them, since they name this node.
    std::unique_lock lock(mutex_);
    applied_changed_.wait(lock, [&] { return in_ledger_ == 0; });
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
    for (auto& [request, pending] : unacknowledged_) left.push_back(std::move(pending.second));
    unacknowledged_.clear();
    for (auto& [seq, waiter] : waiting_) left.push_back(std::move(waiter.done));
    waiting_.clear();
  }
  for (auto& done : left) done(Status::Unavailable("the node stopped before it applied the event; look it up by its id"));
  nats_.reset();
}

}  // namespace creditlog::api
