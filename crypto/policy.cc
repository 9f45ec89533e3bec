#include "crypto/policy.h"

#include <charconv>
#include <map>

namespace creditlog {
namespace {

// Fields of a line, split on ASCII spaces and tabs only.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

}  // namespace

WitnessPolicy WitnessPolicy::None() { return WitnessPolicy(); }

Result<WitnessPolicy> WitnessPolicy::Parse(std::string_view text) {
  if (text.size() > kPolicyBytesMax) return Status::TooLarge("witness policy: larger than " + std::to_string(kPolicyBytesMax) + " bytes");
  WitnessPolicy policy;
  policy.text_ = std::string(text);
  std::map<std::string, size_t, std::less<>> names;  // witness and group names -> nodes_
  bool quorum_seen = false;
  size_t number = 0;
  while (!text.empty()) {
    ++number;
    const size_t newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    const auto bad = [&](const std::string& what) {
      return Status::InvalidArgument("witness policy line " + std::to_string(number) + ": " + what);
    };
    for (char c : line) {
      const auto byte = static_cast<unsigned char>(c);
      if ((byte < 0x20 && c != '\t') || byte == 0x7f) return bad("a control character");
    }
    const std::vector<std::string_view> f = Fields(line);
    if (f.empty() || f[0][0] == '#') continue;
    const std::string_view keyword = f[0];
    if (keyword == "log") {
      if (f.size() < 2 || f.size() > 3) return bad("want 'log <vkey> [<url>]'");
      auto key = ParseVerifierKey(f[1]);
      if (!key.ok()) return bad(key.status().message());
      for (const PolicyLog& log : policy.logs_) {
        if (log.key.public_key == key->public_key) return bad("the log key is listed twice");
      }
      if (policy.logs_.size() == kPolicyLogsMax) return bad("more than " + std::to_string(kPolicyLogsMax) + " logs");
      policy.logs_.push_back({*key, f.size() == 3 ? std::string(f[2]) : ""});
    } else if (keyword == "witness") {
      if (f.size() < 3 || f.size() > 4) return bad("want 'witness <name> <vkey> [<url>]'");
      if (f[1] == "none" || names.count(f[1]) > 0) return bad("the name '" + std::string(f[1]) + "' is already defined");
      auto key = ParseCosignerKey(f[2]);
      if (!key.ok()) return bad(key.status().message());
      for (const PolicyWitness& w : policy.witnesses_) {
        if (w.key.public_key == key->public_key) return bad("witness '" + w.name + "' has the same key");
      }
      if (policy.witnesses_.size() == kPolicyWitnessesMax) {
        return bad("more than " + std::to_string(kPolicyWitnessesMax) + " witnesses (a checkpoint carries at most " +
                   std::to_string(kNoteSignaturesMax) + " signatures)");
      }
      policy.witnesses_.push_back({std::string(f[1]), *key, f.size() == 4 ? std::string(f[3]) : ""});
      names.emplace(std::string(f[1]), policy.nodes_.size());
      policy.nodes_.push_back({std::string(f[1]), 1, {}, policy.witnesses_.size() - 1});
    } else if (keyword == "group") {
      if (f.size() < 4) return bad("want 'group <name> <k>|all|any <member>...'");
      if (f[1] == "none" || names.count(f[1]) > 0) return bad("the name '" + std::string(f[1]) + "' is already defined");
      if (names.size() - policy.witnesses_.size() == kPolicyGroupsMax) return bad("more than " + std::to_string(kPolicyGroupsMax) + " groups");
      Node group{std::string(f[1]), 0, {}, kNone};
      std::set<size_t> seen;
      for (size_t i = 3; i < f.size(); ++i) {
        auto it = names.find(f[i]);
        if (it == names.end()) return bad("'" + std::string(f[i]) + "' is not a witness or group defined above");
        if (!seen.insert(it->second).second) return bad("'" + std::string(f[i]) + "' is a member twice");
        group.members.push_back(it->second);
      }
      const size_t n = group.members.size();
      if (f[2] == "all") {
        group.threshold = n;
      } else if (f[2] == "any") {
        group.threshold = 1;
      } else {
        size_t k = 0;
        auto [end, ec] = std::from_chars(f[2].data(), f[2].data() + f[2].size(), k);
        if (ec != std::errc() || end != f[2].data() + f[2].size() || (f[2].size() > 1 && f[2][0] == '0') || k < 1 || k > n) {
          return bad("the threshold must be all, any or a number from 1 to " + std::to_string(n));
        }
        group.threshold = k;
      }
      names.emplace(std::string(f[1]), policy.nodes_.size());
      policy.nodes_.push_back(std::move(group));
    } else if (keyword == "quorum") {
      if (f.size() != 2) return bad("want 'quorum <name>' or 'quorum none'");
      if (quorum_seen) return bad("a second quorum line");
      quorum_seen = true;
      if (f[1] != "none") {
        auto it = names.find(f[1]);
        if (it == names.end()) return bad("'" + std::string(f[1]) + "' is not a witness or group defined above");
        policy.quorum_ = it->second;
      }
    } else {
      return bad("unknown keyword '" + std::string(keyword) + "' (log, witness, group, quorum)");
    }
  }
  if (!quorum_seen) return Status::InvalidArgument("witness policy: no quorum line ('quorum <name>' or 'quorum none')");
  return policy;
}

bool WitnessPolicy::Witnessed(size_t node, const std::set<std::string>& cosigned_by) const {
  const Node& n = nodes_[node];
  if (n.witness != kNone) return cosigned_by.count(witnesses_[n.witness].name) > 0;
  size_t count = 0;
  for (size_t member : n.members) count += Witnessed(member, cosigned_by) ? 1 : 0;
  return count >= n.threshold;
}

bool WitnessPolicy::Satisfied(const std::set<std::string>& cosigned_by) const {
  return quorum_ == kNone || Witnessed(quorum_, cosigned_by);
}

std::string WitnessPolicy::NodeText(size_t node) const {
  const Node& n = nodes_[node];
  if (n.witness != kNone) return n.name;
  std::string out = (n.threshold == n.members.size() ? std::string("all") : std::to_string(n.threshold)) + " of (";
  for (size_t i = 0; i < n.members.size(); ++i) out += (i ? ", " : "") + NodeText(n.members[i]);
  return out + ")";
}

std::string WitnessPolicy::QuorumText() const { return quorum_ == kNone ? "none" : NodeText(quorum_); }

Result<WitnessedCheckpoint> OpenWitnessed(std::string_view note, const NoteVerifier& log, const WitnessPolicy& policy) {
  WitnessedCheckpoint out;
  ASSIGN_OR_RETURN(out.text, OpenNote(note, log));
  ASSIGN_OR_RETURN(out.checkpoint, ParseCheckpoint(out.text));
  if (out.checkpoint.origin != log.name) {
    return Status::PermissionDenied("checkpoint: origin '" + out.checkpoint.origin + "' is not the log's key name '" + log.name + "'");
  }
  std::set<std::string> names;
  for (const PolicyWitness& witness : policy.witnesses()) {
    auto timestamp = VerifyCosignature(note, witness.key);
    if (timestamp.status().code() == StatusCode::kNotFound) continue;
    if (!timestamp.ok()) return timestamp.status().WithContext("witness " + witness.name);
    out.cosigned_by.push_back({witness.name, *timestamp});
    names.insert(witness.name);
  }
  out.quorum = policy.Satisfied(names);
  return out;
}

Status RequireQuorum(const WitnessedCheckpoint& checkpoint, const WitnessPolicy& policy) {
  if (checkpoint.quorum) return Status::Ok();
  std::string who;
  for (const Cosigned& c : checkpoint.cosigned_by) who += (who.empty() ? "" : ", ") + c.witness;
  return Status::PermissionDenied("the checkpoint of size " + std::to_string(checkpoint.checkpoint.size) +
                                  " is below the witness policy: cosigned by " + (who.empty() ? "no witness" : who) +
                                  ", the quorum is " + policy.QuorumText());
}

}  // namespace creditlog
