// `submit`: signs events locally with the agency's key and sends them to a server, one by one
// or in batches; with --wait, checks each event's inclusion proof against the checkpoint the
// server answers with, so that "included" is the client's own finding. SubmitRecords is also
// the --server way of record, import, agencies register, keys revoke and adopt-ruleset.
#include <algorithm>
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
  Submission(const ServerWrite& write, RemoteLog& log) : w_(write), log_(log) {}

  Status SendOne(const Signed& item);
  Status SendBatches(const std::vector<Signed>& items);
  // Every outcome, in the order of the source's lines.
  std::vector<RecordOutcome> Outcomes();

 private:
  void Reject(size_t line, const Status& status) { outcomes_.push_back(RecordOutcome::Refused(line, status)); }
  void Accept(size_t line, const json& result);
  Status CheckIncluded(const json& result, const Bytes& envelope, const std::string& note);
  Result<HttpResponse> Post(const std::string& path, const char* type, const std::string& body);
  Status SendBatch(const std::vector<Signed>& items, size_t begin, size_t end);
  std::string Wait() const { return w_.wait ? "?wait=checkpoint" : ""; }

  const ServerWrite& w_;
  RemoteLog& log_;
  std::vector<RecordOutcome> outcomes_;
  std::optional<uint64_t> checkpoint_size_;  // of the last checkpoint an inclusion was checked in
};

void Submission::Accept(size_t line, const json& result) {
  RecordOutcome outcome = RecordOutcome::Recorded(line, result["seq"].get<uint64_t>(), result.value("duplicate", false));
  if (result.contains("inclusion")) outcome.checkpoint_size = result["inclusion"]["size"].get<uint64_t>();
  outcomes_.push_back(std::move(outcome));
}

std::vector<RecordOutcome> Submission::Outcomes() {
  std::stable_sort(outcomes_.begin(), outcomes_.end(), [](const RecordOutcome& a, const RecordOutcome& b) { return a.line < b.line; });
  return std::move(outcomes_);
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
  if (w_.wait) RETURN_IF_ERROR(CheckIncluded(result, *item.envelope, result.value("checkpoint", "")));
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
      // Each item keeps its own code: a batch is answered 200 whatever its items' fates.
      const json& error = result["error"];
      Reject(line, HttpClient::ItemError(error.is_object() ? error.value("code", "") : "",
                                         error.is_object() ? error.value("message", "") : error.dump(), "POST /v1/events/batch"));
      continue;
    }
    if (w_.wait) RETURN_IF_ERROR(CheckIncluded(result, *items[sent[k]].envelope, reply.value("checkpoint", "")));
    Accept(line, result);
  }
  return Status::Ok();
}

Status Submission::SendBatches(const std::vector<Signed>& items) {
  ProgressLine progress("submit", w_.quiet || items.size() < kBatchEventsMax);
  for (size_t begin = 0; begin < items.size(); begin += kBatchEventsMax) {
    const size_t end = std::min(items.size(), begin + kBatchEventsMax);
    RETURN_IF_ERROR(SendBatch(items, begin, end));
    progress.Update(end, items.size());
  }
  progress.Finish();
  return Status::Ok();
}

