// The index search reads: subjects by a fragment of their name, by the prefix of their code
// (USCC, upper case) and by the administrative division in their code, kept as the state folds
// events, so that a search costs what its hits cost and not a scan of every subject.
//
// Names are indexed by their characters and by each pair of adjacent characters (Unicode code
// points: a Chinese name has no spaces to split words at). A query of one character reads that
// character's list; a longer query intersects the lists of its pairs, and every candidate is
// checked against the name itself, so the index only narrows: a hit is a subject whose name
// holds the query, exactly as a scan would find it. A renamed subject keeps its old name's
// entries (checked away on reading) rather than rewriting lists of millions on each rename.
//
// The lists of names are delta-encoded (Postings); those of divisions and of civil servants are
// plain arrays (a few million entries in all).
//
// Civil servants' names are sealed in the log (docs/privacy.md): they are not indexed, and
// searches that may see them match them as the reader is shown them (ForEachSealed).
//
// Not thread-safe: the State that owns it is read under the projection's shared lock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "projections/id_map.h"
#include "projections/postings.h"

namespace creditlog::projections {

struct SubjectState;
// The subjects by id (SubjectState::id, held once: IdMap), as State holds them.
using SubjectMap = IdMap<SubjectState>;

// The subjects a search reads at most, beyond which a query's rarest list is not walked further:
// bounds a query whose every pair is common but which matches nothing (say 青岛北京).
inline constexpr size_t kSearchCandidatesMax = 200000;

// A subject's SubjectState::search_ordinal before an index has taken it in.
inline constexpr uint32_t kNotIndexed = UINT32_MAX;

class SearchIndex {
 public:
  // Holds pointers into its State's subjects (stable: map nodes do not move, and a moved map
  // keeps its nodes). A copied State points its copy at its own subjects with Rebind.
  SearchIndex() = default;

  // Points the index at `subjects`, a copy of the map it was built over: each subject there
  // carries its ordinal (SubjectState::search_ordinal) with it.
  void Rebind(const SubjectMap& subjects);

  // Indexes `entered`, distinct subjects in the order they entered the log, as Update called on
  // each in that order would, but on two threads: names on one, ordinals and divisions on the
  // other (a snapshot read at two million subjects). REQUIRES: the index is empty, and no subject
  // of `entered` is indexed (kNotIndexed).
  void Load(std::vector<SubjectState*> entered);

  // Indexes `s` as it is now: a new subject (given its ordinal), or one whose name or kind
  // changed.
  void Update(SubjectState& s);

  // Calls fn for each subject whose name holds `query` (not civil servants: ForEachSealed), in
  // the order they entered the log, until fn returns false.
  void ForEachNameHit(std::string_view query, const std::function<bool(const SubjectState&)>& fn) const;
  // Calls fn for each subject whose division code (events::SubjectDivision) starts with
  // `digits` (1 to 6 ASCII digits), by division and then in the order they entered the log,
  // until fn returns false.
  void ForEachInDivision(std::string_view digits, const std::function<bool(const SubjectState&)>& fn) const;
  // Calls fn for each civil servant, in the order they entered the log, until fn returns false.
  void ForEachSealed(const std::function<bool(const SubjectState&)>& fn) const;
  // Every subject indexed, in the order they entered: Update in this order rebuilds the index
  // (answers in the same order).
  const std::vector<const SubjectState*>& entered() const { return subjects_; }

 private:
  uint32_t OrdinalOf(SubjectState& s);
  static void Add(std::vector<uint32_t>& list, uint32_t ordinal);
  void IndexName(const SubjectState& s, uint32_t ordinal);  // grams_ only
  void IndexDivision(const SubjectState& s, uint32_t ordinal);  // divisions_ only

  std::vector<const SubjectState*> subjects_;           // by ordinal: the order subjects entered
  std::unordered_map<uint64_t, Postings> grams_;  // a character or a pair → ordinals
  std::map<std::string, std::vector<uint32_t>, std::less<>> divisions_;  // division code → ordinals, ascending
  std::vector<uint32_t> sealed_;  // civil servants, ascending
};

}  // namespace creditlog::projections
