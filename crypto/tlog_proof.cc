#include "crypto/tlog_proof.h"

#include <charconv>

#include "base/check.h"

namespace creditlog {
namespace {

constexpr std::string_view kExtraPrefix = "extra ";
constexpr std::string_view kIndexPrefix = "index ";
constexpr size_t kDecimalDigitsMax = 20;  // UINT64_MAX has 20 digits

bool StartsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

}  // namespace

std::string FormatTlogProof(const TlogProof& proof) {
  CREDITLOG_CHECK(!proof.checkpoint.empty() && proof.checkpoint.size() <= kNoteBytesMax);
  CREDITLOG_CHECK(proof.hashes.size() <= kTlogProofHashesMax);
  CREDITLOG_CHECK(!proof.extra || proof.extra->size() <= kTlogProofExtraBytesMax);
  std::string out(kTlogProofHeader);
  out += "\n";
  if (proof.extra) out += std::string(kExtraPrefix) + Base64Encode(*proof.extra) + "\n";
  out += std::string(kIndexPrefix) + std::to_string(proof.index) + "\n";
  for (const Hash& hash : proof.hashes) out += Base64Encode(hash) + "\n";
  out += "\n";
  out += proof.checkpoint;
  return out;
}

Result<TlogProof> ParseTlogProof(std::string_view text) {
  if (text.size() > kTlogProofBytesMax) {
    return Status::TooLarge("tlog-proof: larger than " + std::to_string(kTlogProofBytesMax) + " bytes");
  }
  TlogProof proof;
  size_t at = 0;
  size_t number = 0;  // the line last read, from 1
  std::string_view line;
  // The next line without its '\n'; false when the text ends before one.
  const auto next = [&]() {
    ++number;
    const size_t end = text.find('\n', at);
    if (end == std::string_view::npos) return false;
    line = text.substr(at, end - at);
    at = end + 1;
    return true;
  };
  const auto bad = [&](const std::string& what) {
    return Status::InvalidArgument("tlog-proof line " + std::to_string(number) + ": " + what);
  };
  const auto crlf = [&]() { return !line.empty() && line.back() == '\r' ? std::string(" (lines must end in \\n alone, not \\r\\n)") : ""; };

  if (!next()) return bad("the file ends; want the line '" + std::string(kTlogProofHeader) + "'");
  if (line != kTlogProofHeader) return bad("want '" + std::string(kTlogProofHeader) + "', not a proof of another kind" + crlf());
  if (!next()) return bad("the file ends; want 'extra <base64>' or 'index <decimal>'");
  if (StartsWith(line, kExtraPrefix)) {
    const std::string_view encoded = line.substr(kExtraPrefix.size());
    if (encoded.size() > (kTlogProofExtraBytesMax + 2) / 3 * 4) {
      return Status::TooLarge("tlog-proof line " + std::to_string(number) + ": extra data larger than " +
                              std::to_string(kTlogProofExtraBytesMax) + " bytes");
    }
    auto extra = Base64Decode(encoded);
    if (!extra.ok()) return bad("extra: " + extra.status().message() + crlf());
    proof.extra = std::move(*extra);
    if (!next()) return bad("the file ends; want 'index <decimal>'");
  }
  if (!StartsWith(line, kIndexPrefix)) return bad("want 'index <decimal>'");
  const std::string_view digits = line.substr(kIndexPrefix.size());
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), proof.index);
  if (digits.empty() || digits.size() > kDecimalDigitsMax || (digits.size() > 1 && digits[0] == '0') ||
      error != std::errc() || end != digits.data() + digits.size()) {
    return bad("index '" + std::string(digits) + "' is not a canonical decimal number below 2^64" + crlf());
  }
  for (;;) {
    if (!next()) return bad("the file ends; want an inclusion proof hash, or the empty line before the checkpoint");
    if (line.empty()) break;
    if (proof.hashes.size() == kTlogProofHashesMax) {
      return bad("more than " + std::to_string(kTlogProofHashesMax) + " inclusion proof hashes");
    }
    auto hash = Base64Decode(line);
    if (!hash.ok() || hash->size() != kHashSize) return bad("not the base64 of a 32-byte inclusion proof hash" + crlf());
    proof.hashes.emplace_back();
    std::copy(hash->begin(), hash->end(), proof.hashes.back().begin());
  }
  proof.checkpoint = std::string(text.substr(at));
  ++number;
  if (proof.checkpoint.empty()) return bad("the file ends; want the checkpoint after the empty line");
  if (proof.checkpoint.size() > kNoteBytesMax) {
    return Status::TooLarge("tlog-proof line " + std::to_string(number) + ": the checkpoint is larger than " +
                            std::to_string(kNoteBytesMax) + " bytes");
  }
  return proof;
}

Result<WitnessedCheckpoint> VerifyTlogProof(const TlogProof& proof, const Hash& leaf_hash, const NoteVerifier& log,
                                            const WitnessPolicy& policy) {
  auto opened = OpenWitnessed(proof.checkpoint, log, policy);
  if (!opened.ok()) return opened.status().WithContext("checkpoint");
  const Checkpoint& checkpoint = opened->checkpoint;
  // VerifyInclusion's refusals start "inclusion proof:" and include an index beyond the tree.
  RETURN_IF_ERROR(VerifyInclusion(proof.index, checkpoint.size, leaf_hash, proof.hashes, checkpoint.root));
  return opened;
}

}  // namespace creditlog
