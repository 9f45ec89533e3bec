#include "api/client/witnessing.h"

#include <algorithm>
#include <charconv>

#include "api/client/http_client.h"
#include "api/log.h"
#include "base/clock.h"
#include "base/file.h"
#include "ledger/witness.h"

namespace creditlog::api {

using nlohmann::json;

struct Witnessing::Worker {
  PolicyWitness witness;
  // The job: a checkpoint to have cosigned, for round `job_round`.
  bool busy = false;
  uint64_t job_round = 0;
  std::string job_note;
  uint64_t job_size = 0;
  // The round it answered last.
  uint64_t result_round = 0;
  // What is shown of it.
  std::string state = "starting";  // ok, unreachable, refusing, ahead, error
  std::string error;
  std::optional<uint64_t> known_size;  // the size it last cosigned, as far as the log knows
  uint64_t cosigned_size = 0;
  std::string cosigned_line;  // its cosignature of the checkpoint of cosigned_size
  int64_t cosigned_at_ms = 0;
  double latency_ms = 0;
  uint64_t failures = 0;
};

namespace {

constexpr const char* kTextType = "text/plain; charset=utf-8";
constexpr size_t kWitnessAnswerShownMax = 200;  // of a refusal's text, in the state shown

struct Outcome {
  std::optional<std::string> cosignature;
  std::optional<uint64_t> known_size;
  std::string state;
  std::string error;
  double latency_ms = 0;
};

std::string Shown(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.size() > kWitnessAnswerShownMax) text = text.substr(0, kWitnessAnswerShownMax) + "…";
  return text;
}

// The witness's cosignature line among those it answered, verified on `note`.
Result<std::string> OwnLine(const std::string& note, const std::string& answer, const CosignerKey& key) {
  std::string_view rest = answer;
  while (!rest.empty()) {
    const size_t newline = rest.find('\n');
    if (newline == std::string_view::npos) break;
    const std::string line(rest.substr(0, newline + 1));
    rest.remove_prefix(newline + 1);
    auto signature = ParseNoteSignature(std::string_view(line).substr(0, line.size() - 1));
    if (!signature.ok() || signature->name != key.name || signature->key_hash != key.key_hash) continue;
    ASSIGN_OR_RETURN(std::string cosigned, AddNoteSignatures(note, line));
    RETURN_IF_ERROR(VerifyCosignature(cosigned, key).status());
    return line;
  }
  return Status::Corruption("its answer holds no cosignature by its key " + key.name);
}

// One add-checkpoint exchange, and one more from the size a 409 names.
Outcome Submit(HttpClient& http, const ledger::Ledger& ledger, const PolicyWitness& witness, const std::string& note,
               uint64_t size, std::optional<uint64_t> known) {
  Outcome out;
  out.known_size = known;
  uint64_t old = known.value_or(0);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (old > size) {
      out.state = "ahead";
      out.error = "it has cosigned a tree of " + std::to_string(old) + " entries, more than this log's " + std::to_string(size) +
                  ": this log was rolled back or is not the one it saw";
      return out;
    }
    ledger::AddCheckpointRequest request{old, {}, note};
    if (old > 0 && old < size) {
      auto proof = ledger.ConsistencyProof(old, size);
      if (!proof.ok()) {
        out.state = "error";
        out.error = "proving consistency from " + std::to_string(old) + ": " + proof.status().message();
        return out;
      }
      request.proof = std::move(*proof);
    }
    const auto start = std::chrono::steady_clock::now();
    auto response = http.Post("/add-checkpoint", kTextType, ledger::FormatAddCheckpoint(request));
    out.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!response.ok()) {
      out.state = "unreachable";
      out.error = response.status().message();
      return out;
    }
    if (response->status == 200) {
      auto line = OwnLine(note, response->body, witness.key);
      if (!line.ok()) {
        out.state = "error";
        out.error = line.status().message();
        return out;
      }
      out.cosignature = *line;
      out.known_size = size;
      out.state = "ok";
      return out;
    }
    if (response->status == 409 && attempt == 0) {
      std::string body = Shown(response->body);
      uint64_t latest = 0;
      auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), latest);
      if (ec != std::errc() || end != body.data() + body.size()) {
        out.state = "error";
        out.error = "409 without a size: " + body;
        return out;
      }
      old = latest;
      out.known_size = latest;
      continue;
    }
    out.state = response->status == 422 ? "refusing" : "error";
    out.error = "HTTP " + std::to_string(response->status) + ": " + Shown(response->body);
    if (response->status == 422) {
      out.error = "it refuses the consistency proof from the " + std::to_string(old) +
                  " entries it cosigned (this log is not the history it saw: rolled back or forked): " + Shown(response->body);
    }
    return out;
  }
  out.state = "error";
  out.error = "409 twice";
  return out;
}

}  // namespace

