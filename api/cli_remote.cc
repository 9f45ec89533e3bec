// The HTTP clients: `submit` (sign locally, send to a server), `audit --server` (check a
// server's checkpoint, its consistency with the last one seen, and its entries) and `mirror`
// (follow a server's log into a local ledger, verifying every entry and checkpoint).
#include <cstdlib>
#include <iostream>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "api/cli.h"
#include "api/data_dir.h"
#include "api/http_client.h"
#include "api/progress.h"
#include "api/server.h"
#include "crypto/key_file.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "events/json.h"
#include "ledger/audit.h"
#include "ledger/entry.h"

namespace creditlog::api {
namespace {

using nlohmann::json;

inline constexpr int kSubmitRetriesMax = 20;       // per batch, on 429 or 503
inline constexpr uint64_t kSampleMax = 100000;      // audit --sample
inline constexpr size_t kStateFileBytesMax = 64 * 1024;
inline constexpr int64_t kMirrorIntervalDefaultMs = 1000;

struct RemoteArgs {
  std::string server;
  std::string token;
  std::string key_path;
  std::string input;
  std::string verifier_key;
  std::string state;
  std::string data;
  uint64_t sample = 0;
  bool wait = false;
  bool follow = false;
  int64_t interval_ms = kMirrorIntervalDefaultMs;
  bool json = false;
  bool quiet = false;
};

RemoteArgs& Args() {
  static RemoteArgs args;
  return args;
}

std::string Token(const RemoteArgs& a) {
  if (!a.token.empty()) return a.token;
  const char* env = std::getenv("CREDITLOG_TOKEN");
  return env ? env : "";
}

Result<json> GetJson(HttpClient& client, const std::string& path) {
  ASSIGN_OR_RETURN(HttpResponse response, client.Get(path));
  if (response.status != 200) return HttpClient::ErrorOf(response, "GET " + path);
  json doc = json::parse(response.body, nullptr, false);
  if (doc.is_discarded()) return Status::Corruption("GET " + path + ": the answer is not JSON");
  return doc;
}

Result<std::string> GetText(HttpClient& client, const std::string& path) {
  ASSIGN_OR_RETURN(HttpResponse response, client.Get(path));
  if (response.status != 200) return HttpClient::ErrorOf(response, "GET " + path);
  return response.body;
}

Result<std::vector<Hash>> HashesFrom(const json& doc, const std::string& what) {
  if (!doc.is_object() || !doc.contains("hashes") || !doc["hashes"].is_array()) return Status::Corruption(what + ": no hashes");
  std::vector<Hash> out;
  for (const json& h : doc["hashes"]) {
    auto bytes = h.is_string() ? Base64Decode(h.get<std::string>()) : Result<Bytes>(Status::Corruption("not a string"));
    if (!bytes.ok() || bytes->size() != kHashSize) return Status::Corruption(what + ": a hash is malformed");
    Hash hash;
    std::copy(bytes->begin(), bytes->end(), hash.begin());
    out.push_back(hash);
  }
  return out;
}

Result<Bytes> EntryBytesFrom(const json& doc, uint64_t seq) {
  if (!doc.is_object() || !doc.contains("entry") || !doc["entry"].is_string() || doc.value("seq", ~uint64_t{0}) != seq) {
    return Status::Corruption("entry " + std::to_string(seq) + ": the answer does not carry it");
  }
  auto bytes = Base64Decode(doc["entry"].get<std::string>());
  if (!bytes.ok()) return Status::Corruption("entry " + std::to_string(seq) + ": " + bytes.status().message());
  return *bytes;
}

// The server's verifier key, checked against the trusted one when given.
Result<NoteVerifier> ServerVerifier(HttpClient& client, const std::string& trusted, std::string* text) {
  ASSIGN_OR_RETURN(std::string served, GetText(client, "/v1/verifier-key"));
  while (!served.empty() && (served.back() == '\n' || served.back() == '\r')) served.pop_back();
  if (!trusted.empty() && served != trusted) {
    return Status::Corruption("the server's verifier key '" + served + "' is not the trusted one '" + trusted + "'");
  }
  *text = served;
  return ParseVerifierKey(served);
}

// The server's latest checkpoint, its signature checked.
Result<std::pair<Checkpoint, std::string>> FetchCheckpoint(HttpClient& client, const NoteVerifier& verifier) {
  ASSIGN_OR_RETURN(std::string note, GetText(client, "/v1/checkpoint"));
  auto text = OpenNote(note, verifier);
  if (!text.ok()) return Status::Corruption("the server's checkpoint: " + text.status().message());
  auto checkpoint = ParseCheckpoint(*text);
  if (!checkpoint.ok()) return Status::Corruption("the server's checkpoint: " + checkpoint.status().message());
  if (checkpoint->origin != verifier.name) return Status::Corruption("the server's checkpoint names origin '" + checkpoint->origin + "'");
  return std::make_pair(*checkpoint, note);
}

// ---- submit -------------------------------------------------------------------------------

struct Signed {
  size_t line = 0;
  Result<Bytes> envelope = Status::InvalidArgument("empty");
};

Status Submit() {
  const RemoteArgs& a = Args();
  HttpClient client(a.server, Token(a));
  std::string verifier_text;
  ASSIGN_OR_RETURN(NoteVerifier verifier, ServerVerifier(client, a.verifier_key, &verifier_text));
  ASSIGN_OR_RETURN(std::vector<std::string> documents, ReadEventDocuments(a.input));
  ASSIGN_OR_RETURN(std::string passphrase, ReadPassphrase("passphrase for " + a.key_path + ": "));
  ASSIGN_OR_RETURN(NamedKeyPair signer, LoadKey(a.key_path, passphrase));
  std::vector<Signed> items;
  for (size_t i = 0; i < documents.size(); ++i) {
    if (documents[i].find_first_not_of(" \t\r") == std::string::npos) continue;
    auto event = events::EventFromJson(documents[i]);
    items.push_back({i + 1, event.ok() ? Result<Bytes>(events::SignEnvelope(*event, signer.key_pair.secret_key, verifier.name))
                                       : Result<Bytes>(event.status())});
  }
  if (items.empty()) return Status::InvalidArgument(a.input + ": no events");
  const std::string wait = a.wait ? "?wait=checkpoint" : "";
  json report = json::array();
  uint64_t recorded = 0, duplicates = 0, rejected = 0;
  std::optional<std::pair<uint64_t, std::string>> last_checkpoint;
  auto reject = [&](size_t line, const Status& status) {
    ++rejected;
    if (!a.json) std::cerr << a.input << ":" << line << ": rejected: " << status.message() << " [" << StatusCodeName(status.code()) << "]\n";
    report.push_back({{"line", line}, {"ok", false}, {"code", StatusCodeName(status.code())}, {"error", status.message()}});
  };
  // Checks the proof the server returned with ?wait=checkpoint, so that "included" is our finding.
  auto check_inclusion = [&](const json& result, const Bytes& envelope, const std::string& note) -> Status {
    auto text = OpenNote(note, verifier);
    if (!text.ok()) return Status::Corruption("the returned checkpoint: " + text.status().message());
    ASSIGN_OR_RETURN(Checkpoint checkpoint, ParseCheckpoint(*text));
    // The entry as the server must have written it: our envelope at the seq, time and stream
    // version it reported. The proof then shows the log holds exactly what we signed.
    ASSIGN_OR_RETURN(events::EnvelopeView view, events::ParseEnvelope(envelope));
    const uint64_t seq = result["seq"].get<uint64_t>();
    const Bytes entry = ledger::BuildEntry(seq, result["recorded_at_ms"].get<int64_t>(), result["stream_version"].get<uint64_t>(),
                                           ledger::CanonicalEnvelope(view));
    ASSIGN_OR_RETURN(auto hashes, HashesFrom(result["inclusion"], "inclusion proof"));
    if (Status included = VerifyInclusion(seq, checkpoint.size, MerkleLeafHash(entry), hashes, checkpoint.root); !included.ok()) {
      return Status::Corruption("seq " + std::to_string(seq) + ": the server's inclusion proof does not hold: " + included.message());
    }
    last_checkpoint = std::make_pair(checkpoint.size, note);
    return Status::Ok();
  };
  auto accept = [&](size_t line, const json& result) {
    (result.value("duplicate", false) ? duplicates : recorded) += 1;
    json row = {{"line", line}, {"ok", true}, {"seq", result["seq"]}, {"duplicate", result.value("duplicate", false)}};
    if (result.contains("inclusion")) row["checkpoint_size"] = result["inclusion"]["size"];
    report.push_back(row);
  };
  // Posts with retries while the server asks us to come back later.
  auto post = [&](const std::string& path, const char* type, const std::string& body) -> Result<HttpResponse> {
    for (int attempt = 0;; ++attempt) {
      ASSIGN_OR_RETURN(HttpResponse response, client.Post(path, type, body));
      const bool retry = (response.status == 429 || response.status == 503) && attempt < kSubmitRetriesMax;
      if (!retry) return response;
      std::this_thread::sleep_for(std::chrono::seconds(std::max(1L, response.retry_after_seconds)));
    }
  };
  const bool single = items.size() == 1 && !a.input.ends_with(".jsonl");
  if (single) {
    Signed& item = items[0];
    if (!item.envelope.ok()) {
      reject(item.line, item.envelope.status());
    } else {
      ASSIGN_OR_RETURN(HttpResponse response, post("/v1/events" + wait, "application/octet-stream", std::string(AsString(*item.envelope))));
      if (response.status != 200) {
        reject(item.line, HttpClient::ErrorOf(response, "POST /v1/events"));
      } else {
        json result = json::parse(response.body, nullptr, false);
        if (result.is_discarded() || !result.contains("seq")) return Status::Corruption("POST /v1/events: the answer is not JSON");
        if (a.wait) RETURN_IF_ERROR(check_inclusion(result, *item.envelope, result.value("checkpoint", "")));
        accept(item.line, result);
      }
    }
  } else {
    ProgressLine progress("submit", a.quiet || a.json || items.size() < kBatchEventsMax);
    for (size_t begin = 0; begin < items.size(); begin += kBatchEventsMax) {
      const size_t end = std::min(items.size(), begin + kBatchEventsMax);
      json body = {{"envelopes", json::array()}};
      std::vector<size_t> sent;
      for (size_t i = begin; i < end; ++i) {
        if (!items[i].envelope.ok()) {
          reject(items[i].line, items[i].envelope.status());
          continue;
        }
        body["envelopes"].push_back(Base64Encode(*items[i].envelope));
        sent.push_back(i);
      }
      if (sent.empty()) continue;
      ASSIGN_OR_RETURN(HttpResponse response, post("/v1/events/batch" + wait, "application/json", body.dump()));
      if (response.status != 200) {
        const Status failed = HttpClient::ErrorOf(response, "POST /v1/events/batch");
        for (size_t i : sent) reject(items[i].line, failed);
        continue;
      }
      json reply = json::parse(response.body, nullptr, false);
      if (reply.is_discarded() || !reply.contains("results") || reply["results"].size() != sent.size()) {
        return Status::Corruption("POST /v1/events/batch: the answer does not have one result per event");
      }
      for (size_t k = 0; k < sent.size(); ++k) {
        const json& result = reply["results"][k];
        const size_t line = items[sent[k]].line;
        if (result.contains("error")) {
          reject(line, HttpClient::ErrorOf(HttpResponse{400, json{{"error", result["error"]}}.dump(), "", 0}, "event"));
          continue;
        }
        if (a.wait) RETURN_IF_ERROR(check_inclusion(result, *items[sent[k]].envelope, reply.value("checkpoint", "")));
        accept(line, result);
      }
      progress.Update(end, items.size());
    }
    progress.Finish();
  }
  if (a.json) {
    std::cout << json{{"recorded", recorded}, {"duplicates", duplicates}, {"rejected", rejected}, {"results", report}}.dump(2) << "\n";
  } else if (single && recorded + duplicates == 1) {
    const json& row = report.back();
    std::cout << (duplicates ? "already recorded at seq " : "recorded at seq ") << row["seq"].get<uint64_t>() << "\n";
  } else {
    std::cout << "recorded " << recorded << ", already recorded " << duplicates << ", rejected " << rejected << "\n";
  }
  if (a.wait && last_checkpoint && !a.json) {
    std::cout << "included in the checkpoint of size " << last_checkpoint->first << " (inclusion proof verified)\n";
  }
  if (rejected > 0) return Status::InvalidArgument(std::to_string(rejected) + " of " + std::to_string(items.size()) + " events were rejected");
  return Status::Ok();
}

// ---- audit --server ------------------------------------------------------------------------

Status AuditServer() {
  const RemoteArgs& a = Args();
  HttpClient client(a.server, Token(a));
  ASSIGN_OR_RETURN(NoteVerifier verifier, ParseVerifierKey(a.verifier_key));
  ASSIGN_OR_RETURN(auto fetched, FetchCheckpoint(client, verifier));
  const auto& [checkpoint, note] = fetched;
  // 1. Consistency with the checkpoint seen last time (the state file).
  uint64_t old_size = 0;
  if (!a.state.empty() && std::filesystem::exists(a.state)) {
    ASSIGN_OR_RETURN(std::string text, ReadSmallFile(a.state, kStateFileBytesMax));
    const json state = json::parse(text, nullptr, false);
    if (state.is_discarded() || !state.contains("size") || !state.contains("root") || state.value("origin", "") != verifier.name) {
      return Status::InvalidArgument(a.state + ": not a state file for " + verifier.name);
    }
    old_size = state["size"].get<uint64_t>();
    auto old_root_bytes = Base64Decode(state["root"].get<std::string>());
    if (!old_root_bytes.ok() || old_root_bytes->size() != kHashSize) return Status::InvalidArgument(a.state + ": root is malformed");
    Hash old_root;
    std::copy(old_root_bytes->begin(), old_root_bytes->end(), old_root.begin());
    if (checkpoint.size < old_size) {
      return Status::Corruption("the server's checkpoint (size " + std::to_string(checkpoint.size) +
                                ") is older than the one seen before (size " + std::to_string(old_size) + "): a rolled-back log");
    }
    if (old_size > 0) {
      ASSIGN_OR_RETURN(json proof, GetJson(client, "/v1/proofs/consistency?old=" + std::to_string(old_size) +
                                                       "&new=" + std::to_string(checkpoint.size)));
      ASSIGN_OR_RETURN(auto hashes, HashesFrom(proof, "consistency proof"));
      Status consistent = VerifyConsistency(old_size, checkpoint.size, old_root, checkpoint.root, hashes);
      if (!consistent.ok()) {
        return Status::Corruption("the checkpoint of size " + std::to_string(checkpoint.size) + " is not consistent with the one of size " +
                                  std::to_string(old_size) + " seen before (history rewritten): " + consistent.message());
      }
    }
  }
  // 2. Entries: all of them through the full audit, or a random sample with inclusion proofs.
  uint64_t verified = 0;
  if (a.sample == 0) {
    std::map<uint64_t, std::string> checkpoints{{checkpoint.size, note}};
    std::vector<Bytes> page;
    uint64_t page_start = 0;
    ProgressLine progress("audit", a.quiet || a.json);
    ledger::EntrySource source = [&](uint64_t seq, Bytes* entry) -> Status {
      if (seq < page_start || seq >= page_start + page.size()) {
        ASSIGN_OR_RETURN(json doc, GetJson(client, "/v1/entries?after=" + std::to_string(seq) + "&limit=" + std::to_string(kEntriesPageMax)));
        if (!doc.contains("entries") || !doc["entries"].is_array() || doc["entries"].empty()) {
          return Status::Corruption("the server has no entry " + std::to_string(seq) + " below its checkpoint");
        }
        page.clear();
        page_start = seq;
        for (const json& e : doc["entries"]) {
          ASSIGN_OR_RETURN(Bytes bytes, EntryBytesFrom(e, page_start + page.size()));
          page.push_back(std::move(bytes));
        }
      }
      *entry = page[seq - page_start];
      return Status::Ok();
    };
    ASSIGN_OR_RETURN(auto report, ledger::AuditEntries(checkpoint.size, a.verifier_key, std::move(checkpoints), source,
                                                       [&](uint64_t done, uint64_t total) { progress.Update(done, total); }));
    progress.Finish();
    verified = report.entries;
  } else {
    const uint64_t n = std::min({a.sample, checkpoint.size, kSampleMax});
    std::set<uint64_t> seqs{checkpoint.size - 1};
    std::mt19937_64 rng(std::random_device{}());
    while (seqs.size() < n) seqs.insert(rng() % checkpoint.size);
    for (uint64_t seq : seqs) {
      ASSIGN_OR_RETURN(json doc, GetJson(client, "/v1/entries/" + std::to_string(seq)));
      ASSIGN_OR_RETURN(Bytes bytes, EntryBytesFrom(doc, seq));
      auto view = ledger::ParseEntry(bytes);
      if (!view.ok()) return Status::Corruption("seq " + std::to_string(seq) + ": " + view.status().message());
      if (view->seq != seq) return Status::Corruption("seq " + std::to_string(seq) + ": entry says seq " + std::to_string(view->seq));
      if (Status signature = events::VerifyEnvelopeSignature(view->envelope, verifier.name); !signature.ok()) {
        return Status::Corruption("seq " + std::to_string(seq) + ": signature: " + signature.message());
      }
      ASSIGN_OR_RETURN(json proof, GetJson(client, "/v1/proofs/inclusion?seq=" + std::to_string(seq) + "&size=" + std::to_string(checkpoint.size)));
      ASSIGN_OR_RETURN(auto hashes, HashesFrom(proof, "inclusion proof"));
      if (Status included = VerifyInclusion(seq, checkpoint.size, MerkleLeafHash(bytes), hashes, checkpoint.root); !included.ok()) {
        return Status::Corruption("seq " + std::to_string(seq) + ": not included in the checkpoint: " + included.message());
      }
      ++verified;
    }
  }
  // 3. Remember this checkpoint for next time.
  if (!a.state.empty()) {
    const json state = {{"origin", verifier.name}, {"size", checkpoint.size}, {"root", Base64Encode(checkpoint.root)}, {"checkpoint", note}};
    RETURN_IF_ERROR(WriteFileDurably(a.state, state.dump(2) + "\n", 0644));
  }
  if (a.json) {
    std::cout << json{{"ok", true}, {"origin", verifier.name}, {"size", checkpoint.size}, {"root", Base64Encode(checkpoint.root)},
                      {"consistent_with", old_size}, {"entries_verified", verified}, {"sample", a.sample > 0}}.dump(2) << "\n";
  } else {
    std::cout << "OK: checkpoint of size " << checkpoint.size << " signed by " << verifier.name << "\n";
    if (old_size > 0) std::cout << "consistent with the checkpoint of size " << old_size << " seen before\n";
    std::cout << (a.sample > 0 ? "sampled " : "audited ") << verified << " entries"
              << (a.sample > 0 ? " (signature and inclusion proof each)" : " (every signature, key, stream and the tree)") << "\n";
  }
  return Status::Ok();
}

// ---- mirror --------------------------------------------------------------------------------

// Proves that entries [after, after + page.size()) extend the mirrored tree into the one the
// checkpoint commits to (a consistency proof from the extended size to the checkpoint's). On
// failure, inclusion proofs find and name the first entry that is not the committed one.
Status CheckPageAgainst(HttpClient& client, const Checkpoint& checkpoint, uint64_t after, const std::vector<Bytes>& page,
                        const CompactRange& extended) {
  Status holds;
  if (extended.size() == checkpoint.size) {
    if (extended.Root() != checkpoint.root) holds = Status::Corruption("root differs");
  } else {
    ASSIGN_OR_RETURN(json proof, GetJson(client, "/v1/proofs/consistency?old=" + std::to_string(extended.size()) +
                                                     "&new=" + std::to_string(checkpoint.size)));
    ASSIGN_OR_RETURN(auto hashes, HashesFrom(proof, "consistency proof"));
    holds = VerifyConsistency(extended.size(), checkpoint.size, extended.Root(), checkpoint.root, hashes);
  }
  if (holds.ok()) return Status::Ok();
  for (size_t i = 0; i < page.size(); ++i) {
    const uint64_t seq = after + i;
    ASSIGN_OR_RETURN(json proof, GetJson(client, "/v1/proofs/inclusion?seq=" + std::to_string(seq) + "&size=" + std::to_string(checkpoint.size)));
    ASSIGN_OR_RETURN(auto hashes, HashesFrom(proof, "inclusion proof"));
    if (!VerifyInclusion(seq, checkpoint.size, MerkleLeafHash(page[i]), hashes, checkpoint.root).ok()) {
      return Status::Corruption("refusing the server's history: seq " + std::to_string(seq) +
                                ": the entry served is not the one its checkpoint of size " + std::to_string(checkpoint.size) +
                                " commits to");
    }
  }
  return Status::Corruption("refusing the server's history: entries " + std::to_string(after) + ".." +
                            std::to_string(after + page.size() - 1) + " do not match its checkpoint of size " +
                            std::to_string(checkpoint.size));
}

// One round: catch up with the server's latest checkpoint. Corruption if the server's history
// is not the one this mirror holds.
Status MirrorOnce(HttpClient& client, const NoteVerifier& verifier, ledger::Ledger& mirror, bool quiet) {
  ASSIGN_OR_RETURN(auto fetched, FetchCheckpoint(client, verifier));
  const auto& [checkpoint, note] = fetched;
  const uint64_t local = mirror.size();
  ASSIGN_OR_RETURN(Hash local_root, mirror.Root(local));
  if (checkpoint.size <= local) {
    ASSIGN_OR_RETURN(Hash root, mirror.Root(checkpoint.size));
    if (root != checkpoint.root) {
      return Status::Corruption("refusing the server's history: its checkpoint of size " + std::to_string(checkpoint.size) +
                                " does not match the mirrored entries (a forked log)");
    }
    return Status::Ok();
  }
  // Prove the server's tree extends ours before taking anything from it.
  ASSIGN_OR_RETURN(json proof, GetJson(client, "/v1/proofs/consistency?old=" + std::to_string(local) + "&new=" + std::to_string(checkpoint.size)));
  ASSIGN_OR_RETURN(auto hashes, HashesFrom(proof, "consistency proof"));
  if (Status consistent = VerifyConsistency(local, checkpoint.size, local_root, checkpoint.root, hashes); !consistent.ok()) {
    return Status::Corruption("refusing the server's history: its checkpoint of size " + std::to_string(checkpoint.size) +
                              " is not consistent with the " + std::to_string(local) + " mirrored entries (a forked log): " +
                              consistent.message());
  }
  ProgressLine progress("mirror", quiet || checkpoint.size - local < kEntriesPageMax);
  ASSIGN_OR_RETURN(CompactRange range, CompactRange::Load(local, mirror.Nodes()));
  while (mirror.size() < checkpoint.size) {
    const uint64_t after = mirror.size();
    const uint64_t limit = std::min<uint64_t>(kEntriesPageMax, checkpoint.size - after);
    ASSIGN_OR_RETURN(json doc, GetJson(client, "/v1/entries?after=" + std::to_string(after) + "&limit=" + std::to_string(limit)));
    if (!doc.contains("entries") || !doc["entries"].is_array() || doc["entries"].empty()) {
      return Status::Corruption("the server has no entry " + std::to_string(after) + " below its checkpoint");
    }
    std::vector<Bytes> page;
    CompactRange extended = range;
    for (const json& e : doc["entries"]) {
      if (after + page.size() >= checkpoint.size) break;
      ASSIGN_OR_RETURN(Bytes bytes, EntryBytesFrom(e, after + page.size()));
      extended.Append(MerkleLeafHash(bytes), nullptr);
      page.push_back(std::move(bytes));
    }
    // Before keeping the page, prove it is what the checkpoint commits to.
    RETURN_IF_ERROR(CheckPageAgainst(client, checkpoint, after, page, extended));
    RETURN_IF_ERROR(mirror.AppendMirrored(std::move(page)));
    range = std::move(extended);
    progress.Update(mirror.size() - local, checkpoint.size - local);
  }
  progress.Finish();
  // The entries must be the ones the checkpoint commits to.
  if (Status stored = mirror.StoreCheckpoint(note); !stored.ok()) {
    return Status::Corruption("refusing the server's history: " + stored.message());
  }
  return Status::Ok();
}

Status Mirror() {
  const RemoteArgs& a = Args();
  HttpClient client(a.server, Token(a));
  std::string verifier_text;
  ASSIGN_OR_RETURN(NoteVerifier verifier, ServerVerifier(client, a.verifier_key, &verifier_text));
  std::unique_ptr<ledger::Ledger> mirror;
  if (std::filesystem::exists(a.data + "/db")) {
    ASSIGN_OR_RETURN(mirror, ledger::Ledger::Open(a.data));
    if (!mirror->is_mirror()) return Status::InvalidArgument(a.data + " holds a ledger that is not a mirror");
    if (mirror->VerifierKey() != verifier_text) {
      return Status::Corruption("the server's verifier key '" + verifier_text + "' is not the mirrored ledger's '" + mirror->VerifierKey() + "'");
    }
  } else {
    ASSIGN_OR_RETURN(json doc, GetJson(client, "/v1/entries?after=0&limit=1"));
    if (!doc.contains("entries") || !doc["entries"].is_array() || doc["entries"].empty()) return Status::Corruption("the server has no genesis");
    ASSIGN_OR_RETURN(Bytes genesis, EntryBytesFrom(doc["entries"][0], 0));
    ASSIGN_OR_RETURN(mirror, ledger::Ledger::CreateMirror(a.data, genesis));
    if (mirror->VerifierKey() != verifier_text) {
      return Status::Corruption("the server's genesis names a different ledger key than its verifier key");
    }
  }
  for (;;) {
    const uint64_t before = mirror->size();
    RETURN_IF_ERROR(MirrorOnce(client, verifier, *mirror, a.quiet || a.json));
    if (mirror->size() > before || !a.follow) {
      if (a.json) {
        std::cout << json{{"origin", mirror->origin()}, {"size", mirror->size()}, {"added", mirror->size() - before}}.dump() << "\n";
      } else {
        std::cout << "mirrored " << mirror->size() << " entries of " << mirror->origin() << " (" << (mirror->size() - before)
                  << " new), every entry and checkpoint verified\n";
      }
      std::cout.flush();
    }
    if (!a.follow) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(a.interval_ms));
  }
}

}  // namespace

