// Proof requests and proof checks on arbitrary numbers and hashes: generating a proof for any
// (index, size) pair answers an error or a proof that verifies; checking never crashes.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "crypto/merkle.h"
#include "crypto/sha256.h"

namespace {

uint64_t Take64(const uint8_t*& data, size_t& size) {
  uint64_t v = 0;
  const size_t n = size < 8 ? size : 8;
  std::memcpy(&v, data, n);
  data += n;
  size -= n;
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace creditlog;
  const uint64_t a = Take64(data, size) % 600;
  const uint64_t b = Take64(data, size) % 600;
  // A tree of b leaves whose leaf i hashes the number i; nodes computed on demand.
  NodeReader nodes = [](int level, uint64_t index) -> Result<Hash> {
    if (level == 0) {
      uint8_t leaf[8];
      std::memcpy(leaf, &index, 8);
      return MerkleLeafHash(ByteView(leaf, 8));
    }
    return Status::NotFound("interior nodes are recomputed from leaves");
  };
  CompactRange range;
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < b; ++i) {
    uint8_t leaf[8];
    std::memcpy(leaf, &i, 8);
    leaves.push_back(MerkleLeafHash(ByteView(leaf, 8)));
    range.Append(leaves.back(), nullptr);
  }
  // Interior nodes from the complete subtrees, for the proof generators.
  NodeReader full = [&](int level, uint64_t index) -> Result<Hash> {
    const uint64_t width = uint64_t{1} << level;
    if (level > 40 || (index + 1) * width > b) return Status::NotFound("no such node");
    std::vector<Hash> layer(leaves.begin() + static_cast<std::ptrdiff_t>(index * width),
                            leaves.begin() + static_cast<std::ptrdiff_t>((index + 1) * width));
    while (layer.size() > 1) {
      std::vector<Hash> up;
      for (size_t i = 0; i < layer.size(); i += 2) up.push_back(MerkleNodeHash(layer[i], layer[i + 1]));
      layer = up;
    }
    return layer[0];
  };
  (void)nodes;
  auto proof = InclusionProof(a, b, full);
  if (proof.ok() && !VerifyInclusion(a, b, leaves[a], *proof, range.Root()).ok()) std::abort();
  auto consistency = ConsistencyProof(a, b, full);
  if (consistency.ok() && a > 0) {
    auto old_root = MerkleRoot(a, full);
    if (old_root.ok() && !VerifyConsistency(a, b, *old_root, range.Root(), *consistency).ok()) std::abort();
  }
  // Arbitrary hashes as a proof: checking must answer, not crash.
  std::vector<Hash> hashes;
  while (size >= kHashSize && hashes.size() < 64) {
    Hash h;
    std::memcpy(h.data(), data, kHashSize);
    hashes.push_back(h);
    data += kHashSize;
    size -= kHashSize;
  }
  Hash root{};
  (void)VerifyInclusion(a, b, root, hashes, root);
  (void)VerifyConsistency(a, b, root, root, hashes);
  return 0;
}
