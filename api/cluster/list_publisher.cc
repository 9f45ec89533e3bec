// List changes published to NATS JetStream, with the NATS C client. See list_publisher.h.
#include "api/cluster/list_publisher.h"

#include <nats/nats.h>

#include <algorithm>

#include "api/log.h"
#include "api/proof_bundle.h"
#include "api/views.h"
#include "base/clock.h"
#include "base/file.h"
#include "crypto/tlog_proof.h"
#include "ledger/entry.h"
#include "projections/ruleset.h"

namespace creditlog::api {

std::string ListStreamName(const std::string& stream) { return stream + "_LISTS"; }

std::string ListSubjectPrefix(const std::string& stream) {
  return stream == kClusterStreamDefault ? std::string("creditlog.lists") : "creditlog." + stream + ".lists";
}

std::string ListSubject(const std::string& stream, fb::ListKind list, std::string_view division) {
  return ListSubjectPrefix(stream) + "." + std::string(projections::ListName(list)) + "." +
         (division.empty() ? std::string("unknown") : std::string(division));
}

nlohmann::json ListChangeJson(const projections::ListChange& c) {
  return {{"seq", c.seq},
          {"index", c.index},
          {"change", c.change},
          {"subject", c.subject},
          {"division", c.division},
          {"list", projections::ListName(c.list)},
          {"list_zh", projections::ListChineseName(c.list)},
          {"day", Date(c.day)},
          {"since", Date(c.since)},
          {"until", c.until ? nlohmann::json(Date(*c.until)) : nlohmann::json(nullptr)},
          {"rule", c.rule},
          {"ruleset_version", c.ruleset_version},
          {"measures", c.measures}};
}

namespace {

// Where every change found was published, as a clean stop left it: valid only for the stream it
// names (a stream made again starts empty).
uint64_t ReadWatermark(const std::string& path, const std::string& stream, int64_t created_ns) {
  if (path.empty()) return 0;
  auto text = ReadSmallFile(path, kListWatermarkBytesMax);
  if (!text.ok()) return 0;
  const nlohmann::json w = nlohmann::json::parse(*text, nullptr, false);
  if (!w.is_object() || w.value("stream", "") != stream || w.value("stream_created_ns", int64_t{0}) != created_ns) return 0;
  return w.value("through", uint64_t{0});
}

}  // namespace

ListPublisher::ListPublisher(ledger::Ledger& ledger, ListPublisherOptions options, uint64_t from,
                             std::optional<projections::Day> day_before, std::unique_ptr<NatsLink> nats)
    : ledger_(ledger), options_(std::move(options)), stream_(ListStreamName(options_.stream)), from_(from),
      detector_(from, day_before), nats_(std::move(nats)) {}

ListPublisher::~ListPublisher() { Stop(); }

Result<std::unique_ptr<ListPublisher>> ListPublisher::Connect(ledger::Ledger& ledger, const ListPublisherOptions& options) {
  const auto deadline = std::chrono::steady_clock::now() + kClusterStreamWait;
  auto link = std::make_unique<NatsLink>();
  RETURN_IF_ERROR(link->Connect(options.urls, nullptr, deadline));
  const std::string name = ListStreamName(options.stream);
  const int replicas = options.replicas > 0 ? options.replicas : static_cast<int>(std::min<size_t>(3, options.urls.size()));
  ASSIGN_OR_RETURN(StreamStanding standing, EnsureStream(link->js, name, ListSubjectPrefix(options.stream) + ".>", replicas, deadline));
  if (standing.created) Log(spdlog::level::info, "created the list-change stream", {{"stream", name}, {"replicas", replicas}});
  // Tried until the deadline: JetStream may be electing a leader (a NATS server restarted).
  Result<LastChange> read = ReadLastChange(link->js, name);
  while (!read.ok() && read.status().code() == StatusCode::kUnavailable && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kClusterReconnectWait);
    read = ReadLastChange(link->js, name);
  }
  ASSIGN_OR_RETURN(LastChange last, std::move(read));
  const uint64_t from = std::max(last.position ? last.position->first : 0, ReadWatermark(options.watermark_path, name, standing.created_ns));
  // The day of the entry before `from`, when the log here has it: a fold may begin at `from`,
  // and its first entry may begin a new day. (A log not there yet folds that entry on the way.)
  std::optional<projections::Day> day_before;
  if (from > 0 && from <= ledger.size()) {
    ASSIGN_OR_RETURN(Bytes entry, ledger.Entry(from - 1));
    ASSIGN_OR_RETURN(ledger::EntryView view, ledger::ParseEntry(entry));
    day_before = DayInChina(view.recorded_at_ms);
  }
  std::unique_ptr<ListPublisher> publisher(new ListPublisher(ledger, options, from, day_before, std::move(link)));
  publisher->last_ = last.position;
  publisher->last_stream_seq_ = last.stream_seq;
  publisher->stream_created_ns_ = standing.created_ns;
  Log(spdlog::level::info, "publishing list changes", {{"stream", name}, {"from_seq", from}, {"stream_last_seq", last.stream_seq}});
  return publisher;
}

