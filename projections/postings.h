// A postings list of the search index: distinct ordinals in ascending order, each stored as its
// difference from the one before in LEB128 (seven bits a byte: one byte for a gap below 128).
// A list of a common pair of characters at two million subjects holds hundreds of thousands of
// close ordinals; four bytes each were 165 MiB of the index's 214 (benchmarks/NOTES.md).
//
// Every kPostingsBlock-th entry has a skip entry (the ordinal before it, and where its bytes
// begin), so that Contains decodes at most one block after a binary search of the skips.
//
// Not thread-safe, as the index that holds it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace creditlog::projections {

// Entries between skip entries: Contains decodes at most this many.
inline constexpr uint32_t kPostingsBlock = 64;

class Postings {
 public:
  // Adds `ordinal` if absent. In ascending order (as subjects enter) it is appended; an ordinal
  // below the last (a subject named after later ones entered, or renamed) re-encodes the list
  // from its block on.
  void Add(uint32_t ordinal);
  bool Contains(uint32_t ordinal) const;
  // Calls fn(ordinal) in ascending order until it returns false.
  template <typename Fn>
  void ForEach(Fn fn) const {
    Reader reader(bytes_.data(), 0);
    for (uint32_t i = 0; i < count_; ++i) {
      if (!fn(reader.Next())) return;
    }
  }
  uint32_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Gives back the spare capacity appends leave (a loaded index is read far more than it grows).
  void ShrinkToFit();

 private:
  struct Skip {
    uint32_t before;  // the ordinal of the entry before the block
    uint32_t offset;  // where the block's first entry begins in bytes_
  };
  // Decodes entries from a place in bytes_ on, given the ordinal before it.
  class Reader {
   public:
    Reader(const uint8_t* at, uint32_t before) : at_(at), value_(before) {}
    uint32_t Next();

   private:
    const uint8_t* at_;
    uint32_t value_;
  };
  void Append(uint32_t ordinal);  // REQUIRES: empty, or ordinal > last_
  // The block `ordinal` is in if it is listed: blocks before it end below `ordinal`, it ends at
  // or past it (or is the last).
  size_t BlockOf(uint32_t ordinal) const;
  Reader ReaderAt(size_t block) const;  // at the first entry of `block`

  std::vector<uint8_t> bytes_;
  std::vector<Skip> skips_;  // skips_[k] begins block k + 1 (entry (k + 1) * kPostingsBlock)
  uint32_t count_ = 0;
  uint32_t last_ = 0;  // the largest ordinal, when not empty
};

}  // namespace creditlog::projections
