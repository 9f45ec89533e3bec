// Every tree of up to 64 leaves: roots, proofs and compact ranges against a naive
// RFC 6962 §2.1 implementation written straight from the recursive definitions.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "crypto/merkle.h"
#include "crypto/sha256.h"

namespace creditlog {
namespace {

constexpr uint64_t kLeavesMax = 64;

using LeafSpan = std::span<const Bytes>;

std::vector<Bytes> MakeLeaves() {
  std::vector<Bytes> leaves;
  for (uint64_t i = 0; i < kLeavesMax; ++i) {
    const std::string text = "leaf " + std::to_string(i);
    leaves.emplace_back(text.begin(), text.end());
  }
  return leaves;
}

// The largest power of two smaller than n, by counting rather than bit tricks.
size_t NaiveSplit(size_t n) {
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// RFC 6962 §2.1 MTH.
Hash NaiveMth(LeafSpan d) {
  if (d.empty()) return Sha256(ByteView());
  if (d.size() == 1) return MerkleLeafHash(d[0]);
  const size_t k = NaiveSplit(d.size());
  return MerkleNodeHash(NaiveMth(d.first(k)), NaiveMth(d.subspan(k)));
}

// RFC 6962 §2.1.1 PATH(m, D[n]).
std::vector<Hash> NaivePath(size_t m, LeafSpan d) {
  if (d.size() <= 1) return {};
  const size_t k = NaiveSplit(d.size());
  std::vector<Hash> path;
  if (m < k) {
    path = NaivePath(m, d.first(k));
    path.push_back(NaiveMth(d.subspan(k)));
  } else {
    path = NaivePath(m - k, d.subspan(k));
    path.push_back(NaiveMth(d.first(k)));
  }
  return path;
}

// RFC 6962 §2.1.2 SUBPROOF(m, D[n], b).
std::vector<Hash> NaiveSubproof(size_t m, LeafSpan d, bool b) {
  if (m == d.size()) return b ? std::vector<Hash>{} : std::vector<Hash>{NaiveMth(d)};
  const size_t k = NaiveSplit(d.size());
  std::vector<Hash> proof;
  if (m <= k) {
    proof = NaiveSubproof(m, d.first(k), b);
    proof.push_back(NaiveMth(d.subspan(k)));
  } else {
    proof = NaiveSubproof(m - k, d.subspan(k), false);
    proof.push_back(NaiveMth(d.first(k)));
  }
  return proof;
}

// Every complete subtree of the 64 leaves, as storage would keep it.
class NodeStore {
 public:
  explicit NodeStore(const std::vector<Bytes>& leaves) {
    for (int level = 0; (uint64_t{1} << level) <= leaves.size(); ++level) {
      const uint64_t width = uint64_t{1} << level;
      for (uint64_t index = 0; (index + 1) * width <= leaves.size(); ++index) {
        nodes_[{level, index}] =
            NaiveMth(LeafSpan(leaves).subspan(index * width, width));
      }
    }
  }

  // A reader for the tree of `size` leaves: asking for a node not (yet) complete in that
  // tree is an error, so the code under test is held to reading only what exists.
  NodeReader Reader(uint64_t size) const {
    return [this, size](int level, uint64_t index) -> Result<Hash> {
      if (level < 0 || level >= 63 || ((index + 1) << level) > size) {
        return Status::NotFound("node (" + std::to_string(level) + ", " +
                                std::to_string(index) + ") is outside the tree of size " +
                                std::to_string(size));
      }
      return nodes_.at({level, index});
    };
  }

  const std::map<std::pair<int, uint64_t>, Hash>& nodes() const { return nodes_; }

 private:
  std::map<std::pair<int, uint64_t>, Hash> nodes_;
};

struct Fixture {
  std::vector<Bytes> leaves = MakeLeaves();
  NodeStore store{leaves};
  std::vector<Hash> roots;  // roots[n] = MTH of the first n leaves

  Fixture() {
    for (uint64_t n = 0; n <= kLeavesMax; ++n) roots.push_back(NaiveMth(Prefix(n)));
  }
  LeafSpan Prefix(uint64_t n) const { return LeafSpan(leaves).first(n); }
};

const Fixture& TheFixture() {
  static const Fixture fixture;
  return fixture;
}

}  // namespace

TEST_CASE("MerkleRoot equals the naive MTH for every size up to 64") {
  const Fixture& f = TheFixture();
  for (uint64_t n = 0; n <= kLeavesMax; ++n) {
    auto root = MerkleRoot(n, f.store.Reader(n));
    REQUIRE(root.ok());
    CHECK(*root == f.roots[n]);
  }
}

TEST_CASE("Inclusion proofs equal the naive PATH and verify, for every leaf of every size") {
  const Fixture& f = TheFixture();
  for (uint64_t n = 1; n <= kLeavesMax; ++n) {
    for (uint64_t i = 0; i < n; ++i) {
      INFO("index " << i << " size " << n);
      auto proof = InclusionProof(i, n, f.store.Reader(n));
      REQUIRE(proof.ok());
      CHECK(*proof == NaivePath(i, f.Prefix(n)));
      const Status verified = VerifyInclusion(i, n, MerkleLeafHash(f.leaves[i]), *proof,
                                              f.roots[n]);
      CHECK(verified.ok());
    }
  }
}

TEST_CASE("Consistency proofs equal the naive SUBPROOF and verify, for every pair of sizes") {
  const Fixture& f = TheFixture();
  for (uint64_t n = 1; n <= kLeavesMax; ++n) {
    for (uint64_t m = 1; m <= n; ++m) {
      INFO("old size " << m << " new size " << n);
      auto proof = ConsistencyProof(m, n, f.store.Reader(n));
      REQUIRE(proof.ok());
      // RFC 6962 §2.1.2: PROOF(m, D[n]) = SUBPROOF(m, D[n], true); empty when m == n.
      const std::vector<Hash> expected =
          m == n ? std::vector<Hash>{} : NaiveSubproof(m, f.Prefix(n), true);
      CHECK(*proof == expected);
      CHECK(VerifyConsistency(m, n, f.roots[m], f.roots[n], *proof).ok());
    }
  }
}

TEST_CASE("Inclusion proofs with a flipped bit, another index or another size are rejected") {
  const Fixture& f = TheFixture();
  for (uint64_t n = 1; n <= kLeavesMax; ++n) {
    for (uint64_t i = 0; i < n; ++i) {
      INFO("index " << i << " size " << n);
      const Hash leaf = MerkleLeafHash(f.leaves[i]);
      const std::vector<Hash> proof = NaivePath(i, f.Prefix(n));
      for (size_t e = 0; e < proof.size(); ++e) {
        std::vector<Hash> tampered = proof;
        tampered[e][e % kHashSize] ^= 0x08;
        CHECK(VerifyInclusion(i, n, leaf, tampered, f.roots[n]).code() ==
              StatusCode::kCorruption);
      }
      Hash wrong_leaf = leaf;
      wrong_leaf[0] ^= 0x01;
      CHECK_FALSE(VerifyInclusion(i, n, wrong_leaf, proof, f.roots[n]).ok());
      for (uint64_t other = 0; other < n; ++other) {
        if (other != i) CHECK_FALSE(VerifyInclusion(other, n, leaf, proof, f.roots[n]).ok());
      }
      for (uint64_t other = 1; other <= kLeavesMax; ++other) {
        if (other != n) CHECK_FALSE(VerifyInclusion(i, other, leaf, proof, f.roots[other]).ok());
      }
      std::vector<Hash> longer = proof;
      longer.push_back(f.roots[n]);
      CHECK_FALSE(VerifyInclusion(i, n, leaf, longer, f.roots[n]).ok());
      if (!proof.empty()) {
        const std::vector<Hash> shorter(proof.begin(), proof.end() - 1);
        CHECK_FALSE(VerifyInclusion(i, n, leaf, shorter, f.roots[n]).ok());
      }
    }
  }
}

TEST_CASE("Consistency proofs with a flipped bit or other sizes are rejected") {
  const Fixture& f = TheFixture();
  for (uint64_t n = 2; n <= kLeavesMax; ++n) {
    for (uint64_t m = 1; m < n; ++m) {
      INFO("old size " << m << " new size " << n);
      const std::vector<Hash> proof = NaiveSubproof(m, f.Prefix(n), true);
      for (size_t e = 0; e < proof.size(); ++e) {
        std::vector<Hash> tampered = proof;
        tampered[e][e % kHashSize] ^= 0x10;
        CHECK(VerifyConsistency(m, n, f.roots[m], f.roots[n], tampered).code() ==
              StatusCode::kCorruption);
      }
      for (uint64_t other = 1; other <= n; ++other) {
        if (other == m) continue;
        CHECK_FALSE(VerifyConsistency(other, n, f.roots[other], f.roots[n], proof).ok());
      }
      for (uint64_t other = m; other <= kLeavesMax; ++other) {
        if (other == n) continue;
        CHECK_FALSE(VerifyConsistency(m, other, f.roots[m], f.roots[other], proof).ok());
      }
      CHECK_FALSE(VerifyConsistency(m, n, f.roots[n], f.roots[m], proof).ok());
      CHECK_FALSE(VerifyConsistency(m, n, f.roots[m], f.roots[n], {}).ok());
      std::vector<Hash> longer = proof;
      longer.push_back(f.roots[n]);
      CHECK_FALSE(VerifyConsistency(m, n, f.roots[m], f.roots[n], longer).ok());
      std::vector<Hash> prefixed = proof;
      prefixed.insert(prefixed.begin(), f.roots[m]);
      CHECK_FALSE(VerifyConsistency(m, n, f.roots[m], f.roots[n], prefixed).ok());
    }
  }
}

TEST_CASE("Trivial consistency: equal sizes need equal roots, size 0 needs the empty root") {
  const Fixture& f = TheFixture();
  CHECK(VerifyConsistency(5, 5, f.roots[5], f.roots[5], {}).ok());
  CHECK(VerifyConsistency(5, 5, f.roots[4], f.roots[5], {}).code() == StatusCode::kCorruption);
  CHECK_FALSE(VerifyConsistency(5, 5, f.roots[5], f.roots[5], {f.roots[5]}).ok());
  CHECK(VerifyConsistency(0, 7, MerkleEmptyRoot(), f.roots[7], {}).ok());
  CHECK_FALSE(VerifyConsistency(0, 7, f.roots[1], f.roots[7], {}).ok());
  CHECK_FALSE(VerifyConsistency(0, 7, MerkleEmptyRoot(), f.roots[7], {f.roots[7]}).ok());
  CHECK(VerifyConsistency(7, 5, f.roots[7], f.roots[5], {}).code() == StatusCode::kCorruption);
}

TEST_CASE("Proofs outside the tree are invalid arguments") {
  const Fixture& f = TheFixture();
  CHECK(InclusionProof(0, 0, f.store.Reader(0)).status().code() == StatusCode::kInvalidArgument);
  CHECK(InclusionProof(5, 5, f.store.Reader(5)).status().code() == StatusCode::kInvalidArgument);
  CHECK(ConsistencyProof(0, 5, f.store.Reader(5)).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(ConsistencyProof(6, 5, f.store.Reader(6)).status().code() ==
        StatusCode::kInvalidArgument);
  auto same = ConsistencyProof(5, 5, f.store.Reader(5));
  REQUIRE(same.ok());
  CHECK(same->empty());
  CHECK(VerifyInclusion(5, 5, MerkleLeafHash(f.leaves[5]), {}, f.roots[5]).code() ==
        StatusCode::kCorruption);
}

TEST_CASE("Node reader errors are passed through unchanged") {
  const NodeReader failing = [](int, uint64_t) -> Result<Hash> {
    return Status::IOError("disk on fire");
  };
  CHECK(MerkleRoot(3, failing).status().code() == StatusCode::kIOError);
  CHECK(InclusionProof(1, 3, failing).status().code() == StatusCode::kIOError);
  CHECK(ConsistencyProof(1, 3, failing).status().code() == StatusCode::kIOError);
  CHECK(CompactRange::Load(3, failing).status().code() == StatusCode::kIOError);
}

TEST_CASE("CompactRange roots equal the naive MTH for every size up to 64") {
  const Fixture& f = TheFixture();
  CompactRange range;
  CHECK(range.Root() == MerkleEmptyRoot());
  for (uint64_t n = 1; n <= kLeavesMax; ++n) {
    range.Append(MerkleLeafHash(f.leaves[n - 1]), nullptr);
    CHECK(range.size() == n);
    CHECK(range.Root() == f.roots[n]);
  }
}

TEST_CASE("CompactRange reports every complete subtree once, bottom-up, with its hash") {
  const Fixture& f = TheFixture();
  CompactRange range;
  std::set<std::pair<int, uint64_t>> reported;
  for (uint64_t n = 0; n < kLeavesMax; ++n) {
    std::vector<CompactRange::Node> finished;
    range.Append(MerkleLeafHash(f.leaves[n]), &finished);
    REQUIRE_FALSE(finished.empty());
    CHECK(finished.front().level == 0);
    CHECK(finished.front().index == n);
    for (size_t i = 0; i < finished.size(); ++i) {
      const CompactRange::Node& node = finished[i];
      CHECK(node.level == static_cast<int>(i));
      // Every reported node ends at the leaf just appended.
      CHECK(((node.index + 1) << node.level) == n + 1);
      CHECK(node.hash == f.store.nodes().at({node.level, node.index}));
      CHECK(reported.insert({node.level, node.index}).second);
    }
  }
  CHECK(reported.size() == f.store.nodes().size());
}

TEST_CASE("CompactRange::Load restores the same state for every size up to 64") {
  const Fixture& f = TheFixture();
  for (uint64_t size = 0; size <= kLeavesMax; ++size) {
    INFO("size " << size);
    CompactRange appended;
    for (uint64_t i = 0; i < size; ++i) appended.Append(MerkleLeafHash(f.leaves[i]), nullptr);
    auto loaded = CompactRange::Load(size, f.store.Reader(size));
    REQUIRE(loaded.ok());
    CHECK(loaded->size() == size);
    CHECK(loaded->Root() == appended.Root());
    // The same future: appending the remaining leaves reports the same nodes.
    for (uint64_t i = size; i < kLeavesMax; ++i) {
      std::vector<CompactRange::Node> from_loaded;
      std::vector<CompactRange::Node> from_appended;
      loaded->Append(MerkleLeafHash(f.leaves[i]), &from_loaded);
      appended.Append(MerkleLeafHash(f.leaves[i]), &from_appended);
      REQUIRE(from_loaded.size() == from_appended.size());
      for (size_t j = 0; j < from_loaded.size(); ++j) {
        CHECK(from_loaded[j].hash == from_appended[j].hash);
      }
      CHECK(loaded->Root() == f.roots[i + 1]);
    }
  }
}

}  // namespace creditlog