// True unless the worker last cosigned a checkpoint of at least `size` entries.
bool Witnessing::Missed(const Worker& w, uint64_t size) { return w.state != "ok" || w.cosigned_size < size; }

Witnessing::Witnessing(ledger::Ledger& ledger, ledger::CheckpointPublisher& publisher, WitnessPolicy policy, std::string path)
    : ledger_(ledger), publisher_(publisher), policy_(std::move(policy)), path_(std::move(path)) {}

Result<std::unique_ptr<Witnessing>> Witnessing::Start(ledger::Ledger& ledger, ledger::CheckpointPublisher& publisher,
                                                      WitnessPolicy policy, const std::string& data_dir,
                                                      std::chrono::milliseconds wait_max) {
  ASSIGN_OR_RETURN(NoteVerifier log_key, ParseVerifierKey(ledger.VerifierKey()));
  if (!policy.logs().empty()) {
    bool listed = false;
    for (const PolicyLog& log : policy.logs()) listed = listed || log.key.public_key == log_key.public_key;
    if (!listed) return Status::InvalidArgument("the witness policy lists logs, but not this one (" + ledger.VerifierKey() + ")");
  }
  for (const PolicyWitness& w : policy.witnesses()) {
    if (w.url.empty()) return Status::InvalidArgument("witness policy: witness '" + w.name + "' has no URL, so the log cannot ask it");
  }
  std::unique_ptr<Witnessing> self(new Witnessing(ledger, publisher, std::move(policy), data_dir + "/" + kWitnessedCheckpointFile));
  self->wait_max_ = wait_max;
  self->log_key_ = log_key;
  auto kept = ReadSmallFile(self->path_, kNoteBytesMax);
  if (kept.ok()) {
    auto opened = OpenWitnessed(*kept, log_key, self->policy_);
    if (!opened.ok()) return opened.status().WithContext(self->path_);
    const Checkpoint& cp = opened->checkpoint;
    auto root = cp.size <= ledger.size() ? ledger.Root(cp.size) : Result<Hash>(Status::NotFound(""));
    if (!root.ok() || *root != cp.root) {
      return Status::Corruption(self->path_ + " holds a witnessed checkpoint of " + std::to_string(cp.size) +
                                " entries that this database does not hold (it has " + std::to_string(ledger.size()) +
                                "): the database was rolled back or replaced");
    }
    if (opened->quorum) {
      self->published_ = WitnessedNote{cp.size, *kept};
      self->published_by_ = opened->cosigned_by;
    } else {
      Log(spdlog::level::warn, "the kept witnessed checkpoint is below the current witness policy; waiting for a new one",
          {{"size", cp.size}, {"quorum", self->policy_.QuorumText()}});
    }
  } else if (kept.status().code() != StatusCode::kNotFound) {
    return kept.status();
  }
  if (auto latest = ledger.LatestCheckpoint(); latest.ok()) {
    if (auto cp = ledger.OpenCheckpoint(*latest); cp.ok()) self->signed_size_ = cp->size;
  }
  for (const PolicyWitness& w : self->policy_.witnesses()) {
    auto worker = std::make_unique<Worker>();
    worker->witness = w;
    self->workers_.push_back(std::move(worker));
  }
  Witnessing* raw = self.get();
  for (auto& worker : self->workers_) {
    Worker* w = worker.get();
    self->threads_.emplace_back([raw, w] { raw->WorkerLoop(*w); });
  }
  self->collector_ = std::thread([raw] { raw->CollectLoop(); });
  publisher.SetObserver([raw](uint64_t size) {
    std::lock_guard lock(raw->mutex_);
    raw->signed_size_ = std::max(raw->signed_size_, size);
    raw->wake_.notify_all();
  });
  return self;
}