void AddRemoteCommands(CLI::App& app) {
  RemoteArgs& a = Args();
  auto add_server = [&](CLI::App* command) {
    command->add_option("--server", a.server, "server URL, e.g. http://127.0.0.1:8080")->required();
    command->add_option("--token", a.token, "bearer token (default: $CREDITLOG_TOKEN)");
    command->add_flag("--json", a.json, "print JSON");
    command->add_flag("--quiet", a.quiet, "no progress line");
  };
  auto* submit = app.add_subcommand("submit", "Sign events (EVENT.json or BATCH.jsonl) locally and submit them to a server");
  add_server(submit);
  submit->add_option("--key", a.key_path, "the agency's key file")->required();
  submit->add_option("input", a.input, "EVENT.json or BATCH.jsonl")->required();
  submit->add_option("--verifier-key", a.verifier_key, "expect this ledger (name+hash+base64)");
  submit->add_flag("--wait", a.wait, "wait for the next checkpoint and verify each event's inclusion proof");
  SetAction(submit, Submit);

  auto* audit = app.add_subcommand("audit", "Audit a server: checkpoint signature, consistency with the last one seen, entries");
  add_server(audit);
  audit->add_option("--verifier-key", a.verifier_key, "the ledger's verifier key (name+hash+base64)")->required();
  audit->add_option("--state", a.state, "file remembering the last checkpoint seen (created if missing)");
  audit->add_option("--sample", a.sample, "check N random entries with inclusion proofs instead of all");
  SetAction(audit, AuditServer);

  auto* mirror = app.add_subcommand("mirror", "Follow a server's log into a local mirror, verifying every entry and checkpoint");
  add_server(mirror);
  mirror->add_option("--data", a.data, "the mirror's data directory (created if missing)")->required();
  mirror->add_option("--verifier-key", a.verifier_key, "expect this ledger (name+hash+base64)");
  mirror->add_flag("--follow", a.follow, "keep following until interrupted");
  mirror->add_option("--interval-ms", a.interval_ms, "with --follow: poll this often")->capture_default_str();
  SetAction(mirror, Mirror);
}

}  // namespace creditlog::api