Result<ListPublisher::LastChange> ListPublisher::ReadLastChange(jsCtx* js, const std::string& stream) {
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&info, js, stream.c_str(), nullptr, &code);
  if (s != NATS_OK) return NatsUnavailable(s, "reading stream " + stream);
  LastChange last;
  last.stream_seq = info->State.LastSeq;
  const uint64_t first = info->State.FirstSeq;
  jsStreamInfo_Destroy(info);
  const uint64_t lowest = std::max<uint64_t>(first, 1);
  uint64_t scanned = 0;
  for (uint64_t seq = last.stream_seq; seq >= lowest && scanned < kListScanBackMax; --seq, ++scanned) {
    natsMsg* msg = nullptr;
    s = js_GetMsg(&msg, js, stream.c_str(), seq, nullptr, &code);
    if (s == NATS_NOT_FOUND) continue;  // deleted
    if (s != NATS_OK) return NatsUnavailable(s, "reading message " + std::to_string(seq) + " of " + stream);
    const nlohmann::json change =
        nlohmann::json::parse(std::string_view(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg))), nullptr, false);
    natsMsg_Destroy(msg);
    if (change.is_object() && change.contains("seq") && change["seq"].is_number_unsigned() && change.contains("index") &&
        change["index"].is_number_unsigned() && change.contains("proof")) {
      last.position = Position{change["seq"].get<uint64_t>(), change["index"].get<uint32_t>()};
      return last;
    }
    Log(spdlog::level::warn, "a message of the list-change stream is not a change; restrict who may publish to it",
        {{"stream", stream}, {"stream_seq", seq}});
  }
  if (scanned == kListScanBackMax) {
    return Status::Corruption("the last " + std::to_string(kListScanBackMax) + " messages of " + stream +
                              " are not list changes: another publisher writes to its subjects");
  }
  return last;  // no change in the stream yet
}

Status ListPublisher::ReadLast() {
  ASSIGN_OR_RETURN(LastChange last, ReadLastChange(nats_->js, stream_));
  last_ = last.position;
  last_stream_seq_ = last.stream_seq;
  return Status::Ok();
}

void ListPublisher::WriteWatermark(uint64_t through) {
  watermark_at_ = std::chrono::steady_clock::now();
  if (options_.watermark_path.empty() || through <= watermark_) return;
  const nlohmann::json watermark = {{"stream", stream_}, {"stream_created_ns", stream_created_ns_}, {"through", through}};
  if (Status written = WriteFileDurably(options_.watermark_path, watermark.dump() + "\n", 0644); !written.ok()) {
    Log(spdlog::level::warn, "writing the list-change watermark", {{"error", written.message()}});
    return;
  }
  watermark_ = through;
}

void ListPublisher::Start(std::function<Status()> fold) {
  fold_ = std::move(fold);
  thread_ = std::thread([this] { Loop(); });
}

void ListPublisher::Loop() {
  while (!stopping_.load()) {
    if (ledger_.size() > detector_.observed()) {
      if (Status folded = fold_(); !folded.ok() && folded.message() != last_error_) {
        last_error_ = folded.message();
        Log(spdlog::level::err, "folding the projection for list changes", {{"error", folded.message()}});
      }
    }
    uint64_t through = 0;
    for (projections::ListChange& c : detector_.Take(&through)) pending_.push_back(std::move(c));
    if (PublishPending() && through > watermark_ && std::chrono::steady_clock::now() - watermark_at_ >= kListWatermarkInterval) {
      WriteWatermark(through);  // every change found up to `through` is in the stream
    }
    std::this_thread::sleep_for(kListPollInterval);
  }
}

