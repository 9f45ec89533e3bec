#include "projections/search_index.h"

#include <algorithm>
#include <thread>

#include "base/check.h"
#include "events/event.h"
#include "projections/state.h"

namespace creditlog::projections {
namespace {

constexpr uint64_t kCodePointBits = 21;             // Unicode code points are below 2^21
constexpr uint64_t kSingleFlag = uint64_t{1} << 62;  // a key of one character, apart from pairs
constexpr uint32_t kRawByteFlag = uint32_t{1} << 21;  // a byte that begins no UTF-8 sequence, as its own unit

// The units of `text`: its code points, with each byte of a malformed sequence a unit of its own
// (names are checked UTF-8 when recorded; this only keeps the index total).
std::vector<uint32_t> Units(std::string_view text) {
  std::vector<uint32_t> units;
  units.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    bool whole = length > 0 && i + length <= text.size();
    uint32_t cp = length == 1 ? lead : length == 2 ? (lead & 0x1F) : length == 3 ? (lead & 0x0F) : (lead & 0x07);
    for (size_t k = 1; whole && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      whole = (next & 0xC0) == 0x80;
      cp = (cp << 6) | (next & 0x3F);
    }
    if (!whole) {
      units.push_back(kRawByteFlag | lead);
      ++i;
      continue;
    }
    units.push_back(cp);
    i += length;
  }
  return units;
}

uint64_t Single(uint32_t unit) { return kSingleFlag | unit; }
uint64_t Pair(uint32_t a, uint32_t b) { return (uint64_t{a} << (kCodePointBits + 1)) | b; }

}  // namespace

void SearchIndex::Add(std::vector<uint32_t>& list, uint32_t ordinal) {
  if (list.empty() || list.back() < ordinal) {
    list.push_back(ordinal);
    return;
  }
  auto at = std::lower_bound(list.begin(), list.end(), ordinal);
  if (at == list.end() || *at != ordinal) list.insert(at, ordinal);
}

void SearchIndex::IndexDivision(const SubjectState& s, uint32_t ordinal) {
  const std::string_view division = events::SubjectDivision(s.id);
  if (division.empty()) return;
  auto d = divisions_.find(division);
  if (d == divisions_.end()) d = divisions_.emplace(std::string(division), std::vector<uint32_t>{}).first;
  Add(d->second, ordinal);
}

void SearchIndex::IndexName(const SubjectState& s, uint32_t ordinal) {
  const std::vector<uint32_t> units = Units(s.name);
  for (size_t i = 0; i < units.size(); ++i) {
    grams_[Single(units[i])].Add(ordinal);
    if (i + 1 < units.size()) grams_[Pair(units[i], units[i + 1])].Add(ordinal);
  }
}

uint32_t SearchIndex::OrdinalOf(SubjectState& s) {
  if (s.search_ordinal == kNotIndexed) {
    CREDITLOG_CHECK(subjects_.size() < kNotIndexed);
    s.search_ordinal = static_cast<uint32_t>(subjects_.size());
    subjects_.push_back(&s);
    IndexDivision(s, s.search_ordinal);
  }
  CREDITLOG_CHECK(s.search_ordinal < subjects_.size() && subjects_[s.search_ordinal] == &s);
  return s.search_ordinal;
}

void SearchIndex::Rebind(const SubjectMap& subjects) {
  for (const auto& [id, s] : subjects) {
    if (s.search_ordinal == kNotIndexed) continue;
    CREDITLOG_CHECK(s.search_ordinal < subjects_.size());
    subjects_[s.search_ordinal] = &s;
  }
}

void SearchIndex::Load(std::vector<SubjectState*> entered) {
  CREDITLOG_CHECK(subjects_.empty());
  subjects_.assign(entered.begin(), entered.end());
  // grams_ on a thread of its own; this one reads subjects_ too but writes only the other members
  // (and the subjects' ordinals, which IndexName does not read).
  std::jthread names([this] {
    for (uint32_t ordinal = 0; ordinal < subjects_.size(); ++ordinal) {
      if (subjects_[ordinal]->kind != fb::SubjectKind::CivilServant) IndexName(*subjects_[ordinal], ordinal);
    }
    // Lists grown entry by entry keep up to half their capacity spare; a loaded index is read far
    // more than it grows.
    for (auto& [gram, list] : grams_) list.ShrinkToFit();
  });
  for (uint32_t ordinal = 0; ordinal < entered.size(); ++ordinal) {
    SubjectState& s = *entered[ordinal];
    CREDITLOG_CHECK(s.search_ordinal == kNotIndexed);  // distinct, and in no index yet
    s.search_ordinal = ordinal;
    IndexDivision(s, ordinal);
    if (s.kind == fb::SubjectKind::CivilServant) Add(sealed_, ordinal);
  }
}

void SearchIndex::Update(SubjectState& s) {
  const uint32_t ordinal = OrdinalOf(s);
  if (s.kind == fb::SubjectKind::CivilServant) {
    Add(sealed_, ordinal);
    return;
  }
  IndexName(s, ordinal);
}

void SearchIndex::ForEachNameHit(std::string_view query, const std::function<bool(const SubjectState&)>& fn) const {
  if (query.empty()) return;
  const std::vector<uint32_t> units = Units(query);
  std::vector<const Postings*> lists;
  auto look = [&](uint64_t key) {
    auto it = grams_.find(key);
    if (it == grams_.end()) return false;
    lists.push_back(&it->second);
    return true;
  };
  if (units.size() == 1) {
    if (!look(Single(units[0]))) return;
  } else {
    for (size_t i = 0; i + 1 < units.size(); ++i) {
      if (!look(Pair(units[i], units[i + 1]))) return;  // a pair no name holds: no hit
    }
  }
  std::sort(lists.begin(), lists.end(), [](const auto* a, const auto* b) { return std::pair(a->size(), a) < std::pair(b->size(), b); });
  lists.erase(std::unique(lists.begin(), lists.end()), lists.end());
  size_t read = 0;
  lists.front()->ForEach([&](uint32_t ordinal) {
    if (++read > kSearchCandidatesMax) return false;
    bool everywhere = true;
    for (size_t k = 1; k < lists.size() && everywhere; ++k) everywhere = lists[k]->Contains(ordinal);
    if (!everywhere) return true;
    const SubjectState& s = *subjects_[ordinal];
    if (s.kind == fb::SubjectKind::CivilServant || s.name.find(query) == std::string::npos) return true;
    return fn(s);
  });
}

void SearchIndex::ForEachInDivision(std::string_view digits, const std::function<bool(const SubjectState&)>& fn) const {
  for (auto it = divisions_.lower_bound(digits); it != divisions_.end() && it->first.starts_with(digits); ++it) {
    for (uint32_t ordinal : it->second) {
      if (!fn(*subjects_[ordinal])) return;
    }
  }
}

void SearchIndex::ForEachSealed(const std::function<bool(const SubjectState&)>& fn) const {
  for (uint32_t ordinal : sealed_) {
    if (!fn(*subjects_[ordinal])) return;
  }
}

}  // namespace creditlog::projections
