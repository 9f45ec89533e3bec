// A witness of other logs (C2SP tlog-witness): it cosigns a log's checkpoint only when it is
// consistent with the latest one it cosigned for that log, and it never goes back.
//
// Its directory holds its key and one file per log:
//   DIR/witness.key                 the Ed25519 cosigner key, encrypted (crypto/key_file.h)
//   DIR/logs/<hex SHA-256(origin)>  the latest checkpoint it cosigned for that log, with the
//                                   log's signature and its own cosignature (a signed note)
// A log's file is replaced durably (base/file.h) before a cosignature is returned, under one
// lock with the check of the old size, so two concurrent submissions cannot roll it back.
//
// AddCheckpoint answers as the protocol says, through Status codes that the HTTP layer maps:
//   InvalidArgument   400  a malformed request, or an old size above the checkpoint's
//   PermissionDenied  403  no valid signature by the log's key
//   NotFound          404  an origin the witness does not know
//   Conflict          409  the old size is not the size it last cosigned (*latest_size says it)
//   Corruption        422  the consistency proof does not verify (a fork or a rollback)
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/cosignature.h"
#include "crypto/note.h"

namespace creditlog::ledger {

inline constexpr size_t kWitnessLogsMax = 1024;
inline constexpr size_t kConsistencyProofLinesMax = 63;  // C2SP tlog-witness
// The old size line, 63 proof lines and a checkpoint note.
inline constexpr size_t kAddCheckpointBytesMax = 64 + kConsistencyProofLinesMax * 46 + kNoteBytesMax;
inline constexpr const char* kWitnessKeyFile = "witness.key";
inline constexpr const char* kWitnessLogsDir = "logs";
inline constexpr const char* kSizeContentType = "text/x.tlog.size";

// The parts of an add-checkpoint request body. InvalidArgument naming what is wrong.
struct AddCheckpointRequest {
  uint64_t old_size = 0;
  std::vector<Hash> proof;
  std::string note;
};
Result<AddCheckpointRequest> ParseAddCheckpoint(std::string_view body);
std::string FormatAddCheckpoint(const AddCheckpointRequest& request);

// The hex SHA-256 of an origin: a log's name in the witness's URLs and files.
std::string OriginHash(std::string_view origin);

class Witness {
 public:
  // Creates DIR (which must not exist or be empty) with a new key named `name`, encrypted with
  // `passphrase`. Returns the cosigner's verifier key.
  static Result<std::string> Init(const std::string& dir, const std::string& name, const std::string& passphrase);
  // Opens DIR for the logs whose checkpoint keys are `logs` (one per origin).
  static Result<std::unique_ptr<Witness>> Open(const std::string& dir, const std::string& passphrase,
                                               const std::vector<NoteVerifier>& logs);

  const std::string& name() const { return name_; }
  std::string VerifierKey() const;  // name+key ID+base64(0x04 || key)

  // C2SP add-checkpoint at `now_seconds` (POSIX seconds): the cosignature lines on success.
  Result<std::string> AddCheckpoint(std::string_view body, uint64_t now_seconds, uint64_t* latest_size);
  // The latest checkpoint cosigned for the log whose origin hashes to `origin_hash` (NotFound
  // if none).
  Result<std::string> Latest(std::string_view origin_hash) const;

  struct LogState {
    NoteVerifier key;
    uint64_t size = 0;
    Hash root{};
    std::string note;  // "" before the first cosignature
  };
  // A copy of each log's state, by origin.
  std::map<std::string, LogState> Logs() const;

 private:
  Witness() = default;

  std::string dir_;
  std::string name_;
  KeyPair key_;
  mutable std::mutex mutex_;  // GUARDS: logs_ and the files in DIR/logs
  std::map<std::string, LogState, std::less<>> logs_;  // by origin
};

}  // namespace creditlog::ledger
