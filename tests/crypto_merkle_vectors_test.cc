// Published RFC 6962 known answers.
//
// Leaves, roots and proofs: github.com/transparency-dev/merkle, proof/verify_test.go
// (the Certificate Transparency reference tree of 8 leaves; its inclusion vectors number
// leaves from 1, converted here to 0-based indexes). Hasher vectors:
// github.com/transparency-dev/merkle, rfc6962/rfc6962_test.go.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/merkle.h"

namespace creditlog {
namespace {

Hash H(std::string_view hex) {
  auto bytes = HexDecode(hex);
  REQUIRE(bytes.ok());
  REQUIRE(bytes->size() == kHashSize);
  Hash out;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

Bytes B(std::string_view hex) {
  auto bytes = HexDecode(hex);
  REQUIRE(bytes.ok());
  return *bytes;
}

const std::vector<std::string_view> kLeafHex = {
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
};

// kRootHex[n - 1] is the root of the tree of the first n leaves.
const std::vector<std::string_view> kRootHex = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

struct InclusionVector {
  uint64_t index;
  uint64_t size;
  std::vector<std::string_view> proof;
};

const std::vector<InclusionVector> kInclusionVectors = {
    {0, 1, {}},
    {0, 8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5, 8,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1, 5,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

struct ConsistencyVector {
  uint64_t old_size;
  uint64_t new_size;
  std::vector<std::string_view> proof;
};

const std::vector<ConsistencyVector> kConsistencyVectors = {
    {1, 1, {}},
    {1, 8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6, 8,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 5,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6, 7,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

std::vector<Hash> Hashes(const std::vector<std::string_view>& hex) {
  std::vector<Hash> out;
  for (std::string_view h : hex) out.push_back(H(h));
  return out;
}

// Builds the stored nodes of the reference tree the way the ledger does: a compact range
// reporting every finished node.
struct ReferenceTree {
  std::map<std::pair<int, uint64_t>, Hash> nodes;
  std::vector<Hash> leaf_hashes;

  ReferenceTree() {
    CompactRange range;
    for (std::string_view hex : kLeafHex) {
      leaf_hashes.push_back(MerkleLeafHash(B(hex)));
      std::vector<CompactRange::Node> finished;
      range.Append(leaf_hashes.back(), &finished);
      for (const auto& node : finished) nodes[{node.level, node.index}] = node.hash;
    }
  }

  NodeReader Reader() const {
    return [this](int level, uint64_t index) -> Result<Hash> {
      auto it = nodes.find({level, index});
      if (it == nodes.end()) return Status::NotFound("no such node");
      return it->second;
    };
  }
};

}  // namespace

TEST_CASE("RFC 6962 hasher: empty root and empty leaf known answers") {
  CHECK(MerkleEmptyRoot() ==
        H("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  CHECK(MerkleLeafHash(ByteView()) ==
        H("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"));
  CHECK(MerkleLeafHash(AsBytes("L123456")) ==
        H("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"));
}

TEST_CASE("Reference tree: roots of every size 1..8 match the published roots") {
  const ReferenceTree tree;
  CompactRange range;
  for (uint64_t n = 1; n <= kRootHex.size(); ++n) {
    INFO("size " << n);
    auto root = MerkleRoot(n, tree.Reader());
    REQUIRE(root.ok());
    CHECK(*root == H(kRootHex[n - 1]));
    range.Append(tree.leaf_hashes[n - 1], nullptr);
    CHECK(range.Root() == H(kRootHex[n - 1]));
  }
}

TEST_CASE("Reference tree: inclusion proofs match the published proofs and verify") {
  const ReferenceTree tree;
  for (const InclusionVector& v : kInclusionVectors) {
    INFO("index " << v.index << " size " << v.size);
    const std::vector<Hash> expected = Hashes(v.proof);
    auto proof = InclusionProof(v.index, v.size, tree.Reader());
    REQUIRE(proof.ok());
    CHECK(*proof == expected);
    const Hash root = H(kRootHex[v.size - 1]);
    CHECK(VerifyInclusion(v.index, v.size, tree.leaf_hashes[v.index], expected, root).ok());
    CHECK_FALSE(VerifyInclusion(v.index, v.size * 2, tree.leaf_hashes[v.index], expected,
                                root).ok());
  }
}

TEST_CASE("Reference tree: consistency proofs match the published proofs and verify") {
  const ReferenceTree tree;
  for (const ConsistencyVector& v : kConsistencyVectors) {
    INFO("old size " << v.old_size << " new size " << v.new_size);
    const std::vector<Hash> expected = Hashes(v.proof);
    auto proof = ConsistencyProof(v.old_size, v.new_size, tree.Reader());
    REQUIRE(proof.ok());
    CHECK(*proof == expected);
    const Hash old_root = H(kRootHex[v.old_size - 1]);
    const Hash new_root = H(kRootHex[v.new_size - 1]);
    CHECK(VerifyConsistency(v.old_size, v.new_size, old_root, new_root, expected).ok());
    if (!expected.empty()) {
      CHECK_FALSE(VerifyConsistency(v.old_size, v.new_size, new_root, old_root, expected).ok());
    }
  }
}

}  // namespace creditlog