Witnessing::~Witnessing() { Stop(); }

void Witnessing::Stop() {
  publisher_.SetObserver({});
  std::deque<Waiter> waiting;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !collector_.joinable()) return;
    stopping_ = true;
    waiting.swap(waiters_);
  }
  wake_.notify_all();
  work_.notify_all();
  if (collector_.joinable()) collector_.join();
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  for (Waiter& w : waiting) w.done(Status::Unavailable("the server is stopping"));
}

void Witnessing::WorkerLoop(Worker& worker) {
  HttpClient http(worker.witness.url, "");
  http.set_timeout(kWitnessRequestTimeout);
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return stopping_ || (worker.busy && worker.job_round != worker.result_round); });
    if (stopping_) return;
    const std::string note = worker.job_note;
    const uint64_t size = worker.job_size;
    const uint64_t round = worker.job_round;
    const std::optional<uint64_t> known = worker.known_size;
    lock.unlock();
    Outcome outcome = Submit(http, ledger_, worker.witness, note, size, known);
    lock.lock();
    const bool changed = outcome.state != worker.state || outcome.error != worker.error;
    worker.result_round = round;
    worker.busy = false;
    worker.known_size = outcome.known_size;
    worker.state = outcome.state;
    worker.error = outcome.error;
    worker.latency_ms = outcome.latency_ms;
    if (outcome.cosignature) {
      worker.cosigned_size = size;
      worker.cosigned_line = *outcome.cosignature;
      worker.cosigned_at_ms = NowMs();
    } else {
      ++worker.failures;
    }
    if (changed) {
      const auto level = outcome.state == "ok" ? spdlog::level::info
                         : (outcome.state == "ahead" || outcome.state == "refusing") ? spdlog::level::err
                                                                                      : spdlog::level::warn;
      Log(level, outcome.state == "ok" ? "witness cosigns" : "witness does not cosign",
          {{"witness", worker.witness.name}, {"state", outcome.state}, {"size", size}, {"error", outcome.error}});
    }
    wake_.notify_all();
  }
}

void Witnessing::CollectLoop() {
  std::unique_lock lock(mutex_);
  uint64_t failed_size = 0;
  auto failed_at = std::chrono::steady_clock::time_point::min();
  auto caught_up_at = std::chrono::steady_clock::time_point::min();
  while (!stopping_) {
    // Waiters past their time hear why.
    const auto now = std::chrono::steady_clock::now();
    std::vector<Waiter> expired;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->deadline <= now) {
        expired.push_back(std::move(*it));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
    if (!expired.empty()) {
      lock.unlock();
      for (Waiter& w : expired) {
        w.done(Status::Unavailable("no checkpoint covering " + std::to_string(w.size) +
                                   " entries was cosigned by the witness policy's quorum (" + policy_.QuorumText() + ") in " +
                                   std::to_string(wait_max_.count()) + " ms; GET /v1/witnesses shows why"));
      }
      lock.lock();
      continue;
    }
    const uint64_t published = published_ ? published_->size : 0;
    const bool retry_due = signed_size_ != failed_size || now >= failed_at + kWitnessRetryInterval;
    if (signed_size_ > published && retry_due) {
      lock.unlock();
      auto note = ledger_.LatestCheckpoint();
      auto checkpoint = note.ok() ? ledger_.OpenCheckpoint(*note) : Result<Checkpoint>(note.status());
      lock.lock();
      if (!checkpoint.ok()) {
        Log(spdlog::level::err, "reading the latest checkpoint to have it witnessed", {{"error", checkpoint.status().message()}});
        failed_size = signed_size_;
        failed_at = std::chrono::steady_clock::now();
        continue;
      }
      RunRound(*note, checkpoint->size, lock);
      if (!published_ || published_->size < checkpoint->size) {
        failed_size = signed_size_;
        failed_at = std::chrono::steady_clock::now();
      }
      continue;
    }
    // Nothing new: a witness that missed the published checkpoint (down, restarted, behind) is
    // asked for it again, so that it catches up and its cosignature joins the others'.
    if (published_ && signed_size_ == published_->size && now >= caught_up_at + kWitnessRetryInterval &&
        std::any_of(workers_.begin(), workers_.end(), [&](const auto& w) { return !w->busy && Missed(*w, published_->size); })) {
      caught_up_at = now;
      lock.unlock();
      auto note = ledger_.LatestCheckpoint();
      auto checkpoint = note.ok() ? ledger_.OpenCheckpoint(*note) : Result<Checkpoint>(note.status());
      lock.lock();
      if (checkpoint.ok()) RunRound(*note, checkpoint->size, lock);
      continue;
    }
    auto until = std::chrono::steady_clock::now() + kWitnessRetryInterval;
    for (const Waiter& w : waiters_) until = std::min(until, w.deadline);
    wake_.wait_until(lock, until);
  }
}