// submit's report: a line per refusal on stderr, then "recorded at seq N" for one event or the
// counts for many; or all of it as JSON.
Status PrintSubmitted(const RemoteArgs& a, const std::vector<RecordOutcome>& outcomes, bool single) {
  uint64_t recorded = 0, duplicates = 0, rejected = 0;
  std::optional<uint64_t> checkpoint_size;
  json report = json::array();
  for (const RecordOutcome& o : outcomes) {
    if (!o.status.ok()) {
      ++rejected;
      if (!a.json) std::cerr << a.input << ":" << o.line << ": rejected: " << o.status.message() << " [" << StatusCodeName(o.status.code()) << "]\n";
      report.push_back({{"line", o.line}, {"ok", false}, {"code", StatusCodeName(o.status.code())}, {"error", o.status.message()}});
      continue;
    }
    (o.duplicate ? duplicates : recorded) += 1;
    json row = {{"line", o.line}, {"ok", true}, {"seq", o.seq}, {"duplicate", o.duplicate}};
    if (o.checkpoint_size) {
      row["checkpoint_size"] = *o.checkpoint_size;
      checkpoint_size = o.checkpoint_size;
    }
    report.push_back(row);
  }
  if (a.json) {
    std::cout << json{{"recorded", recorded}, {"duplicates", duplicates}, {"rejected", rejected}, {"results", report}}.dump(2) << "\n";
  } else if (single && recorded + duplicates == 1) {
    std::cout << (duplicates ? "already recorded at seq " : "recorded at seq ") << outcomes.back().seq << "\n";
  } else {
    std::cout << "recorded " << recorded << ", already recorded " << duplicates << ", rejected " << rejected << "\n";
  }
  if (a.wait && checkpoint_size && !a.json) {
    std::cout << "included in the checkpoint of size " << *checkpoint_size << " (inclusion proof verified)\n";
  }
  if (rejected == 0) return Status::Ok();
  return Status::FromCode(RefusalCode(outcomes),
                          std::to_string(rejected) + " of " + std::to_string(outcomes.size()) + " events were rejected");
}

}  // namespace

Result<Bytes> EventOfRecord(const SourceRecord& record, size_t* line) {
  *line = record.line;
  if (!record.json.ok()) return record.json.status();
  size_t error_line = 0;
  auto event = events::EventFromJson(*record.json, &error_line);
  if (!event.ok() && record.json_is_source && error_line > 0) *line = record.line + error_line - 1;
  return event;
}

StatusCode RefusalCode(const std::vector<RecordOutcome>& outcomes) {
  std::optional<StatusCode> code;
  for (const RecordOutcome& o : outcomes) {
    if (o.status.ok()) continue;
    if (code && *code != o.status.code()) return StatusCode::kInvalidArgument;
    code = o.status.code();
  }
  return code.value_or(StatusCode::kOk);
}

Result<std::vector<RecordOutcome>> SubmitRecords(const ServerWrite& write, const std::vector<SourceRecord>& records, bool single) {
  ASSIGN_OR_RETURN(std::unique_ptr<RemoteLog> log, RemoteLog::Connect(write.server, write.token, write.verifier_key));
  ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for " + write.key_path + ": "));
  ASSIGN_OR_RETURN(NamedKeyPair signer, LoadKey(write.key_path, passphrase));
  std::vector<Signed> items;
  for (const SourceRecord& record : records) {
    size_t line = 0;
    auto event = EventOfRecord(record, &line);
    items.push_back({line, event.ok() ? Result<Bytes>(events::SignEnvelope(*event, signer.key_pair.secret_key, log->verifier().name))
                                      : Result<Bytes>(event.status())});
  }
  Submission submission(write, *log);
  RETURN_IF_ERROR(single && items.size() == 1 ? submission.SendOne(items[0]) : submission.SendBatches(items));
  return submission.Outcomes();
}

Status Submit() {
  const RemoteArgs& a = CommandArgs<RemoteArgs>();
  ASSIGN_OR_RETURN(std::vector<std::string> documents, ReadEventDocuments(a.input));
  std::vector<SourceRecord> records;
  for (size_t i = 0; i < documents.size(); ++i) {
    if (documents[i].find_first_not_of(" \t\r") == std::string::npos) continue;
    records.push_back({i + 1, documents[i]});
  }
  if (records.empty()) return Status::InvalidArgument(a.input + ": no events");
  const bool single = records.size() == 1 && !a.input.ends_with(".jsonl");
  const ServerWrite write{a.server, RemoteToken(a), a.key_path, a.verifier_key, a.wait, a.quiet || a.json};
  ASSIGN_OR_RETURN(std::vector<RecordOutcome> outcomes, SubmitRecords(write, records, single));
  return PrintSubmitted(a, outcomes, single);
}

}  // namespace creditlog::api
