// List changes (docs/cluster.md, "List changes"): what each entry changes in its subject's list
// memberships, judged on the day the entry was recorded, found as a fold applies the entry.
// A function of the log alone: every node of a cluster finds the same changes, in the same
// order, each named by (seq, index).
//
// An entry's changes are, first, what the calendar changed since the entry before it when it is
// the first entry of a new recorded day: every subject that may be on a list, evaluated on the
// previous entry's day and on this one, with the log before this entry (a term ended, a
// 容缺受理 commitment lapsed, a ruleset came into force); then those of its event's subject,
// evaluated with the log just before it and just after it, on its recorded day
// (projections/evaluate.h). Each is a list joined ("added"), left ("removed"), or held on other
// terms ("changed": its start, its end or its rule).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "projections/build.h"
#include "projections/evaluate.h"

namespace creditlog::projections {

struct ListChange {
  uint64_t seq = 0;         // the entry that made it
  uint32_t index = 0;       // its place among that entry's changes
  std::string subject;
  std::string division;     // the subject's division code, from its id ("" when it has none)
  fb::ListKind list = fb::ListKind::Watch;
  std::string change;       // "added", "removed" or "changed"
  Day day = 0;              // the entry's recorded day, on which the change is judged
  // The membership as it is after the change; for "removed", as it was before.
  Day since = 0;
  std::optional<Day> until;
  std::string rule;
  std::string ruleset_version;
  std::vector<std::string> measures;  // what the list imposes ("removed": no longer imposes)
};

// A FoldObserver that keeps the list changes of the entries from `from_seq` on, for Take.
// Before and After run inside the fold (the projection's state held): they evaluate the
// entry's subject, when it may be on a list (MayBeListed), and once a recorded day every such
// subject. `day_before` is the recorded day of entry from_seq - 1 (none for a fold from the
// start): a fold may begin at from_seq, and the first entry's calendar changes need it.
class ListChangeDetector : public FoldObserver {
 public:
  explicit ListChangeDetector(uint64_t from_seq = 0, std::optional<Day> day_before = std::nullopt)
      : from_(from_seq), last_day_(day_before) {}
  void Before(const State& state, const fb::Event& event, uint64_t seq, int64_t recorded_at_ms) override;
  void After(const State& state, const fb::Event& event, uint64_t seq, int64_t recorded_at_ms) override;
  // The changes found since the last Take, in the log's order; `through`, when given, gets
  // observed() as of the same moment (every change of the entries before it is in what Take
  // returned, or returned before). Thread-safe.
  std::vector<ListChange> Take(uint64_t* through = nullptr);
  // The entries observed so far, at least from_seq: the fold that feeds the detector starts at
  // or before from_seq (its snapshot is capped there), so the entries before it are folded by
  // the time anything asks.
  uint64_t observed() const;

 private:
  struct Held {
    Day since = 0;
    std::optional<Day> until;
    std::string rule, ruleset_version;
    std::vector<std::string> measures;
  };
  using Lists = std::vector<std::pair<fb::ListKind, Held>>;  // by list, in ListKind order
  static bool MayBeOnAList(const SubjectState& subject);
  static Lists ListsOf(const State& state, const SubjectState& subject, Day day);
  // Appends to `out` the changes from `before` to `after` of `subject` at entry `seq` on `day`.
  static void Diff(const Lists& before, const Lists& after, std::string_view subject, uint64_t seq, Day day,
                   std::vector<ListChange>* out);

  const uint64_t from_;
  std::optional<Day> last_day_;  // the recorded day of the last entry folded
  Lists before_;  // the current entry's subject, before it (set by Before, read by After)
  std::vector<ListChange> calendar_;  // the current entry's calendar changes (Before), first in After
  mutable std::mutex mutex_;
  std::vector<ListChange> found_;  // GUARDED_BY(mutex_)
  uint64_t observed_ = 0;          // GUARDED_BY(mutex_)
};

}  // namespace creditlog::projections