bool ListPublisher::PublishPending() {
  auto wait = [&](const std::string& why) {
    if (why != last_error_) {
      last_error_ = why;
      Log(spdlog::level::warn, "list changes wait", {{"reason", why}});
    }
    return false;
  };
  while (!pending_.empty()) {
    const projections::ListChange& c = pending_.front();
    if (last_ && Position{c.seq, c.index} <= *last_) {  // in the stream already
      pending_.pop_front();
      std::lock_guard lock(stats_mutex_);
      ++skipped_;
      continue;
    }
    // The proof needs a checkpoint that covers the entry: when the latest does not, one is
    // signed now (MakeEntryBundle refuses a seq no checkpoint covers).
    auto bundle = MakeEntryBundle(ledger_, std::nullopt, "", c.seq, std::nullopt);
    if (!bundle.ok()) {
      if (auto signed_now = ledger_.PublishCheckpoint(); !signed_now.ok()) {
        return wait("signing a checkpoint for seq " + std::to_string(c.seq) + ": " + signed_now.status().message());
      }
      bundle = MakeEntryBundle(ledger_, std::nullopt, "", c.seq, std::nullopt);
      if (!bundle.ok()) return wait("the proof of seq " + std::to_string(c.seq) + ": " + bundle.status().message());
    }
    nlohmann::json message = ListChangeJson(c);
    message["checkpoint_size"] = bundle->checkpoint.size;
    message["proof"] = FormatTlogProof(bundle->proof);
    const std::string body = message.dump();
    const std::string subject = ListSubject(options_.stream, c.list, c.division);
    const std::string msg_id = std::to_string(c.seq) + "." + std::to_string(c.index);
    if (last_stream_seq_ == 0) {
      // An expectation of 0 is no expectation: read the stream again right before publishing
      // what may be its first message (two nodes doing so at once share the message id).
      if (Status read = ReadLast(); !read.ok()) return wait(read.message());
      if (last_stream_seq_ != 0) continue;
    }
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.MsgId = msg_id.c_str();
    options.ExpectLastSeq = last_stream_seq_;  // 0: the stream is empty (not checked; the id dedups)
    options.MaxWait = Ms(kListPublishWait);
    jsPubAck* ack = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus s = js_Publish(&ack, nats_->js, subject.c_str(), body.data(), static_cast<int>(body.size()), &options, &code);
    // A first message that is not first: another node's got in (refreshed below).
    const bool duplicate = s == NATS_OK && ack != nullptr && (ack->Duplicate || (options.ExpectLastSeq == 0 && ack->Sequence != 1));
    if (ack != nullptr) jsPubAck_Destroy(ack);
    if (s == NATS_OK && !duplicate) {
      // The acknowledgement's sequence number is not trusted (a clustered stream can name a
      // neighbour after a leader change): the next publish's expectation then fails, and the
      // stream is read again.
      last_ = Position{c.seq, c.index};
      ++last_stream_seq_;
      pending_.pop_front();
      last_error_.clear();
      std::lock_guard lock(stats_mutex_);
      ++published_;
      continue;
    }
    if (duplicate || code == JSStreamWrongLastSequenceErr) {  // another node was first: see how far
      if (Status read = ReadLast(); !read.ok()) return wait(read.message());
      if (duplicate && !(last_ && Position{c.seq, c.index} <= *last_)) pending_.pop_front();  // stored, yet not last: never again
      continue;
    }
    return wait(NatsError(s, "publishing " + msg_id + " to " + subject) + (code != 0 ? " (JetStream error " + std::to_string(code) + ")" : ""));
  }
  return true;
}

void ListPublisher::Stop() {
  if (stopped_) return;
  stopped_ = true;
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
  if (!fold_) return;
  // What the log holds now: folded, found and published, for as long as kListStopWait allows.
  const auto deadline = std::chrono::steady_clock::now() + kListStopWait;
  bool done = false;
  uint64_t through = 0;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    if (!fold_().ok()) break;
    for (projections::ListChange& c : detector_.Take(&through)) pending_.push_back(std::move(c));
    done = PublishPending() && through >= ledger_.size();
    if (!done) std::this_thread::sleep_for(kListPollInterval);
  }
  if (!done) {
    Log(spdlog::level::warn, "stopping with list changes unpublished; the next start folds their entries again",
        {{"pending", pending_.size()}});
    return;
  }
  WriteWatermark(through);
}

nlohmann::json ListPublisher::State() const {
  std::lock_guard lock(stats_mutex_);
  return {{"stream", stream_}, {"from_seq", from_}, {"published", published_}, {"skipped", skipped_}};
}

}  // namespace creditlog::api
