#include "projections/list_changes.h"

#include <algorithm>

#include "base/clock.h"
#include "events/event.h"

namespace creditlog::projections {

ListChangeDetector::Lists ListChangeDetector::ListsOf(const State& state, std::string_view subject, Day day) {
  Lists lists;
  const SubjectState* s = state.Subject(subject);
  if (s == nullptr) return lists;
  constexpr fb::ListKind kKinds[] = {fb::ListKind::SeriousDishonesty, fb::ListKind::Watch, fb::ListKind::NotificationIneligible,
                                     fb::ListKind::GovernmentDishonesty, fb::ListKind::Red};
  if (std::none_of(std::begin(kKinds), std::end(kKinds), [&](fb::ListKind kind) { return MayBeListed(*s, kind); })) return lists;
  auto profile = Evaluate(state, *s, day);
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

void ListChangeDetector::Before(const State& state, const fb::Event& event, uint64_t seq, int64_t recorded_at_ms) {
  before_.clear();
  if (seq < from_ || event.subject() == nullptr || event.subject()->size() == 0) return;
  before_ = ListsOf(state, event.subject()->string_view(), DayInChina(recorded_at_ms));
}

void ListChangeDetector::After(const State& state, const fb::Event& event, uint64_t seq, int64_t recorded_at_ms) {
  std::vector<ListChange> changes;
  if (seq >= from_ && event.subject() != nullptr && event.subject()->size() != 0) {
    const std::string_view subject = event.subject()->string_view();
    const Day day = DayInChina(recorded_at_ms);
    const Lists after = ListsOf(state, subject, day);
    auto change = [&](fb::ListKind list, const char* what, const Held& held) {
      ListChange c{.seq = seq,
                   .index = static_cast<uint32_t>(changes.size()),
                   .subject = std::string(subject),
                   .division = std::string(events::SubjectDivision(subject)),
                   .list = list,
                   .change = what,
                   .day = day,
                   .since = held.since,
                   .until = held.until,
                   .rule = held.rule,
                   .ruleset_version = held.ruleset_version,
                   .measures = held.measures};
      changes.push_back(std::move(c));
    };
    // Both sorted by list: one merge.
    auto b = before_.begin();
    auto a = after.begin();
    while (b != before_.end() || a != after.end()) {
      if (a == after.end() || (b != before_.end() && b->first < a->first)) {
        change(b->first, "removed", b->second);
        ++b;
      } else if (b == before_.end() || a->first < b->first) {
        change(a->first, "added", a->second);
        ++a;
      } else {
        const Held& was = b->second;
        const Held& is = a->second;
        if (was.since != is.since || was.until != is.until || was.rule != is.rule) change(a->first, "changed", is);
        ++a, ++b;
      }
    }
  }
  before_.clear();
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
