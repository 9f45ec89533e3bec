// Appends: one signed envelope, or a batch of them; answered once durable, or once a
// checkpoint covers them (?wait=checkpoint), with inclusion proofs.
#include "api/http/server_impl.h"

#include "crypto/bytes.h"

namespace creditlog::api {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

json AppendJson(const ledger::AppendResult& r) {
  return {{"seq", r.seq}, {"stream_version", r.stream_version}, {"recorded_at_ms", r.recorded_at_ms}, {"duplicate", r.duplicate}};
}

}  // namespace

Status ServerImpl::Writable() const {
  if (options_.read_only) return Status::Unavailable("this server is a read-only replica: submit events to the primary");
  if (draining_) return Status::Unavailable("the server is shutting down");
  return Status::Ok();
}

// The last thing an append's callback does: once in_flight_ is 0 the server may be destroyed.
void ServerImpl::EndWrite() {
  std::lock_guard lock(drain_mutex_);
  if (--in_flight_ == 0) drained_.notify_all();
}

// What every write checks first: the server takes writes, the body fits, and ?wait= is
// understood. Sets *wait when the client asked to wait for a checkpoint.
Status ServerImpl::CheckWrite(const Request& req, size_t body_bytes_max, const char* what, bool* wait) {
  RETURN_IF_ERROR(Writable());
  const size_t size = req.body().size();
  if (size > body_bytes_max) {
    return Status::TooLarge("the body is " + std::to_string(size) + " bytes; " + what + " may be at most " +
                            std::to_string(body_bytes_max));
  }
  *wait = req.has_query("wait");
  if (*wait && req.query("wait") != "checkpoint") return Status::InvalidArgument("query parameter 'wait' may only be 'checkpoint'");
  if (*wait && options_.publisher == nullptr) return Status::Unavailable("this server does not publish checkpoints");
  return Status::Ok();
}

// Answers `reply` once a checkpoint covers `last_seq`, adding the signed checkpoint and, to each
// result carrying a seq (the reply itself, or each of a batch's "results"), its inclusion proof.
void ServerImpl::RespondWithCheckpoint(const Request& req, json reply, uint64_t last_seq) {
  auto answer = [this, req, reply = std::move(reply)](Result<ledger::PublishedCheckpoint> cp) mutable {
    Status added = cp.status();
    if (cp.ok()) {
      reply["checkpoint"] = cp->note;
      auto add_proof = [&](json& result) -> Status {
        const uint64_t seq = result["seq"].get<uint64_t>();
        ASSIGN_OR_RETURN(std::vector<Hash> proof, ledger_.InclusionProof(seq, cp->size));
        result["inclusion"] = {{"seq", seq}, {"size", cp->size}, {"hashes", Hashes(proof)}};
        return Status::Ok();
      };
      if (!reply.contains("results")) {
        added = add_proof(reply);
      } else {
        for (auto& result : reply["results"]) {
          if (added.ok() && result.contains("seq")) added = add_proof(result);
        }
      }
    }
    if (added.ok()) {
      Json(req, reply);
    } else {
      Error(req, added);
    }
    EndWrite();
  };
  if (options_.witnessed != nullptr) {
    // Only a checkpoint the witness policy's quorum cosigned is a receipt.
    options_.witnessed->WhenCovered(last_seq + 1, [answer = std::move(answer)](Result<WitnessedNote> note) mutable {
      if (!note.ok()) return answer(note.status());
      answer(ledger::PublishedCheckpoint{note->size, note->note});
    });
    return;
  }
  options_.publisher->WhenCovered(last_seq + 1, std::move(answer));
}

// One signed Envelope (application/octet-stream). Answered from the writer thread once durable,
// or, with ?wait=checkpoint, from the publisher once a checkpoint covers it.
Reply ServerImpl::PostEvent(const Request& req, const Params&, const Principal&) {
  const auto received = Clock::now();
  bool wait = false;
  if (Status ok = CheckWrite(req, kRequestBodyBytesMax, "one event", &wait); !ok.ok()) return Error(req, ok);
  const std::string& body = req.body();
  BeginWrite();
  auto answer = [this, req, wait, received](Result<ledger::AppendResult> r) {
    if (!r.ok()) {
      Error(req, r.status());
      return EndWrite();
    }
    metrics_.append_latency.Observe(std::chrono::duration<double>(Clock::now() - received).count());
    if (!wait) {
      Json(req, AppendJson(*r));
      return EndWrite();
    }
    RespondWithCheckpoint(req, AppendJson(*r), r->seq);
  };
  if (options_.intake != nullptr) {
    options_.intake->Submit(Bytes(body.begin(), body.end()), std::move(answer));
  } else {
    ledger_.AppendWithCallback(Bytes(body.begin(), body.end()), std::move(answer));
  }
  return Reply::kLater;
}

