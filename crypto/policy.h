// C2SP tlog-policy: which logs and witnesses a party knows, and the quorum of witnesses whose
// cosignatures (crypto/cosignature.h) make a checkpoint acceptable.
//
//   log <vkey> [<url>]
//   witness <name> <cosigner vkey> [<submission URL>]
//   group <name> <k>|all|any <member>...
//   quorum <name>|none
//
// '#' starts a comment line; names are defined before they are used; exactly one quorum line.
// OpenWitnessed checks a checkpoint against a policy: the log's signature, every cosignature
// by a known witness, and whether those witnesses make the quorum.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/cosignature.h"
#include "crypto/note.h"

namespace creditlog {

inline constexpr size_t kPolicyBytesMax = 64 * 1024;
inline constexpr size_t kPolicyLogsMax = 32;
// A checkpoint carries at most kNoteSignaturesMax signatures: the log's and the witnesses'.
inline constexpr size_t kPolicyWitnessesMax = kNoteSignaturesMax - 1;
inline constexpr size_t kPolicyGroupsMax = 32;

struct PolicyLog {
  NoteVerifier key;
  std::string url;  // "" when none is given
};

struct PolicyWitness {
  std::string name;  // the policy's name for it, not its key name
  CosignerKey key;
  std::string url;   // its tlog-witness submission prefix; "" when none is given
};

class WitnessPolicy {
 public:
  // InvalidArgument naming the line and what is wrong with it.
  static Result<WitnessPolicy> Parse(std::string_view text);
  // A policy requiring no cosignature ("quorum none"), for logs without witnesses.
  static WitnessPolicy None();

  const std::vector<PolicyLog>& logs() const { return logs_; }
  const std::vector<PolicyWitness>& witnesses() const { return witnesses_; }
  bool requires_cosignatures() const { return quorum_ != kNone; }
  // True when the witnesses named (policy names) make the quorum.
  bool Satisfied(const std::set<std::string>& cosigned_by) const;
  // The quorum in words, e.g. "2 of (audit, court, congress)".
  std::string QuorumText() const;
  // The policy file's text as parsed ("quorum none\n" for None()).
  const std::string& text() const { return text_; }

 private:
  static constexpr size_t kNone = static_cast<size_t>(-1);
  struct Node {  // a witness (members empty) or a group
    std::string name;
    size_t threshold = 0;
    std::vector<size_t> members;  // indexes into nodes_
    size_t witness = kNone;       // index into witnesses_ for a witness
  };
  bool Witnessed(size_t node, const std::set<std::string>& cosigned_by) const;
  std::string NodeText(size_t node) const;

  std::vector<PolicyLog> logs_;
  std::vector<PolicyWitness> witnesses_;
  std::vector<Node> nodes_;
  size_t quorum_ = kNone;
  std::string text_ = "quorum none\n";
};

struct Cosigned {
  std::string witness;  // the policy's name
  uint64_t timestamp = 0;
};

struct WitnessedCheckpoint {
  Checkpoint checkpoint;
  std::string text;                  // the signed checkpoint text
  std::vector<Cosigned> cosigned_by;  // the policy's witnesses whose cosignatures verified, in policy order
  bool quorum = false;                // those witnesses make the policy's quorum
};

// Opens `note` as a checkpoint of the log `log` (its signature must verify) and checks the
// cosignature of every witness in `policy`: a witness's line that does not verify is
// PermissionDenied (a malformed note); a missing one only does not count. Does not require
// the quorum: RequireQuorum does.
Result<WitnessedCheckpoint> OpenWitnessed(std::string_view note, const NoteVerifier& log, const WitnessPolicy& policy);
// PermissionDenied naming who cosigned and what the quorum is, unless it is met.
Status RequireQuorum(const WitnessedCheckpoint& checkpoint, const WitnessPolicy& policy);

}  // namespace creditlog
