// `submit`: signs events locally with the agency's key and sends them to a server, one by one
// or in batches; with --wait, checks each event's inclusion proof against the checkpoint the
// server answers with, so that "included" is the client's own finding.
#include <iostream>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/cli/cli.h"
#include "api/cli/remote.h"
#include "api/client/remote_log.h"
#include "api/data_dir.h"
#include "api/progress.h"
#include "api/protocol.h"
#include "crypto/key_file.h"
#include "events/json.h"
#include "ledger/entry.h"

namespace creditlog::api {
namespace {

using nlohmann::json;

inline constexpr int kSubmitRetriesMax = 20;  // per request, on 429 or 503

struct Signed {
  size_t line = 0;
  Result<Bytes> envelope = Status::InvalidArgument("empty");
};

class Submission {
 public:
  Submission(const RemoteArgs& args, RemoteLog& log) : a_(args), log_(log) {}

  Status SendOne(const Signed& item);
  Status SendBatches(const std::vector<Signed>& items);
  Status Finish(size_t total, bool single);

 private:
  void Reject(size_t line, const Status& status);
  void Accept(size_t line, const json& result);
  Status CheckIncluded(const json& result, const Bytes& envelope, const std::string& note);
  Result<HttpResponse> Post(const std::string& path, const char* type, const std::string& body);
  Status SendBatch(const std::vector<Signed>& items, size_t begin, size_t end);
  std::string Wait() const { return a_.wait ? "?wait=checkpoint" : ""; }

