// The search index's postings lists (projections/postings.h) against a std::set of the same
// ordinals: membership on both sides of every block boundary, gaps of every varint length, and
// ordinals added out of order (a renamed subject's new pairs).
#include <catch2/catch.hpp>

#include <random>
#include <set>
#include <vector>

#include "projections/postings.h"

using namespace creditlog::projections;

namespace {

std::vector<uint32_t> Listed(const Postings& postings) {
  std::vector<uint32_t> out;
  postings.ForEach([&out](uint32_t o) {
    out.push_back(o);
    return true;
  });
  return out;
}

// Every ordinal in the set and its neighbours on either side, checked against Contains.
void CheckAgainst(const Postings& postings, const std::set<uint32_t>& expected) {
  REQUIRE(postings.size() == expected.size());
  CHECK(Listed(postings) == std::vector<uint32_t>(expected.begin(), expected.end()));
  for (uint32_t o : expected) {
    CHECK(postings.Contains(o));
    if (o > 0) CHECK(postings.Contains(o - 1) == expected.contains(o - 1));
    if (o < UINT32_MAX) CHECK(postings.Contains(o + 1) == expected.contains(o + 1));
  }
}

}  // namespace

TEST_CASE("postings appended in order hold exactly their ordinals across block boundaries") {
  Postings postings;
  CHECK(postings.empty());
  CHECK_FALSE(postings.Contains(0));
  std::set<uint32_t> expected;
  // Gaps of one to five varint bytes, and more than three blocks of entries.
  const std::vector<uint32_t> gaps = {1, 2, 127, 128, 16383, 16384, 2097151, 2097152, 3, 5};
  uint32_t ordinal = 0;
  for (size_t i = 0; i < 3 * kPostingsBlock + 7; ++i) {
    postings.Add(ordinal);
    expected.insert(ordinal);
    ordinal += gaps[i % gaps.size()];
  }
  CheckAgainst(postings, expected);
  CHECK_FALSE(postings.Contains(ordinal));  // past the last
  postings.ShrinkToFit();
  CheckAgainst(postings, expected);
}

TEST_CASE("postings take the largest ordinals and a five-byte first gap") {
  Postings postings;
  postings.Add(UINT32_MAX - 1);
  postings.Add(UINT32_MAX);
  CheckAgainst(postings, {UINT32_MAX - 1, UINT32_MAX});
  Postings zero;
  zero.Add(0);
  zero.Add(0);  // again: no second entry
  CheckAgainst(zero, {0});
}

TEST_CASE("postings added out of order are kept ascending and distinct") {
  std::mt19937 rng(20261205);
  Postings postings;
  std::set<uint32_t> expected;
  // Mostly ascending, as subjects enter; every fifth an earlier ordinal, as a rename adds.
  uint32_t next = 0;
  for (int i = 0; i < 600; ++i) {
    uint32_t ordinal = next;
    if (i % 5 == 4) {
      ordinal = static_cast<uint32_t>(rng() % (next + 1));
    } else {
      next += 1 + static_cast<uint32_t>(rng() % 300);
    }
    postings.Add(ordinal);
    expected.insert(ordinal);
  }
  CheckAgainst(postings, expected);
  // Stopping early: ForEach ends when fn says so.
  std::vector<uint32_t> first;
  postings.ForEach([&first](uint32_t o) {
    first.push_back(o);
    return first.size() < 3;
  });
  CHECK(first == std::vector<uint32_t>(expected.begin(), std::next(expected.begin(), 3)));
}

TEST_CASE("an ordinal added below the last lands in its block and every later entry moves up") {
  // Even ordinals 0..2*(4 blocks + 10), then odd ones in the first, a middle and the last block,
  // and at each side of a block boundary.
  Postings postings;
  std::set<uint32_t> expected;
  for (uint32_t o = 0; o < 2 * (4 * kPostingsBlock + 10); o += 2) {
    postings.Add(o);
    expected.insert(o);
  }
  for (uint32_t o : {1u, 2 * kPostingsBlock - 1, 2 * kPostingsBlock + 1, 4 * kPostingsBlock + 3, 2 * (4 * kPostingsBlock + 9) - 1}) {
    postings.Add(o);
    expected.insert(o);
    CheckAgainst(postings, expected);
  }
  postings.Add(2 * (4 * kPostingsBlock + 10));  // appended after them
  expected.insert(2 * (4 * kPostingsBlock + 10));
  CheckAgainst(postings, expected);
}
