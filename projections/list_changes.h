// List changes (docs/cluster.md, "List changes"): what each entry changes in its subject's list
// memberships, judged on the day the entry was recorded, found as a fold applies the entry.
// A function of the log alone: every node of a cluster finds the same changes, in the same
// order, each named by (seq, index).
//
// An entry's changes are those of its event's subject, evaluated with the state just before it
// and just after it, on its recorded day (projections/evaluate.h): a list joined ("added"), left
// ("removed"), or held on other terms ("changed": its start, its end or its rule). A term that
// ends by the calendar is in the change already (`until`), and is not published again when it
// ends; nor is what a ruleset's effective date changes for subjects no entry touches.
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
// Before and After run inside the fold (the projection's state held): each evaluates only the
// entry's subject, and only when it may be on a list (MayBeListed).
class ListChangeDetector : public FoldObserver {
 public:
  explicit ListChangeDetector(uint64_t from_seq = 0) : from_(from_seq) {}
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
  static Lists ListsOf(const State& state, std::string_view subject, Day day);

  const uint64_t from_;
  Lists before_;  // the current entry's subject, before it (set by Before, read by After)
  mutable std::mutex mutex_;
  std::vector<ListChange> found_;  // GUARDED_BY(mutex_)
  uint64_t observed_ = 0;          // GUARDED_BY(mutex_)
};

}  // namespace creditlog::projections