namespace {

// The body of POST /v1/events/batch, {"envelopes":["base64", …]}: its list of envelopes, or
// what is wrong with it (nothing is recorded then).
Result<json> ParseBatch(const std::string& body) {
  if (JsonNestingDepth(body) > kJsonDepthMax) {
    return Status::InvalidArgument("the body nests deeper than " + std::to_string(kJsonDepthMax) + " levels");
  }
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::InvalidArgument("the body is not valid JSON");
  if (!doc.is_object() || !doc.contains("envelopes") || !doc["envelopes"].is_array()) {
    return Status::InvalidArgument(R"(the body must be {"envelopes":["base64", …]})");
  }
  json list = std::move(doc["envelopes"]);
  if (list.empty()) return Status::InvalidArgument("'envelopes' is empty");
  if (list.size() > kBatchEventsMax) {
    return Status::TooLarge("'envelopes' holds " + std::to_string(list.size()) + "; a batch may hold at most " +
                            std::to_string(kBatchEventsMax));
  }
  return list;
}

}  // namespace

// {"envelopes":["base64", …]}: checked and queued whole; one result per envelope, in order.
Reply ServerImpl::PostBatch(const Request& req, const Params&, const Principal&) {
  const auto received = Clock::now();
  bool wait = false;
  if (Status ok = CheckWrite(req, kBatchBodyBytesMax, "a batch", &wait); !ok.ok()) return Error(req, ok);
  auto list = ParseBatch(req.body());
  if (!list.ok()) return Error(req, list.status());
  const size_t n = list->size();
  std::vector<Bytes> envelopes;
  std::vector<size_t> index;  // envelopes[k] is request item index[k]
  auto results = std::make_shared<BatchResults>(n);
  for (size_t i = 0; i < n; ++i) {
    const json& item = (*list)[i];
    auto decoded = item.is_string() ? Base64Decode(item.get<std::string>())
                                    : Result<Bytes>(Status::InvalidArgument("not a base64 string"));
    if (!decoded.ok()) {
      (*results)[i].emplace(Status::InvalidArgument("envelopes[" + std::to_string(i) + "]: " + decoded.status().message()));
      continue;
    }
    envelopes.push_back(std::move(*decoded));
    index.push_back(i);
  }
  BeginWrite();
  if (envelopes.empty()) {
    AnswerBatch(req, wait, received, *results);
    return Reply::kLater;
  }
  auto answer = [this, req, wait, received, results, index = std::move(index)](std::vector<Result<ledger::AppendResult>> appended) {
    for (size_t k = 0; k < appended.size(); ++k) (*results)[index[k]].emplace(std::move(appended[k]));
    AnswerBatch(req, wait, received, *results);
  };
  if (options_.intake != nullptr) {
    options_.intake->SubmitMany(std::move(envelopes), std::move(answer));
  } else {
    ledger_.AppendManyWithCallback(std::move(envelopes), std::move(answer));
  }
  return Reply::kLater;
}

// One result per envelope; the whole batch is refused (429) when the queue could not take it.
void ServerImpl::AnswerBatch(const Request& req, bool wait, std::chrono::steady_clock::time_point received,
                             const BatchResults& results) {
  json out = json::array();
  size_t accepted = 0;
  uint64_t last_seq = 0;
  bool queue_full = false;
  for (const auto& result : results) {
    if (result->ok()) {
      ++accepted;
      last_seq = std::max(last_seq, (*result)->seq);
      out.push_back(AppendJson(**result));
    } else {
      queue_full = queue_full || result->status().code() == StatusCode::kResourceExhausted;
      out.push_back(ErrorJson(ForClient(req, result->status())));
    }
  }
  if (queue_full) {
    Error(req, Status::ResourceExhausted("the append queue cannot take this batch now; nothing was recorded"));
    return EndWrite();
  }
  metrics_.append_latency.Observe(std::chrono::duration<double>(Clock::now() - received).count());
  json reply = {{"accepted", accepted}, {"rejected", results.size() - accepted}, {"results", std::move(out)}};
  if (!wait || accepted == 0) {
    Json(req, reply);
    return EndWrite();
  }
  RespondWithCheckpoint(req, std::move(reply), last_seq);
}

}  // namespace creditlog::api
