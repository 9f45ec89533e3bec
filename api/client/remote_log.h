// A verifying client of a creditlog server: what it hands out is
// what the log's key signed, or an error.
//
// - Connect() fetches the server's verifier key; when the caller trusts a key, the served one
//   must be that key.
// - Checkpoint() returns the latest checkpoint with its signature and origin checked.
// - NextEntries() returns entries only once they are proven to be the ones a verified
//   checkpoint commits to (a consistency proof from the tree they extend); the caller keeps
//   the tree (a CompactRange) between calls.
// - CheckInclusion() and CheckConsistency() fetch a proof and verify it against a checkpoint.
// Every failure to verify is Corruption, naming what did not hold; a server that cannot be
// reached is IOError; an error answer keeps the server's code (HttpClient::ErrorOf).
// Not thread-safe: one RemoteLog per thread (it holds one connection).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/client/http_client.h"
#include "crypto/merkle.h"
#include "crypto/note.h"

namespace creditlog::api {

struct SignedCheckpoint {
  Checkpoint checkpoint;  // the signed text, parsed
  std::string note;       // the note as served (text and signatures)
};

class RemoteLog {
 public:
  // base_url: e.g. http://127.0.0.1:8080; token: "" for none; trusted_verifier_key: "" to
  // take the server's own (trust on first use, as `submit` and a new `mirror` do).
  static Result<std::unique_ptr<RemoteLog>> Connect(std::string base_url, std::string token,
                                                    const std::string& trusted_verifier_key);

  const NoteVerifier& verifier() const { return verifier_; }
  const std::string& verifier_key() const { return verifier_key_; }  // name+hash+base64
  HttpClient& http() { return http_; }  // for writes, which the server answers with proofs

  // GET /v1/checkpoint, its signature and origin checked.
  Result<SignedCheckpoint> Checkpoint();
  // A checkpoint note from this log (e.g. one a write was answered with), checked the same way.
  Result<SignedCheckpoint> OpenCheckpoint(const std::string& note) const;

  // One entry's bytes as served (GET /v1/entries/{seq}); not yet tied to a checkpoint.
  Result<Bytes> Entry(uint64_t seq);
  // The entries after the tree `range` (the first range->size() entries, already verified):
  // at most kEntriesPageMax of them, none beyond `checkpoint.size`. Proves that they extend
  // `range` into the tree `checkpoint` commits to, then extends `range`. On failure, inclusion
  // proofs find and name the first entry that is not the committed one.
  Result<std::vector<Bytes>> NextEntries(const creditlog::Checkpoint& checkpoint, CompactRange* range);

  // Fetches an inclusion proof for leaf `seq` and checks that `leaf_hash` is in `checkpoint`.
  Status CheckInclusion(uint64_t seq, const Hash& leaf_hash, const creditlog::Checkpoint& checkpoint);
  // Fetches a consistency proof and checks that the tree (old_size, old_root) is a prefix of
  // `checkpoint`'s. old_size 0 holds trivially.
  Status CheckConsistency(uint64_t old_size, const Hash& old_root, const creditlog::Checkpoint& checkpoint);

  Result<nlohmann::json> GetJson(const std::string& path);
  Result<std::string> GetText(const std::string& path);

 private:
  RemoteLog(std::string base_url, std::string token) : http_(std::move(base_url), std::move(token)) {}
  Result<std::vector<Bytes>> EntryPage(uint64_t after, uint64_t limit);

  HttpClient http_;
  NoteVerifier verifier_;
  std::string verifier_key_;
};

// `range` extended by `page` into *extended, proven a prefix of `checkpoint`'s tree: OK, or
// Corruption saying what did not hold. `prove(size)` gives the consistency proof from a tree of
// `size` leaves to the checkpoint's (only called when the page does not reach it).
Status ExtendInto(const CompactRange& range, const std::vector<Bytes>& page, const creditlog::Checkpoint& checkpoint,
                  const std::function<Result<std::vector<Hash>>(uint64_t size)>& prove, CompactRange* extended);

// The "hashes" of a proof answer, each base64 of 32 bytes. Corruption naming `what` otherwise.
Result<std::vector<Hash>> ProofHashes(const nlohmann::json& answer, const std::string& what);

}  // namespace creditlog::api
