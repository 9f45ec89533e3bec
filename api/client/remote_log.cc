#include "api/client/remote_log.h"

#include <algorithm>

#include "api/protocol.h"

namespace creditlog::api {

using nlohmann::json;

namespace {

Result<Bytes> EntryBytesFrom(const json& doc, uint64_t seq) {
  if (!doc.is_object() || !doc.contains("entry") || !doc["entry"].is_string() || doc.value("seq", ~uint64_t{0}) != seq) {
    return Status::Corruption("entry " + std::to_string(seq) + ": the answer does not carry it");
  }
  auto bytes = Base64Decode(doc["entry"].get<std::string>());
  if (!bytes.ok()) return Status::Corruption("entry " + std::to_string(seq) + ": " + bytes.status().message());
  return *bytes;
}

std::string InclusionPath(uint64_t seq, uint64_t size) {
  return "/v1/proofs/inclusion?seq=" + std::to_string(seq) + "&size=" + std::to_string(size);
}

std::string ConsistencyPath(uint64_t old_size, uint64_t new_size) {
  return "/v1/proofs/consistency?old=" + std::to_string(old_size) + "&new=" + std::to_string(new_size);
}

}  // namespace

Result<std::vector<Hash>> ProofHashes(const json& answer, const std::string& what) {
  if (!answer.is_object() || !answer.contains("hashes") || !answer["hashes"].is_array()) return Status::Corruption(what + ": no hashes");
  std::vector<Hash> out;
  for (const json& h : answer["hashes"]) {
    auto bytes = h.is_string() ? Base64Decode(h.get<std::string>()) : Result<Bytes>(Status::Corruption("not a string"));
    if (!bytes.ok() || bytes->size() != kHashSize) return Status::Corruption(what + ": a hash is malformed");
    Hash hash;
    std::copy(bytes->begin(), bytes->end(), hash.begin());
    out.push_back(hash);
  }
  return out;
}

Result<std::unique_ptr<RemoteLog>> RemoteLog::Connect(std::string base_url, std::string token,
                                                      const std::string& trusted_verifier_key) {
  std::unique_ptr<RemoteLog> log(new RemoteLog(std::move(base_url), std::move(token)));
  ASSIGN_OR_RETURN(std::string served, log->GetText("/v1/verifier-key"));
  while (!served.empty() && (served.back() == '\n' || served.back() == '\r')) served.pop_back();
  if (!trusted_verifier_key.empty() && served != trusted_verifier_key) {
    return Status::Corruption("the server's verifier key '" + served + "' is not the trusted one '" + trusted_verifier_key + "'");
  }
  ASSIGN_OR_RETURN(log->verifier_, ParseVerifierKey(served));
  log->verifier_key_ = std::move(served);
  return log;
}

Result<json> RemoteLog::GetJson(const std::string& path) {
  ASSIGN_OR_RETURN(HttpResponse response, http_.Get(path));
  if (response.status != 200) return HttpClient::ErrorOf(response, "GET " + path);
  json doc = json::parse(response.body, nullptr, false);
  if (doc.is_discarded()) return Status::Corruption("GET " + path + ": the answer is not JSON");
  return doc;
}

Result<std::string> RemoteLog::GetText(const std::string& path) {
  ASSIGN_OR_RETURN(HttpResponse response, http_.Get(path));
  if (response.status != 200) return HttpClient::ErrorOf(response, "GET " + path);
  return response.body;
}

Result<SignedCheckpoint> RemoteLog::OpenCheckpoint(const std::string& note) const {
  auto text = OpenNote(note, verifier_);
  if (!text.ok()) return Status::Corruption("the server's checkpoint: " + text.status().message());
  auto checkpoint = ParseCheckpoint(*text);
  if (!checkpoint.ok()) return Status::Corruption("the server's checkpoint: " + checkpoint.status().message());
  if (checkpoint->origin != verifier_.name) return Status::Corruption("the server's checkpoint names origin '" + checkpoint->origin + "'");
  return SignedCheckpoint{std::move(*checkpoint), note};
}

Result<SignedCheckpoint> RemoteLog::Checkpoint() {
  ASSIGN_OR_RETURN(std::string note, GetText("/v1/checkpoint"));
  return OpenCheckpoint(note);
}

Result<Bytes> RemoteLog::Entry(uint64_t seq) {
  ASSIGN_OR_RETURN(json doc, GetJson("/v1/entries/" + std::to_string(seq)));
  return EntryBytesFrom(doc, seq);
}

Result<std::vector<Bytes>> RemoteLog::EntryPage(uint64_t after, uint64_t limit) {
  ASSIGN_OR_RETURN(json doc, GetJson("/v1/entries?after=" + std::to_string(after) + "&limit=" + std::to_string(limit)));
  if (!doc.contains("entries") || !doc["entries"].is_array() || doc["entries"].empty()) {
    return Status::Corruption("the server has no entry " + std::to_string(after) + " below its checkpoint");
  }
  std::vector<Bytes> page;
  for (const json& e : doc["entries"]) {
    if (page.size() >= limit) break;
    ASSIGN_OR_RETURN(Bytes bytes, EntryBytesFrom(e, after + page.size()));
    page.push_back(std::move(bytes));
  }
  return page;
}

Status ExtendInto(const CompactRange& range, const std::vector<Bytes>& page, const creditlog::Checkpoint& checkpoint,
                  const std::function<Result<std::vector<Hash>>(uint64_t size)>& prove, CompactRange* extended) {
  *extended = range;
  for (const Bytes& entry : page) extended->Append(MerkleLeafHash(entry), nullptr);
  if (extended->size() == checkpoint.size) {
    return extended->Root() == checkpoint.root ? Status::Ok() : Status::Corruption("root differs");
  }
  auto proof = prove(extended->size());
  if (!proof.ok()) return proof.status();
  return VerifyConsistency(extended->size(), checkpoint.size, extended->Root(), checkpoint.root, *proof);
}

Result<std::vector<Bytes>> RemoteLog::NextEntries(const creditlog::Checkpoint& checkpoint, CompactRange* range) {
  const uint64_t after = range->size();
  if (after >= checkpoint.size) return std::vector<Bytes>{};
  ASSIGN_OR_RETURN(std::vector<Bytes> page, EntryPage(after, std::min<uint64_t>(kEntriesPageMax, checkpoint.size - after)));
  // Before handing the page out, prove it is what the checkpoint commits to.
  CompactRange extended;
  const Status holds = ExtendInto(*range, page, checkpoint, [&](uint64_t size) -> Result<std::vector<Hash>> {
    ASSIGN_OR_RETURN(json proof, GetJson(ConsistencyPath(size, checkpoint.size)));
    return ProofHashes(proof, "consistency proof");
  }, &extended);
  if (holds.ok()) {
    *range = std::move(extended);
    return page;
  }
  for (size_t i = 0; i < page.size(); ++i) {
    if (!CheckInclusion(after + i, MerkleLeafHash(page[i]), checkpoint).ok()) {
      return Status::Corruption("seq " + std::to_string(after + i) + ": the entry served is not the one its checkpoint of size " +
                                std::to_string(checkpoint.size) + " commits to");
    }
  }
  return Status::Corruption("entries " + std::to_string(after) + ".." + std::to_string(after + page.size() - 1) +
                            " do not match its checkpoint of size " + std::to_string(checkpoint.size));
}

Status RemoteLog::CheckInclusion(uint64_t seq, const Hash& leaf_hash, const creditlog::Checkpoint& checkpoint) {
  ASSIGN_OR_RETURN(json proof, GetJson(InclusionPath(seq, checkpoint.size)));
  ASSIGN_OR_RETURN(auto hashes, ProofHashes(proof, "inclusion proof"));
  return VerifyInclusion(seq, checkpoint.size, leaf_hash, hashes, checkpoint.root);
}

Status RemoteLog::CheckConsistency(uint64_t old_size, const Hash& old_root, const creditlog::Checkpoint& checkpoint) {
  if (old_size == 0) return Status::Ok();
  if (old_size == checkpoint.size) {
    return old_root == checkpoint.root ? Status::Ok() : Status::Corruption("the roots of the same size differ");
  }
  ASSIGN_OR_RETURN(json proof, GetJson(ConsistencyPath(old_size, checkpoint.size)));
  ASSIGN_OR_RETURN(auto hashes, ProofHashes(proof, "consistency proof"));
  return VerifyConsistency(old_size, checkpoint.size, old_root, checkpoint.root, hashes);
}

}  // namespace creditlog::api