void Witnessing::RunRound(const std::string& note, uint64_t size, std::unique_lock<std::mutex>& lock) {
  const uint64_t round = ++round_;
  std::vector<Worker*> asked;
  for (auto& w : workers_) {
    if (w->busy) continue;  // still waiting for a slow witness's answer to an earlier round
    if (!Missed(*w, size)) continue;  // it has cosigned this size already
    w->busy = true;
    w->job_round = round;
    w->job_note = note;
    w->job_size = size;
    asked.push_back(w.get());
  }
  work_.notify_all();
  auto deadline = std::chrono::steady_clock::now() + kWitnessRoundMax;
  std::optional<std::chrono::steady_clock::time_point> published_at;
  // A round for the size already published adds to the cosignatures it carries.
  std::set<std::string> published_names;
  std::string published_lines;
  if (published_ && published_->size == size) {
    for (const Cosigned& c : published_by_) published_names.insert(c.witness);
    if (auto parts = SplitNote(published_->note); parts.ok()) {
      for (std::string_view line : parts->signature_lines) {
        auto signature = ParseNoteSignature(line);
        if (!signature.ok()) continue;
        for (const PolicyWitness& w : policy_.witnesses()) {
          if (signature->name == w.key.name && signature->key_hash == w.key.key_hash) published_lines += std::string(line) + "\n";
        }
      }
    }
  }
  size_t published_with = published_names.size();
  for (;;) {
    std::set<std::string> names = published_names;
    std::string lines = published_lines;
    size_t answered = 0;
    // Every witness whose latest cosignature is of this checkpoint: of this round, or of an
    // earlier one that did not make the quorum then.
    for (const auto& w : workers_) {
      if (w->cosigned_size != size || w->cosigned_line.empty() || published_names.count(w->witness.name) > 0) continue;
      names.insert(w->witness.name);
      lines += w->cosigned_line;
    }
    for (Worker* w : asked) answered += w->result_round == round ? 1 : 0;
    if (names.size() > published_with && policy_.Satisfied(names)) {
      auto full = AddNoteSignatures(note, lines);
      if (full.ok() && Publish(*full, size, lock).ok()) {
        if (!published_at) published_at = std::chrono::steady_clock::now();
        published_with = names.size();
      }
    }
    if (answered == asked.size() || stopping_) return;
    // Published: slower witnesses' cosignatures are added if they come within kWitnessLateGrace;
    // after that the next checkpoint does not wait for them (they are asked again once free).
    if (published_at) deadline = std::min(deadline, *published_at + kWitnessLateGrace);
    if (wake_.wait_until(lock, deadline) == std::cv_status::timeout) return;
  }
}

Status Witnessing::Publish(const std::string& note, uint64_t size, std::unique_lock<std::mutex>& lock) {
  if (published_ && published_->size > size) return Status::Ok();
  ASSIGN_OR_RETURN(WitnessedCheckpoint opened, OpenWitnessed(note, log_key_, policy_));
  RETURN_IF_ERROR(RequireQuorum(opened, policy_));
  if (Status written = WriteFileDurably(path_, note, 0600); !written.ok()) {
    Log(spdlog::level::err, "keeping the witnessed checkpoint failed", {{"error", written.message()}});
    return written;
  }
  published_ = WitnessedNote{size, note};
  published_by_ = opened.cosigned_by;
  AnswerWaiters(lock);
  return Status::Ok();
}

