// The clients' side of witnessing (docs/witnesses.md, "Checking cosignatures as a client"):
// check-proof, verify, audit --server and mirror take --witness-policy FILE, a C2SP tlog-policy,
// and refuse a checkpoint its quorum has not cosigned. Shared here: opening a checkpoint under
// the policy, finding the log's key in it, and saying who cosigned, in JSON and in words.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "crypto/note.h"
#include "crypto/policy.h"

namespace creditlog::api {

// A note verifier key given as itself (name+hash+base64) or as a file holding it; errors
// start with `what` (the option's name).
Result<NoteVerifier> VerifierKeyArg(const std::string& given, const std::string& what);

// The policy in --witness-policy FILE (ReadWitnessPolicy); nullopt when FILE is "".
Result<std::optional<WitnessPolicy>> OptionalWitnessPolicy(const std::string& path);

// InvalidArgument when the policy lists logs (`log` lines) and `log`'s key is not one of them.
Status PolicyKnowsLog(const WitnessPolicy& policy, const NoteVerifier& log);

// The key of the policy's `log` line for a checkpoint note: the one named by the note's origin
// (its first line); when several share that name, the first whose signature the note carries.
// Corruption when the policy lists no log of that name (the checkpoint is not one it trusts).
Result<NoteVerifier> PolicyLogFor(const WitnessPolicy& policy, std::string_view note);

// `note` as a checkpoint of `log` (its signature and origin) whose cosignatures by the
// policy's witnesses verify and make its quorum. Every refusal is Corruption (a check that did
// not hold: exit 1), its message starting with `what`.
Result<WitnessedCheckpoint> RequireWitnessed(std::string_view note, const NoteVerifier& log, const WitnessPolicy& policy,
                                             const std::string& what);

// A cosignature's time in China Standard Time, e.g. "2026-12-01T10:00:00+08:00".
std::string CosignatureTime(uint64_t timestamp);

// Adds "cosigned_by": [{"witness", "timestamp" (Unix seconds, as GET /v1/witnesses has it),
// "time" (CosignatureTime)}] and "quorum" (the policy's QuorumText) to a command's JSON.
void AddWitnessJson(nlohmann::json& out, const WitnessedCheckpoint& checkpoint, const WitnessPolicy& policy);

// One line in the output language: who cosigned the checkpoint of size N, when, and the quorum.
std::string WitnessLine(const WitnessedCheckpoint& checkpoint, const WitnessPolicy& policy);

}  // namespace creditlog::api