  const RemoteArgs& a_;
  RemoteLog& log_;
  json report_ = json::array();
  uint64_t recorded_ = 0, duplicates_ = 0, rejected_ = 0;
  std::optional<uint64_t> checkpoint_size_;  // of the last checkpoint an inclusion was checked in
};

void Submission::Reject(size_t line, const Status& status) {
  ++rejected_;
  if (!a_.json) std::cerr << a_.input << ":" << line << ": rejected: " << status.message() << " [" << StatusCodeName(status.code()) << "]\n";
  report_.push_back({{"line", line}, {"ok", false}, {"code", StatusCodeName(status.code())}, {"error", status.message()}});
}

void Submission::Accept(size_t line, const json& result) {
  (result.value("duplicate", false) ? duplicates_ : recorded_) += 1;
  json row = {{"line", line}, {"ok", true}, {"seq", result["seq"]}, {"duplicate", result.value("duplicate", false)}};
  if (result.contains("inclusion")) row["checkpoint_size"] = result["inclusion"]["size"];
  report_.push_back(row);
}

// The entry as the server must have written it: our envelope at the seq, time and stream version
// it reported. The proof it returned then shows that the log holds exactly what we signed.
Status Submission::CheckIncluded(const json& result, const Bytes& envelope, const std::string& note) {
  ASSIGN_OR_RETURN(SignedCheckpoint signed_checkpoint, log_.OpenCheckpoint(note));
  const creditlog::Checkpoint& checkpoint = signed_checkpoint.checkpoint;
  ASSIGN_OR_RETURN(events::EnvelopeView view, events::ParseEnvelope(envelope));
  const uint64_t seq = result["seq"].get<uint64_t>();
  const Bytes entry = ledger::BuildEntry(seq, result["recorded_at_ms"].get<int64_t>(), result["stream_version"].get<uint64_t>(),
                                         ledger::CanonicalEnvelope(view));
  ASSIGN_OR_RETURN(auto hashes, ProofHashes(result["inclusion"], "inclusion proof"));
  if (Status included = VerifyInclusion(seq, checkpoint.size, MerkleLeafHash(entry), hashes, checkpoint.root); !included.ok()) {
    return Status::Corruption("seq " + std::to_string(seq) + ": the server's inclusion proof does not hold: " + included.message());
  }
  checkpoint_size_ = checkpoint.size;
  return Status::Ok();
}

// Posts, retrying while the server asks us to come back later.
Result<HttpResponse> Submission::Post(const std::string& path, const char* type, const std::string& body) {
  for (int attempt = 0;; ++attempt) {
    ASSIGN_OR_RETURN(HttpResponse response, log_.http().Post(path, type, body));
    const bool retry = (response.status == 429 || response.status == 503) && attempt < kSubmitRetriesMax;
    if (!retry) return response;
    std::this_thread::sleep_for(std::chrono::seconds(std::max(1L, response.retry_after_seconds)));
  }
}

Status Submission::SendOne(const Signed& item) {
  if (!item.envelope.ok()) {
    Reject(item.line, item.envelope.status());
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(HttpResponse response, Post("/v1/events" + Wait(), "application/octet-stream", std::string(AsString(*item.envelope))));
  if (response.status != 200) {
    Reject(item.line, HttpClient::ErrorOf(response, "POST /v1/events"));
    return Status::Ok();
  }
  json result = json::parse(response.body, nullptr, false);
  if (result.is_discarded() || !result.contains("seq")) return Status::Corruption("POST /v1/events: the answer is not JSON");
  if (a_.wait) RETURN_IF_ERROR(CheckIncluded(result, *item.envelope, result.value("checkpoint", "")));
  Accept(item.line, result);
  return Status::Ok();
}

Status Submission::SendBatch(const std::vector<Signed>& items, size_t begin, size_t end) {
  json body = {{"envelopes", json::array()}};
  std::vector<size_t> sent;
  for (size_t i = begin; i < end; ++i) {
    if (!items[i].envelope.ok()) {
      Reject(items[i].line, items[i].envelope.status());
      continue;
    }
    body["envelopes"].push_back(Base64Encode(*items[i].envelope));
    sent.push_back(i);
  }
  if (sent.empty()) return Status::Ok();
  ASSIGN_OR_RETURN(HttpResponse response, Post("/v1/events/batch" + Wait(), "application/json", body.dump()));
  if (response.status != 200) {
    const Status failed = HttpClient::ErrorOf(response, "POST /v1/events/batch");
    for (size_t i : sent) Reject(items[i].line, failed);
    return Status::Ok();
  }
  json reply = json::parse(response.body, nullptr, false);
  if (reply.is_discarded() || !reply.contains("results") || reply["results"].size() != sent.size()) {
    return Status::Corruption("POST /v1/events/batch: the answer does not have one result per event");
  }
  for (size_t k = 0; k < sent.size(); ++k) {
    const json& result = reply["results"][k];
    const size_t line = items[sent[k]].line;
    if (result.contains("error")) {
      Reject(line, HttpClient::ErrorOf(HttpResponse{400, json{{"error", result["error"]}}.dump(), "", 0}, "event"));
      continue;
    }
    if (a_.wait) RETURN_IF_ERROR(CheckIncluded(result, *items[sent[k]].envelope, reply.value("checkpoint", "")));
    Accept(line, result);
  }
  return Status::Ok();
}

Status Submission::SendBatches(const std::vector<Signed>& items) {
  ProgressLine progress("submit", a_.quiet || a_.json || items.size() < kBatchEventsMax);
  for (size_t begin = 0; begin < items.size(); begin += kBatchEventsMax) {
    const size_t end = std::min(items.size(), begin + kBatchEventsMax);
    RETURN_IF_ERROR(SendBatch(items, begin, end));
    progress.Update(end, items.size());
  }
  progress.Finish();
  return Status::Ok();
}

Status Submission::Finish(size_t total, bool single) {
  if (a_.json) {
    std::cout << json{{"recorded", recorded_}, {"duplicates", duplicates_}, {"rejected", rejected_}, {"results", report_}}.dump(2) << "\n";
  } else if (single && recorded_ + duplicates_ == 1) {
    const json& row = report_.back();
    std::cout << (duplicates_ ? "already recorded at seq " : "recorded at seq ") << row["seq"].get<uint64_t>() << "\n";
  } else {
    std::cout << "recorded " << recorded_ << ", already recorded " << duplicates_ << ", rejected " << rejected_ << "\n";
  }
  if (a_.wait && checkpoint_size_ && !a_.json) {
    std::cout << "included in the checkpoint of size " << *checkpoint_size_ << " (inclusion proof verified)\n";
  }
  if (rejected_ > 0) return Status::InvalidArgument(std::to_string(rejected_) + " of " + std::to_string(total) + " events were rejected");
  return Status::Ok();
}

}  // namespace

Status Submit() {
  const RemoteArgs& a = CommandArgs<RemoteArgs>();
  ASSIGN_OR_RETURN(std::unique_ptr<RemoteLog> log, RemoteLog::Connect(a.server, RemoteToken(a), a.verifier_key));
  ASSIGN_OR_RETURN(std::vector<std::string> documents, ReadEventDocuments(a.input));
  ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for " + a.key_path + ": "));
  ASSIGN_OR_RETURN(NamedKeyPair signer, LoadKey(a.key_path, passphrase));
  std::vector<Signed> items;
  for (size_t i = 0; i < documents.size(); ++i) {
    if (documents[i].find_first_not_of(" \t\r") == std::string::npos) continue;
    auto event = events::EventFromJson(documents[i]);
    items.push_back({i + 1, event.ok() ? Result<Bytes>(events::SignEnvelope(*event, signer.key_pair.secret_key, log->verifier().name))
                                       : Result<Bytes>(event.status())});
  }
  if (items.empty()) return Status::InvalidArgument(a.input + ": no events");
  Submission submission(a, *log);
  const bool single = items.size() == 1 && !a.input.ends_with(".jsonl");
  RETURN_IF_ERROR(single ? submission.SendOne(items[0]) : submission.SendBatches(items));
  return submission.Finish(items.size(), single);
}

}  // namespace creditlog::api
