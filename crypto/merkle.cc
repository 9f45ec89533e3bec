#include "crypto/merkle.h"

#include <algorithm>
#include <bit>
#include <string>

#include "base/check.h"
#include "crypto/sha256.h"

namespace creditlog {
namespace {

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

// A consistency proof has at most one hash per level for each of the two paths.
constexpr size_t kInclusionProofHashesMax = kMerkleLevelsMax;
constexpr size_t kConsistencyProofHashesMax = 2 * kMerkleLevelsMax;

// The largest power of two strictly smaller than n. REQUIRES: n > 1.
uint64_t SplitPoint(uint64_t n) {
  CREDITLOG_CHECK(n > 1);
  return std::bit_floor(n - 1);
}

std::string Str(uint64_t value) { return std::to_string(value); }

// RFC 6962 MTH of leaves [begin, end), asking `nodes` for every aligned complete subtree.
// REQUIRES: begin < end. Recursion depth is bounded by 2 * kMerkleLevelsMax.
Result<Hash> SubtreeHash(uint64_t begin, uint64_t end, const NodeReader& nodes) {
  CREDITLOG_CHECK(begin < end);
  const uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0) {
    const int level = std::countr_zero(n);
    return nodes(level, begin >> level);
  }
  const uint64_t k = SplitPoint(n);  // n > 1: a single leaf is an aligned subtree
  ASSIGN_OR_RETURN(const Hash left, SubtreeHash(begin, begin + k, nodes));
  ASSIGN_OR_RETURN(const Hash right, SubtreeHash(begin + k, end, nodes));
  return MerkleNodeHash(left, right);
}

// Shifts fn and sn right until fn's lowest bit is set or fn is 0 (RFC 9162 §2.1.3.2 step 4).
void ShiftWhileEven(uint64_t* fn, uint64_t* sn) {
  while (*fn != 0 && (*fn & 1) == 0) {
    *fn >>= 1;
    *sn >>= 1;
  }
}

}  // namespace

Hash MerkleLeafHash(ByteView leaf) {
  Sha256Stream stream;
  stream.Update(ByteView(&kLeafPrefix, 1));
  stream.Update(leaf);
  return stream.Finish();
}

Hash MerkleNodeHash(const Hash& left, const Hash& right) {
  Sha256Stream stream;
  stream.Update(ByteView(&kNodePrefix, 1));
  stream.Update(left);
  stream.Update(right);
  return stream.Finish();
}

Hash MerkleEmptyRoot() { return Sha256(ByteView()); }

Result<Hash> MerkleRoot(uint64_t size, const NodeReader& nodes) {
  if (size == 0) return MerkleEmptyRoot();
  return SubtreeHash(0, size, nodes);
}

