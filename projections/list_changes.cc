#include "projections/list_changes.h"

#include <algorithm>

#include "base/clock.h"
#include "events/event.h"

namespace creditlog::projections {

bool ListChangeDetector::MayBeOnAList(const SubjectState& s) {
  const auto& kinds = fb::EnumValuesListKind();
  return std::any_of(std::begin(kinds), std::end(kinds), [&](fb::ListKind kind) { return MayBeListed(s, kind); });
}

ListChangeDetector::Lists ListChangeDetector::ListsOf(const State& state, const SubjectState& s, Day day) {
  Lists lists;
  if (!MayBeOnAList(s)) return lists;
  auto profile = Evaluate(state, s, day);
  if (!profile.ok()) return lists;  // no ruleset in force on the day: no list either
  for (const Membership& m : profile->lists) {
    if (std::any_of(lists.begin(), lists.end(), [&](const auto& held) { return held.first == m.list; })) continue;
    Held held{m.since, m.until, m.why.rule, m.why.ruleset_version, {}};
    for (const auto& [measure, list] : profile->measures) {
      if (list == m.list) held.measures.push_back(measure);
    }
    lists.emplace_back(m.list, std::move(held));
  }
  std::sort(lists.begin(), lists.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return lists;
}

void ListChangeDetector::Diff(const Lists& before, const Lists& after, std::string_view subject, uint64_t seq, Day day,
                              std::vector<ListChange>* out) {
  auto change = [&](fb::ListKind list, const char* what, const Held& held) {
    out->push_back(ListChange{.seq = seq,
                              .index = static_cast<uint32_t>(out->size()),
                              .subject = std::string(subject),
                              .division = std::string(events::SubjectDivision(subject)),
                              .list = list,
                              .change = what,
                              .day = day,
                              .since = held.since,
                              .until = held.until,
                              .rule = held.rule,
                              .ruleset_version = held.ruleset_version,
                              .measures = held.measures});
  };
  // Both sorted by list: one merge.
  auto b = before.begin();
  auto a = after.begin();
  while (b != before.end() || a != after.end()) {
    if (a == after.end() || (b != before.end() && b->first < a->first)) {
      change(b->first, "removed", b->second);
      ++b;
    } else if (b == before.end() || a->first < b->first) {
      change(a->first, "added", a->second);
      ++a;
    } else {
      if (b->second.since != a->second.since || b->second.until != a->second.until || b->second.rule != a->second.rule) {
        change(a->first, "changed", a->second);
      }
      ++a, ++b;
    }
  }
}

void ListChangeDetector::Before(const State& state, const fb::Event& event, uint64_t seq, int64_t recorded_at_ms) {
  before_.clear();
  calendar_.clear();
  const Day day = DayInChina(recorded_at_ms);
  if (seq >= from_ && last_day_ && day > *last_day_) {
    // The first entry of a new day: what the days between changed, for every subject that may
    // be on a list, in the order of their ids (the same on every node).
    std::vector<const SubjectState*> listable;
    state.ForEachSubject([&](const SubjectState& s) {
      if (MayBeOnAList(s)) listable.push_back(&s);
    });
    std::sort(listable.begin(), listable.end(), [](const SubjectState* a, const SubjectState* b) { return a->id < b->id; });
    for (const SubjectState* s : listable) {
      Diff(ListsOf(state, *s, *last_day_), ListsOf(state, *s, day), s->id, seq, day, &calendar_);
    }
  }
  if (seq < from_ || event.subject() == nullptr || event.subject()->size() == 0) return;
  if (const SubjectState* s = state.Subject(event.subject()->string_view())) before_ = ListsOf(state, *s, day);
}

void ListChangeDetector::After(const State& state, const fb::Event& event, uint64_t seq, int64_t recorded_at_ms) {
  const Day day = DayInChina(recorded_at_ms);
  std::vector<ListChange> changes = std::move(calendar_);
  calendar_.clear();
  if (seq >= from_ && event.subject() != nullptr && event.subject()->size() != 0) {
    const std::string_view subject = event.subject()->string_view();
    const SubjectState* s = state.Subject(subject);
    Diff(before_, s != nullptr ? ListsOf(state, *s, day) : Lists{}, subject, seq, day, &changes);
  }
  before_.clear();
  last_day_ = last_day_ ? std::max(*last_day_, day) : day;
  std::lock_guard lock(mutex_);
  observed_ = seq + 1;
  for (ListChange& c : changes) found_.push_back(std::move(c));
}

std::vector<ListChange> ListChangeDetector::Take(uint64_t* through) {
  std::lock_guard lock(mutex_);
  if (through != nullptr) *through = std::max(observed_, from_);
  return std::exchange(found_, {});
}

uint64_t ListChangeDetector::observed() const {
  std::lock_guard lock(mutex_);
  return std::max(observed_, from_);
}

}  // namespace creditlog::projections
