#include "projections/postings.h"

#include <algorithm>

#include "base/check.h"

namespace creditlog::projections {

uint32_t Postings::Reader::Next() {
  uint32_t gap = 0;
  // Bounded: a uint32_t gap takes at most five bytes, each with its top bit set but the last.
  for (unsigned shift = 0;; shift += 7) {
    const uint8_t byte = *at_++;
    gap |= static_cast<uint32_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) break;
  }
  value_ += gap;
  return value_;
}

void Postings::Append(uint32_t ordinal) {
  if (count_ > 0 && count_ % kPostingsBlock == 0) {
    CREDITLOG_CHECK(bytes_.size() <= UINT32_MAX);
    skips_.push_back({last_, static_cast<uint32_t>(bytes_.size())});
  }
  uint32_t gap = count_ == 0 ? ordinal : ordinal - last_;
  while (gap >= 0x80) {
    bytes_.push_back(static_cast<uint8_t>(gap | 0x80));
    gap >>= 7;
  }
  bytes_.push_back(static_cast<uint8_t>(gap));
  ++count_;
  last_ = ordinal;
}

void Postings::Add(uint32_t ordinal) {
  if (count_ == 0 || ordinal > last_) {
    Append(ordinal);
    return;
  }
  if (Contains(ordinal)) return;
  // Re-encodes from the block `ordinal` falls in to the end: the name of a subject registered
  // after an earlier event made it (later subjects entered in between) lands in the last blocks,
  // and only they move.
  const size_t block = BlockOf(ordinal);
  const uint32_t first = static_cast<uint32_t>(block) * kPostingsBlock;
  const uint32_t offset = block == 0 ? 0 : skips_[block - 1].offset;
  const uint32_t before = block == 0 ? 0 : skips_[block - 1].before;
  std::vector<uint32_t> tail;
  tail.reserve(count_ - first + 1);
  Reader reader = ReaderAt(block);
  for (uint32_t i = first; i < count_; ++i) tail.push_back(reader.Next());
  tail.insert(std::lower_bound(tail.begin(), tail.end(), ordinal), ordinal);
  bytes_.resize(offset);
  skips_.resize(block == 0 ? 0 : block - 1);
  count_ = first;
  last_ = before;
  for (uint32_t o : tail) Append(o);
}

size_t Postings::BlockOf(uint32_t ordinal) const {
  return static_cast<size_t>(
      std::lower_bound(skips_.begin(), skips_.end(), ordinal, [](const Skip& s, uint32_t o) { return s.before < o; }) -
      skips_.begin());
}

Postings::Reader Postings::ReaderAt(size_t block) const {
  if (block == 0) return Reader(bytes_.data(), 0);
  return Reader(bytes_.data() + skips_[block - 1].offset, skips_[block - 1].before);
}

bool Postings::Contains(uint32_t ordinal) const {
  if (count_ == 0 || ordinal > last_) return false;
  const size_t block = BlockOf(ordinal);
  Reader reader = ReaderAt(block);
  const uint32_t first = static_cast<uint32_t>(block) * kPostingsBlock;
  const uint32_t end = std::min(count_, first + kPostingsBlock);
  for (uint32_t i = first; i < end; ++i) {
    const uint32_t value = reader.Next();
    if (value >= ordinal) return value == ordinal;
  }
  return false;
}

void Postings::ShrinkToFit() {
  bytes_.shrink_to_fit();
  skips_.shrink_to_fit();
}

}  // namespace creditlog::projections