// RFC 9162 §2.1.3.1 PATH(m, D[n]), unrolled: descend from the root towards leaf m,
// collecting the sibling subtree at each level; the proof lists them from the leaf up.
Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size, const NodeReader& nodes) {
  if (index >= size) {
    return Status::InvalidArgument("inclusion proof: leaf index " + Str(index) +
                                   " is not less than tree size " + Str(size));
  }
  std::vector<Hash> proof;
  uint64_t begin = 0;
  uint64_t end = size;
  while (end - begin > 1) {
    const uint64_t k = SplitPoint(end - begin);
    if (index < begin + k) {
      ASSIGN_OR_RETURN(Hash right, SubtreeHash(begin + k, end, nodes));
      proof.push_back(right);
      end = begin + k;
    } else {
      ASSIGN_OR_RETURN(Hash left, SubtreeHash(begin, begin + k, nodes));
      proof.push_back(left);
      begin += k;
    }
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

// RFC 9162 §2.1.4.1 SUBPROOF(m, D[n], b), unrolled the same way. The recursion emits its
// innermost result first, so siblings collected on the way down are reversed at the end.
Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size,
                                           const NodeReader& nodes) {
  if (old_size == 0 || old_size > new_size) {
    return Status::InvalidArgument("consistency proof: want 0 < old size <= new size, got " +
                                   Str(old_size) + " and " + Str(new_size));
  }
  std::vector<Hash> siblings;
  uint64_t begin = 0;
  uint64_t end = new_size;
  uint64_t m = old_size;  // the old tree's leaves within [begin, end)
  bool old_root_known = true;  // b: the old tree's subtree here is the old root itself
  while (m != end - begin) {
    const uint64_t k = SplitPoint(end - begin);
    if (m <= k) {
      ASSIGN_OR_RETURN(Hash right, SubtreeHash(begin + k, end, nodes));
      siblings.push_back(right);
      end = begin + k;
    } else {
      ASSIGN_OR_RETURN(Hash left, SubtreeHash(begin, begin + k, nodes));
      siblings.push_back(left);
      begin += k;
      m -= k;
      old_root_known = false;
    }
  }
  std::vector<Hash> proof;
  if (!old_root_known) {
    ASSIGN_OR_RETURN(Hash shared, SubtreeHash(begin, end, nodes));
    proof.push_back(shared);
  }
  proof.insert(proof.end(), siblings.rbegin(), siblings.rend());
  return proof;
}

Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       const std::vector<Hash>& proof, const Hash& root) {
  if (index >= size) {
    return Status::Corruption("inclusion proof: leaf index " + Str(index) +
                              " is not less than tree size " + Str(size));
  }
  if (proof.size() > kInclusionProofHashesMax) {
    return Status::Corruption("inclusion proof: " + Str(proof.size()) + " hashes, more than " +
                              Str(kInclusionProofHashesMax));
  }
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return Status::Corruption("inclusion proof: longer than the path to the root");
    if ((fn & 1) == 1 || fn == sn) {
      r = MerkleNodeHash(p, r);
      ShiftWhileEven(&fn, &sn);
    } else {
      r = MerkleNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::Corruption("inclusion proof: shorter than the path to the root");
  if (r != root) {
    return Status::Corruption("inclusion proof: leaf " + Str(index) +
                              " does not lead to the root of the tree of size " + Str(size));
  }
  return Status::Ok();
}

Status VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                         const Hash& new_root, const std::vector<Hash>& proof) {
  if (old_size > new_size) {
    return Status::Corruption("consistency proof: old size " + Str(old_size) +
                              " is larger than new size " + Str(new_size));
  }
  if (old_size == 0 || old_size == new_size) {
    // Trivial cases: no proof, and the old root must be the empty root or the new root.
    if (!proof.empty()) return Status::Corruption("consistency proof: should be empty");
    const Hash expected = old_size == 0 ? MerkleEmptyRoot() : new_root;
    if (old_root != expected) {
      return Status::Corruption("consistency proof: old root differs for size " +
                                Str(old_size));
    }
    return Status::Ok();
  }
  if (proof.empty()) return Status::Corruption("consistency proof: empty");
  if (proof.size() > kConsistencyProofHashesMax) {
    return Status::Corruption("consistency proof: " + Str(proof.size()) +
                              " hashes, more than " + Str(kConsistencyProofHashesMax));
  }
  // RFC 9162 §2.1.4.2. When old_size is a power of two the old root is implied first element.
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(old_size)) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());

  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0];
  Hash sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return Status::Corruption("consistency proof: longer than the path to the root");
    if ((fn & 1) == 1 || fn == sn) {
      fr = MerkleNodeHash(c, fr);
      sr = MerkleNodeHash(c, sr);
      ShiftWhileEven(&fn, &sn);
    } else {
      sr = MerkleNodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::Corruption("consistency proof: shorter than the path to the root");
  if (fr != old_root) {
    return Status::Corruption("consistency proof: does not lead to the old root (size " +
                              Str(old_size) + ")");
  }
  if (sr != new_root) {
    return Status::Corruption("consistency proof: does not lead to the new root (size " +
                              Str(new_size) + ")");
  }
  return Status::Ok();
}

Result<CompactRange> CompactRange::Load(uint64_t size, const NodeReader& nodes) {
  CompactRange range;
  range.size_ = size;
  range.pending_.resize(static_cast<size_t>(std::bit_width(size)));
  for (int level = 0; level < kMerkleLevelsMax; ++level) {
    if (((size >> level) & 1) == 0) continue;
    // The pending node at `level` is the left child just before the end of the tree.
    auto hash = nodes(level, (size >> level) - 1);
    if (!hash.ok()) {
      return hash.status().WithContext("compact range of size " + Str(size) + ", level " +
                                       Str(static_cast<uint64_t>(level)));
    }
    range.pending_[static_cast<size_t>(level)] = *hash;
  }
  return range;
}

void CompactRange::Append(const Hash& leaf_hash, std::vector<Node>* finished) {
  CREDITLOG_CHECK(size_ < UINT64_MAX);  // a tree of 2^64 leaves cannot be addressed
  Hash hash = leaf_hash;
  int level = 0;
  uint64_t index = size_;
  if (finished != nullptr) finished->push_back(Node{level, index, hash});
  // Each set bit of size_, from the bottom, is a pending left sibling that is now complete.
  while (((size_ >> level) & 1) == 1) {
    hash = MerkleNodeHash(pending_[static_cast<size_t>(level)], hash);
    ++level;
    index >>= 1;
    if (finished != nullptr) finished->push_back(Node{level, index, hash});
  }
  const size_t slot = static_cast<size_t>(level);
  if (pending_.size() <= slot) pending_.resize(slot + 1);
  pending_[slot] = hash;
  ++size_;
}

Hash CompactRange::Root() const {
  if (size_ == 0) return MerkleEmptyRoot();
  // Fold from the smallest (rightmost) subtree towards the largest (leftmost).
  size_t level = static_cast<size_t>(std::countr_zero(size_));
  Hash root = pending_[level];
  for (++level; level < static_cast<size_t>(kMerkleLevelsMax); ++level) {
    if (((size_ >> level) & 1) == 1) root = MerkleNodeHash(pending_[level], root);
  }
  return root;
}

}  // namespace creditlog
