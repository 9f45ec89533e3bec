// RFC 6962 / RFC 9162 Merkle tree hashing and proofs (SHA-256).
//
// Trees are addressed by complete subtrees: node (level, index) covers leaves
// [index << level, (index + 1) << level). Storage keeps those nodes; everything else
// (roots of any size, proofs) is computed from them here.
#pragma once

#include <functional>
#include <vector>

#include "crypto/bytes.h"

namespace creditlog {

inline constexpr int kMerkleLevelsMax = 64;

Hash MerkleLeafHash(ByteView leaf);                       // SHA-256(0x00 || leaf)
Hash MerkleNodeHash(const Hash& left, const Hash& right);  // SHA-256(0x01 || left || right)
Hash MerkleEmptyRoot();                                    // SHA-256("")

// Returns the stored hash of the complete subtree (level, index).
using NodeReader = std::function<Result<Hash>(int level, uint64_t index)>;

// Root of the tree of the first `size` leaves.
Result<Hash> MerkleRoot(uint64_t size, const NodeReader& nodes);

// RFC 9162 §2.1.3.1: the audit path for leaf `index` in the tree of `size` leaves,
// ordered from the leaf upwards. InvalidArgument unless index < size.
Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size, const NodeReader& nodes);

// RFC 9162 §2.1.4.1: proof that the tree of old_size is a prefix of the tree of new_size.
// InvalidArgument unless 0 < old_size <= new_size (old_size == new_size gives an empty proof).
Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size,
                                           const NodeReader& nodes);

// RFC 9162 §2.1.3.2. OK, or Corruption naming what did not hold.
Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       const std::vector<Hash>& proof, const Hash& root);

// RFC 9162 §2.1.4.2. OK, or Corruption naming what did not hold.
Status VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                         const Hash& new_root, const std::vector<Hash>& proof);

// The right edge of a growing tree: at most one pending left node per level.
// Appending a leaf reports every complete subtree it finishes, so the caller can store it.
class CompactRange {
 public:
  struct Node {
    int level;
    uint64_t index;
    Hash hash;
  };

  CompactRange() = default;

  // Rebuilds the range of a tree of `size` leaves from stored nodes.
  static Result<CompactRange> Load(uint64_t size, const NodeReader& nodes);

  // Appends one leaf hash; `finished` receives the leaf node (level 0) and each
  // node it completes, bottom-up.
  void Append(const Hash& leaf_hash, std::vector<Node>* finished);

  uint64_t size() const { return size_; }
  Hash Root() const;  // MerkleEmptyRoot() for size 0

 private:
  uint64_t size_ = 0;
  // pending_[level] holds the left node waiting for its sibling when bit `level` of size_ is set.
  std::vector<Hash> pending_;
};

}  // namespace creditlog
