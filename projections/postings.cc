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
  std::vector<uint32_t> all;
  all.reserve(count_ + 1);
  ForEach([&all](uint32_t o) {
    all.push_back(o);
    return true;
  });
  all.insert(std::lower_bound(all.begin(), all.end(), ordinal), ordinal);
  bytes_.clear();
  skips_.clear();
  count_ = 0;
  for (uint32_t o : all) Append(o);
}

bool Postings::Contains(uint32_t ordinal) const {
  if (count_ == 0 || ordinal > last_) return false;
  // Blocks before `block` end below `ordinal`; block `block` ends at or past it.
  const auto block = static_cast<size_t>(
      std::lower_bound(skips_.begin(), skips_.end(), ordinal, [](const Skip& s, uint32_t o) { return s.before < o; }) -
      skips_.begin());
  Reader reader = block == 0 ? Reader(bytes_.data(), 0) : Reader(bytes_.data() + skips_[block - 1].offset, skips_[block - 1].before);
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
