#include "api/http/live_projection.h"

#include "api/data_dir.h"
#include "api/log.h"
#include "api/views.h"
#include "projections/build.h"
#include "projections/snapshot.h"

namespace creditlog::api {

Status LiveProjection::CatchUp() { return CatchUpTo(ledger_.size()); }

Status LiveProjection::Start(const std::string& snapshot_path, const KeyPair* ledger_key) {
  if (snapshot_path.empty()) return CatchUp();
  std::lock_guard fold(fold_mutex_);
  std::unique_lock lock(mutex_);
  read_ahead_.reset();  // read for the state replaced here
  snapshot_path_ = snapshot_path;
  snapshot_key_ = ledger_key;
  projections::FoldStart start;
  {
    std::lock_guard standings_lock(standings_mutex_);
    standings_ = KeptStandings{};
  }
  {
    std::lock_guard boards_lock(boards_mutex_);
    boards_.clear();
  }
  ASSIGN_OR_RETURN(state_, projections::BuildStateFromSnapshot(ledger_, ledger_.size(), snapshot_path, {}, &start,
                                                               projections::Searchable::kYes, observer_, snapshot_max_));
  NoteFoldStart(start);
  snapshot_size_ = started_from_ = start.from;
  Log(spdlog::level::info, "projection folded", {{"entries", state_.applied()}, {"from_snapshot", start.from}});
  if (start.from != 0 && state_.applied() - start.from < projections::kSnapshotRefreshEntries) return Status::Ok();
  return WriteSnapshotLocked();
}

Status LiveProjection::SaveSnapshot() {
  std::unique_lock lock(mutex_);  // no catch-up meanwhile; the server has stopped answering
  return WriteSnapshotLocked();
}

Status LiveProjection::WriteSnapshotLocked() {
  if (snapshot_path_.empty() || snapshot_key_ == nullptr || state_.applied() <= snapshot_size_) return Status::Ok();
  RETURN_IF_ERROR(projections::WriteSnapshot(snapshot_path_, ledger_, state_, *snapshot_key_));
  snapshot_size_ = state_.applied();
  Log(spdlog::level::info, "projection snapshot written", {{"entries", snapshot_size_}, {"path", snapshot_path_}});
  return Status::Ok();
}

Result<bool> LiveProjection::TryCatchUp() {
  const uint64_t logged = ledger_.size();
  uint64_t from = 0;
  {
    std::unique_lock fold(fold_mutex_, std::try_to_lock);
    if (!fold.owns_lock()) return false;
    from = state_.applied();
    if (from >= logged) return true;
    if (read_ahead_) return FoldReadAhead(false);
  }
  // Read with no lock held: a query catching up meanwhile reads for itself rather than wait.
  ASSIGN_OR_RETURN(projections::EntriesRead read, ReadAhead(from, logged));
  std::unique_lock fold(fold_mutex_, std::try_to_lock);
  if (!fold.owns_lock() || state_.applied() != from || read_ahead_) return false;  // folded meanwhile
  read_ahead_ = std::move(read);
  return FoldReadAhead(false);
}

Result<projections::EntriesRead> LiveProjection::ReadAhead(uint64_t from, uint64_t logged) const {
  return projections::EntriesRead::Read(ledger_, from, std::min(logged, from + projections::kFoldReadAheadEntriesMax));
}

Result<bool> LiveProjection::FoldReadAhead(bool wait) {
  std::unique_lock lock(mutex_, std::defer_lock);
  if (wait) {
    lock.lock();
  } else if (!lock.try_lock()) {
    return false;  // queries hold the state: what was read waits for the next fold
  }
  const Status folded = read_ahead_->ApplyTo(&state_, observer_);
  read_ahead_.reset();
  RETURN_IF_ERROR(folded);
  return true;
}

Status LiveProjection::CatchUpTo(uint64_t size) {
  // Readers that need a newer state queue here, not on the state's lock, which the others go on
  // sharing. The one ahead folds as far as the log has grown, so the ones behind it find their
  // entries folded and only share the state.
  std::lock_guard fold(fold_mutex_);
  const uint64_t logged = ledger_.size();
  RETURN_IF_ERROR(projections::CheckFoldRange(0, size, logged));  // a size already folded is no error here
  // Only the holder of fold_mutex_ changes the state: its size is read without the state's lock.
  while (state_.applied() < logged) {
    if (!read_ahead_) {
      const uint64_t from = state_.applied();
      // Read and checked while queries read the state; only the fold takes it from them.
      ASSIGN_OR_RETURN(read_ahead_, ReadAhead(from, logged));
    }
    RETURN_IF_ERROR(FoldReadAhead(true).status());
  }
  return Status::Ok();
}

namespace {

// A list's frame around rows [first, last) of `rows`, joined by commas.
template <typename It>
std::string Framed(std::pair<std::string, std::string> frame, It first, It last) {
  std::string body = std::move(frame.first);
  for (It it = first; it != last; ++it) {
    if (it != first) body += ',';
    body += it->second;
  }
  return body + frame.second;
}

std::string Body(fb::ListKind kind, projections::Day day, const std::map<std::string, std::string, std::less<>>& rows) {
  return Framed(ListFrameText(kind, day), rows.begin(), rows.end());
}

}  // namespace

const std::string& LiveProjection::WholeBody(fb::ListKind kind, projections::Day day, CachedList& list) {
  if (!list.body) list.body = Body(kind, day, list.rows);
  return *list.body;
}

std::string LiveProjection::PageBody(fb::ListKind kind, projections::Day day, const CachedList& list, const ListPageRequest& page) {
  const auto first = list.rows.upper_bound(page.after);
  auto last = first;
  for (uint64_t n = 0; last != list.rows.end() && n < page.limit; ++n) ++last;
  const nlohmann::json extra = {{"limit", page.limit},
                                {"subjects", list.rows.size()},
                                {"next_after", last == list.rows.end() ? nlohmann::json(nullptr) : nlohmann::json(std::prev(last)->first)}};
  return Framed(ListFrameText(kind, day, extra), first, last);
}

bool LiveProjection::WorthPatching(const projections::State& state, size_t changed) {
  return changed <= kListPatchSubjectsAlways || changed <= state.subjects().size() / kListPatchShareMax;
}

bool LiveProjection::Patch(const projections::State& state, fb::ListKind kind, projections::Day day, const Disclosure& reader,
                           CachedList& list, Status* error) {
  std::vector<std::string_view> changed;
  if (!state.ChangedSince(list.applied, &changed)) return false;
  if (!WorthPatching(state, changed.size())) return false;
  list.applied = state.applied();
  for (std::string_view id : changed) {
    const projections::SubjectState* subject = state.Subject(id);
    if (subject == nullptr) continue;
    auto rows = ListRowsText(state, *subject, kind, day, reader);
    if (!rows.ok()) {
      *error = rows.status();
      return true;
    }
    if (rows->empty()) {
      if (auto it = list.rows.find(id); it != list.rows.end()) list.rows.erase(it);
    } else {
      list.rows.insert_or_assign(std::string(id), std::move(*rows));
    }
  }
  if (!changed.empty()) list.body.reset();
  return true;
}

Result<std::string> LiveProjection::ListBody(fb::ListKind kind, projections::Day day, const Disclosure& reader,
                                             const ListPageRequest* page) {
  Result<std::string> body = Status::Unavailable("not computed");
  RETURN_IF_ERROR(Read([&](const projections::State& state) {
    const bool civil_servants = reader.May(Info::kCivilServantFiles);
    const auto key = std::make_pair(static_cast<int>(kind) * 2 + (civil_servants ? 1 : 0), day);
    const PersonalView personal = Personal(state);
    const Disclosure shown = reader.WithPersonal(&personal);
    {
      std::lock_guard lock(list_cache_mutex_);
      auto it = list_cache_.find(key);
      if (it != list_cache_.end()) {
        CachedList& list = it->second;
        Status error;
        const bool current = list.applied == state.applied();
        if (current || (list.applied < state.applied() && Patch(state, kind, day, shown, list, &error))) {
          if (!current) lists_patched_.fetch_add(1, std::memory_order_relaxed);
          if (!error.ok()) {
            list_cache_.erase(it);
            body = error;
            return;
          }
          body = page != nullptr ? PageBody(kind, day, list, *page) : WholeBody(kind, day, list);
          return;
        }
      }
    }
    // Whole: every subject evaluated, outside the cache's lock.
    lists_computed_.fetch_add(1, std::memory_order_relaxed);
    CachedList list;
    list.applied = state.applied();
    Status error;
    state.ForEachSubject([&](const projections::SubjectState& subject) {
      if (!error.ok()) return;
      auto rows = ListRowsText(state, subject, kind, day, shown);
      if (!rows.ok()) {
        error = rows.status();
      } else if (!rows->empty()) {
        list.rows.emplace(subject.id, std::move(*rows));
      }
    });
    if (!error.ok()) {
      body = error;
      return;
    }
    body = page != nullptr ? PageBody(kind, day, list, *page) : WholeBody(kind, day, list);
    std::lock_guard lock(list_cache_mutex_);
    if (list_cache_.size() >= kListCacheEntriesMax) list_cache_.clear();
    auto& kept = list_cache_[key];
    if (kept.applied <= list.applied) kept = std::move(list);
  }));
  return body;
}

Result<std::string> LiveProjection::IntegrityBody(projections::Day day) {
  std::string body;
  RETURN_IF_ERROR(Read([&](const projections::State& state) {
    std::lock_guard lock(boards_mutex_);
    auto it = boards_.find(day);
    if (it != boards_.end() && it->second.applied != state.applied()) {
      KeptBoard& kept = it->second;
      std::vector<std::string_view> changed;  // false, too, for a state behind the board
      if (state.ChangedSince(kept.applied, &changed) && WorthPatching(state, changed.size())) {
        kept.tally.Update(state, changed);
        kept.applied = state.applied();
        if (!changed.empty()) kept.body.reset();
        boards_updated_.fetch_add(1, std::memory_order_relaxed);
      } else {
        boards_.erase(it);
        it = boards_.end();
      }
    }
    if (it == boards_.end()) {
      if (boards_.size() >= kBoardCacheDaysMax) boards_.clear();
      it = boards_.emplace(day, KeptBoard{state.applied(), projections::IntegrityTally(state, day), std::nullopt}).first;
      boards_computed_.fetch_add(1, std::memory_order_relaxed);
    }
    KeptBoard& kept = it->second;
    if (!kept.body) kept.body = IntegrityText(kept.tally.Board(state), day);
    body = *kept.body;
  }));
  return body;
}

void LiveProjection::Standings(const projections::State& state, projections::Day day,
                               std::span<const projections::SubjectState* const> subjects, std::vector<Standing>* out) {
  out->assign(subjects.size(), Standing{});
  std::vector<size_t> missing;
  {
    std::lock_guard lock(standings_mutex_);
    KeptStandings& kept = standings_;
    if (kept.day != day) {
      kept.by_subject.clear();
    } else if (kept.applied != state.applied()) {
      std::vector<std::string_view> changed;  // false, too, for a state behind what was kept
      if (!state.ChangedSince(kept.applied, &changed)) {
        kept.by_subject.clear();
      } else {
        for (std::string_view id : changed) {
          if (const projections::SubjectState* s = state.Subject(id)) kept.by_subject.erase(s);
        }
      }
    }
    kept.day = day;
    kept.applied = state.applied();
    for (size_t i = 0; i < subjects.size(); ++i) {
      auto it = kept.by_subject.find(subjects[i]);
      if (it == kept.by_subject.end()) {
        missing.push_back(i);
      } else {
        (*out)[i] = it->second;
      }
    }
  }
  standings_kept_.fetch_add(subjects.size() - missing.size(), std::memory_order_relaxed);
  if (missing.empty()) return;
  // Evaluated outside the lock: readers of the same state may evaluate one subject twice, alike.
  for (size_t i : missing) (*out)[i] = StandingOf(state, *subjects[i], day);
  standings_evaluated_.fetch_add(missing.size(), std::memory_order_relaxed);
  std::lock_guard lock(standings_mutex_);
  KeptStandings& kept = standings_;
  if (kept.day != day || kept.applied != state.applied()) return;  // moved on meanwhile
  if (kept.by_subject.size() + missing.size() > kStandingCacheEntriesMax) kept.by_subject.clear();
  for (size_t i : missing) kept.by_subject.insert_or_assign(subjects[i], (*out)[i]);
}

Status ProjectionBase::Peek(const std::function<void(const projections::State&)>& fn) {
  std::lock_guard lock(mutex_);
  if (live_ == nullptr) return Status::Unavailable("the server is stopping: the event was not recorded");
  live_->Peek(fn);
  return Status::Ok();
}

bool ProjectionBase::attached() const {
  std::lock_guard lock(mutex_);
  return live_ != nullptr;
}

void ProjectionBase::Detach() {
  std::lock_guard lock(mutex_);
  live_ = nullptr;
}

}  // namespace creditlog::api
