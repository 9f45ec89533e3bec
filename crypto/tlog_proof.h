// C2SP tlog-proof (c2sp.org/tlog-proof@v1): an offline-verifiable proof that an entry is in a
// transparency log, in one text file (extension .tlog-proof):
//
//   c2sp.org/tlog-proof@v1
//   extra <base64 of application data>        (optional; creditlog: the entry's bytes)
//   index <leaf index, canonical decimal>
//   <base64 inclusion proof hash>             (zero or more, leaf's sibling first)
//   (empty line)
//   <the checkpoint, a signed note, verbatim: the log's signature and any cosignatures>
//
// ParseTlogProof reads only the framing; VerifyTlogProof checks the checkpoint's signature, the
// cosignatures of the policy's witnesses and the inclusion proof of a leaf hash, which the
// application computes (the extra data is not authenticated until that proof holds).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/policy.h"

namespace creditlog {

inline constexpr std::string_view kTlogProofHeader = "c2sp.org/tlog-proof@v1";
// A proof file: the extra data's base64, at most kTlogProofHashesMax hash lines and a note.
inline constexpr size_t kTlogProofExtraBytesMax = 128 * 1024;  // decoded
inline constexpr size_t kTlogProofHashesMax = kMerkleLevelsMax;
inline constexpr size_t kTlogProofBytesMax = 256 * 1024;

struct TlogProof {
  std::optional<Bytes> extra;   // no extra line when empty
  uint64_t index = 0;
  std::vector<Hash> hashes;     // the inclusion proof, leaf to root
  std::string checkpoint;       // the signed note, verbatim (ends in '\n')
};

// The file's text. REQUIRES: the limits above and a non-empty checkpoint (checked).
std::string FormatTlogProof(const TlogProof& proof);

// InvalidArgument naming the line and what is wrong with it; TooLarge beyond the limits. The
// checkpoint is taken as it is: VerifyTlogProof opens it.
Result<TlogProof> ParseTlogProof(std::string_view text);

// The spec's steps 2 to 4 for a leaf hash the application computed (step 1): the checkpoint is
// signed by `log` and its origin is the log's key name, every cosignature by a witness of
// `policy` verifies, and `leaf_hash` is at `proof.index` in the checkpoint's tree. Returns the
// checkpoint with its cosigners; does not require the quorum (RequireQuorum does).
// PermissionDenied or InvalidArgument (as OpenWitnessed) when the checkpoint does not open;
// Corruption, starting "inclusion proof", when the proof does not hold.
Result<WitnessedCheckpoint> VerifyTlogProof(const TlogProof& proof, const Hash& leaf_hash, const NoteVerifier& log,
                                            const WitnessPolicy& policy);

}  // namespace creditlog