void Witnessing::AnswerWaiters(std::unique_lock<std::mutex>& lock) {
  std::vector<Waiter> covered;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->size <= published_->size) {
      covered.push_back(std::move(*it));
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  if (covered.empty()) return;
  const WitnessedNote note = *published_;
  lock.unlock();
  for (Waiter& w : covered) w.done(note);
  lock.lock();
}

Result<WitnessedNote> Witnessing::Latest() const {
  std::lock_guard lock(mutex_);
  if (!published_) {
    return Status::NotFound("no checkpoint has been cosigned by the witness policy's quorum (" + policy_.QuorumText() +
                            ") yet; GET /v1/witnesses shows each witness's state");
  }
  return *published_;
}

void Witnessing::WhenCovered(uint64_t size, std::function<void(Result<WitnessedNote>)> done) {
  std::unique_lock lock(mutex_);
  if (published_ && published_->size >= size) {
    const WitnessedNote note = *published_;
    lock.unlock();
    return done(note);
  }
  if (stopping_) {
    lock.unlock();
    return done(Status::Unavailable("the server is stopping"));
  }
  if (waiters_.size() >= ledger::kCheckpointWaitersMax) {
    lock.unlock();
    return done(Status::ResourceExhausted("too many requests are waiting for a witnessed checkpoint"));
  }
  waiters_.push_back({size, std::chrono::steady_clock::now() + wait_max_, std::move(done)});
  lock.unlock();
  wake_.notify_all();
  // Have the publisher sign a checkpoint covering it soon rather than at its next interval.
  publisher_.WhenCovered(size, [](Result<ledger::PublishedCheckpoint>) {});
}

json Witnessing::State() const {
  std::lock_guard lock(mutex_);
  json witnesses = json::array();
  for (const auto& w : workers_) {
    json item = {{"name", w->witness.name},
                 {"key", FormatCosignerKey(w->witness.key.name, w->witness.key.public_key)},
                 {"url", w->witness.url},
                 {"state", w->state},
                 {"cosigned_size", w->cosigned_size},
                 {"cosigned_at_ms", w->cosigned_at_ms},
                 {"latency_ms", w->latency_ms},
                 {"failures", w->failures}};
    if (!w->error.empty()) item["error"] = w->error;
    if (w->known_size) item["witness_size"] = *w->known_size;
    witnesses.push_back(std::move(item));
  }
  json published = nullptr;
  if (published_) {
    json by = json::array();
    for (const Cosigned& c : published_by_) by.push_back({{"witness", c.witness}, {"timestamp", c.timestamp}});
    published = {{"size", published_->size}, {"cosigned_by", std::move(by)}};
  }
  return {{"quorum", policy_.QuorumText()},
          {"policy", policy_.text()},
          {"signed_size", signed_size_},
          {"published", std::move(published)},
          {"waiting", waiters_.size()},
          {"witnesses", std::move(witnesses)}};
}

std::string Witnessing::Metrics() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP creditlog_witnessed_size Entries covered by the latest checkpoint the witness policy's quorum cosigned.\n";
  out += "# TYPE creditlog_witnessed_size gauge\n";
  out += "creditlog_witnessed_size " + std::to_string(published_ ? published_->size : 0) + "\n";
  out += "# HELP creditlog_witness_up 1 when the witness cosigned the last checkpoint sent to it.\n";
  out += "# TYPE creditlog_witness_up gauge\n";
  for (const auto& w : workers_) out += "creditlog_witness_up{witness=\"" + w->witness.name + "\"} " + (w->state == "ok" ? "1" : "0") + "\n";
  out += "# HELP creditlog_witness_cosigned_size Entries covered by the last checkpoint the witness cosigned.\n";
  out += "# TYPE creditlog_witness_cosigned_size gauge\n";
  for (const auto& w : workers_) out += "creditlog_witness_cosigned_size{witness=\"" + w->witness.name + "\"} " + std::to_string(w->cosigned_size) + "\n";
  out += "# HELP creditlog_witness_failures_total Requests to the witness that gave no cosignature.\n";
  out += "# TYPE creditlog_witness_failures_total counter\n";
  for (const auto& w : workers_) out += "creditlog_witness_failures_total{witness=\"" + w->witness.name + "\"} " + std::to_string(w->failures) + "\n";
  return out;
}

}  // namespace creditlog::api
