// The server's in-memory projection: the State every query reads, caught up with the log
// before each answer, and the cache of whole lists and the integrity board (costly to compute:
// every subject is evaluated), patched as the log grows with the subjects its new entries changed.
//
// Queries share the state (a shared lock); only catching up, when the log has grown since the
// last query, takes it exclusively, and only to fold entries already read and checked: one
// thread at a time catches up (fold_mutex_), reading the new entries while queries go on.
// Thread-safe; the ledger must outlive it.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "api/disclosure.h"
#include "api/personal.h"
#include "api/views.h"
#include "ledger/ledger.h"
#include "projections/admission.h"
#include "projections/build.h"
#include "projections/integrity.h"
#include "projections/state.h"

namespace creditlog::api {

inline constexpr size_t kListCacheEntriesMax = 256;  // (list, day) answers kept and patched as the log grows
// The server folds the projection after every this-many committed entries even when no query
// asks, so that the admission rules' overlay of it (ProjectionBase) can drop what it holds.
inline constexpr uint64_t kProjectionFoldLagMax = 4096;
// A cached list (or a kept integrity board) is computed whole again, rather than patched, when
// more than this share of the subjects changed since (1/N of them) and more than
// kListPatchSubjectsAlways.
inline constexpr size_t kListPatchShareMax = 8;
inline constexpr size_t kListPatchSubjectsAlways = 64;
// Integrity boards (one a day asked for) kept and updated as the log grows: at 2.1 million subjects
// (120,010 public bodies) one adds ~160 MiB to the server's RSS, the 39 MB answer included.
inline constexpr size_t kBoardCacheDaysMax = 1;
// Subjects whose standing on the search's day (api/views.h, Standing) is kept between entries;
// when full, the kept standings are dropped and kept again as searches ask for them (~56 bytes
// each: 29 MiB at most).
inline constexpr size_t kStandingCacheEntriesMax = size_t{1} << 19;

// A page of a list (GET /v1/lists/{name}?after=&limit=): the rows of at most `limit` subjects
// whose ids sort after `after` ("" for the first page).
struct ListPageRequest {
  std::string after;
  uint64_t limit = 0;
};

class LiveProjection {
 public:
  // The personal key store is the ledger's when the projection is made (a data directory
  // opened for writing attaches it first); reads then never take the writer's lock for it.
  explicit LiveProjection(const ledger::Ledger& ledger) : ledger_(ledger), personal_keys_(ledger.personal_keys()) {}
  LiveProjection(const LiveProjection&) = delete;
  // How personal fields are shown in answers drawn from `state` (api/personal.h).
  PersonalView Personal(const projections::State& state) const { return PersonalView(&ledger_, personal_keys_.get(), &state); }
  LiveProjection& operator=(const LiveProjection&) = delete;

  // Calls fn(const projections::State&) on the state as it is, without catching it up.
  template <typename Fn>
  void Peek(Fn&& fn) {
    std::shared_lock lock(mutex_);
    fn(static_cast<const projections::State&>(state_));
  }

  // Tells `observer` of every entry folded from now on (api/cluster's list changes), and uses
  // a snapshot at Start only when it holds at most `snapshot_max` entries. Before Start;
  // `observer` must outlive the projection.
  void SetFoldObserver(projections::FoldObserver* observer, uint64_t snapshot_max) {
    observer_ = observer;
    snapshot_max_ = snapshot_max;
  }

  // Brings the state up to the log's current size (the server folds the whole log this way
  // before it listens, so that no request waits for the whole history).
  Status CatchUp();
  // Folds the log's entries until the state holds at least `size`: all the log holds when it
  // folds, so that the readers queued behind need no fold of their own. A state already there
  // or past it (another reader or the server's catch-up folded on while this caller waited) is
  // left as it is: a reader that read the log's size wants a state at least that new.
  // InvalidArgument when `size` is beyond the log.
  Status CatchUpTo(uint64_t size);
  // Folds up to kFoldReadAheadEntriesMax of the new entries, unless a query or another
  // catch-up holds the state: then false at once (entries it read are kept for the next
  // catch-up). It reads them holding nothing, so queries that catch up meanwhile do not wait
  // for it. For the ledger's writer thread, which must not wait for queries.
  Result<bool> TryCatchUp();
  // CatchUp from the projection snapshot at `snapshot_path` when it is usable
  // (projections/snapshot.h), before the server listens; then, with the ledger's checkpoint
  // key to sign one (`ledger_key`, may be null), when none was used or it was
  // kSnapshotRefreshEntries or more behind, writes a new one there. "": CatchUp.
  // REQUIRES: `ledger_key` outlives the projection.
  Status Start(const std::string& snapshot_path, const KeyPair* ledger_key);
  // Writes the state to the snapshot path given to Start, if it holds entries the snapshot
  // there does not (the server stopping). OK without a path or a key.
  Status SaveSnapshot();
  // The entries Start read from the snapshot (0: it folded the log from the start).
  uint64_t started_from() const { return started_from_; }

  // Calls fn(const projections::State&) on the state caught up with the log as it is now.
  // Returns the catch-up error, without calling fn, when the log cannot be read.
  template <typename Fn>
  Status Read(Fn&& fn) {
    const uint64_t size = ledger_.size();
    {
      std::shared_lock lock(mutex_);
      if (state_.applied() >= size) {
        fn(static_cast<const projections::State&>(state_));
        return Status::Ok();
      }
    }
    RETURN_IF_ERROR(CatchUpTo(size));
    std::shared_lock lock(mutex_);
    fn(static_cast<const projections::State&>(state_));
    return Status::Ok();
  }

  // GET /v1/lists/{name}'s body for (kind, day) as `reader` may see it: the ListJson text, from
  // the cache (patched with the subjects changed since it was computed). Rows differ between
  // readers only in civil servants' (api/disclosure.h), so the cache keeps at most two answers a
  // day. With `page`, one page of it: the same members, the page's rows, and `limit`,
  // `subjects` (on the whole list) and `next_after` (the `after` of the next page; null on the last).
  Result<std::string> ListBody(fb::ListKind kind, projections::Day day, const Disclosure& reader,
                               const ListPageRequest* page = nullptr);
  // Lists computed whole, and patched (/metrics).
  uint64_t lists_computed() const { return lists_computed_.load(std::memory_order_relaxed); }
  uint64_t lists_patched() const { return lists_patched_.load(std::memory_order_relaxed); }

  // GET /v1/integrity's body for `day` (IntegrityText): from the board kept for that day, its
  // tally counted again for the subjects the entries since changed (projections/integrity.h), or
  // counted whole. Readers of one day count it once: the second waits for the first.
  Result<std::string> IntegrityBody(projections::Day day);
  // Boards counted whole, and updated (/metrics).
  uint64_t boards_computed() const { return boards_computed_.load(std::memory_order_relaxed); }
  uint64_t boards_updated() const { return boards_updated_.load(std::memory_order_relaxed); }

  // Fills `out` with the standing on `day` of each of `subjects` (api/views.h, StandingOf): kept
  // from earlier searches for the subjects no entry has changed since, for the same day; the
  // others evaluated and kept. REQUIRES: `state` is this projection's, read under Read (its
  // shared lock held), and `subjects` are its subjects.
  void Standings(const projections::State& state, projections::Day day,
                 std::span<const projections::SubjectState* const> subjects, std::vector<Standing>* out);
  // Standings evaluated, and found kept (/metrics).
  uint64_t standings_evaluated() const { return standings_evaluated_.load(std::memory_order_relaxed); }
  uint64_t standings_kept() const { return standings_kept_.load(std::memory_order_relaxed); }

 private:
  // Writes the state to snapshot_path_ if there is a key and it is past snapshot_size_.
  // REQUIRES: mutex_ held exclusively.
  Status WriteSnapshotLocked();
  // Folds read_ahead_ into the state and drops it. With `wait` false, gives up (false) rather
  // than wait for queries that hold the state, keeping it for the next fold.
  // REQUIRES: fold_mutex_ held, read_ahead_ set.
  Result<bool> FoldReadAhead(bool wait);
  // Entries from `from` on, at most kFoldReadAheadEntriesMax of the log's first `logged`.
  Result<projections::EntriesRead> ReadAhead(uint64_t from, uint64_t logged) const;

  const ledger::Ledger& ledger_;
  const std::shared_ptr<ledger::PersonalKeys> personal_keys_;
  // Held by the one thread that changes state_ (CatchUpTo, TryCatchUp, Start); taken before
  // mutex_. CatchUpTo holds it from before it reads the entries it folds until it has folded
  // them; TryCatchUp reads without it.
  std::mutex fold_mutex_;
  // GUARDED_BY(fold_mutex_): entries read, not yet folded; when set, from() == state_.applied().
  std::optional<projections::EntriesRead> read_ahead_;
  std::shared_mutex mutex_;  // GUARDS: state_ (changed only with fold_mutex_ held too), snapshot_size_
  projections::State state_;
  projections::FoldObserver* observer_ = nullptr;  // set before Start; told of each entry folded
  uint64_t snapshot_max_ = UINT64_MAX;
  std::string snapshot_path_;   // set by Start
  const KeyPair* snapshot_key_ = nullptr;  // set by Start; null: snapshots are read, not written
  uint64_t snapshot_size_ = 0;  // entries in the snapshot at snapshot_path_, read or written
  uint64_t started_from_ = 0;   // set by Start
  // A list as of a day, as one kind of reader sees it, kept until asked again and then patched
  // with the rows of the subjects the entries since changed (State::ChangedSince).
  struct CachedList {
    uint64_t applied = 0;                                  // state.applied() it is true for
    std::map<std::string, std::string, std::less<>> rows;  // subject → its rows (ListRowsText), if any
    // The whole list's body, built when the whole list is asked for and dropped by a patch (a
    // page reads the rows: rebuilding every row after each patch would cost a page the size of
    // the whole list).
    std::optional<std::string> body;
  };
  // The whole list's body, built from its rows first if a patch has changed them since.
  static const std::string& WholeBody(fb::ListKind kind, projections::Day day, CachedList& list);
  static std::string PageBody(fb::ListKind kind, projections::Day day, const CachedList& list, const ListPageRequest& page);
  // Patches `list` up to `state`; false when it must be computed whole.
  static bool Patch(const projections::State& state, fb::ListKind kind, projections::Day day, const Disclosure& reader,
                    CachedList& list, Status* error);

  // Whether a kept answer is patched for `changed` subjects rather than computed whole.
  static bool WorthPatching(const projections::State& state, size_t changed);

  std::atomic<uint64_t> lists_computed_{0}, lists_patched_{0};
  std::mutex list_cache_mutex_;  // GUARDS: list_cache_
  std::map<std::pair<int, projections::Day>, CachedList> list_cache_;  // by (list and reader kind, day)

  // An integrity board as of a day, true for the state at `applied`; its body built when asked.
  struct KeptBoard {
    uint64_t applied = 0;
    projections::IntegrityTally tally;
    std::optional<std::string> body;
  };
  std::atomic<uint64_t> boards_computed_{0}, boards_updated_{0};
  std::mutex boards_mutex_;  // GUARDS: boards_; held while a board is counted
  std::map<projections::Day, KeptBoard> boards_;

  // Standings on one day, true for the state at `applied`: the subjects an entry changes since
  // are dropped (State::ChangedSince) before the standings are read; all of them when that
  // cannot be told, or on another day. Keyed by the subject's node in the state, which stays
  // where it is while the state lives (Start, which replaces the state, drops them all).
  struct KeptStandings {
    projections::Day day{};
    uint64_t applied = 0;
    std::unordered_map<const projections::SubjectState*, Standing> by_subject;
  };
  std::atomic<uint64_t> standings_evaluated_{0}, standings_kept_{0};
  std::mutex standings_mutex_;  // GUARDS: standings_
  KeptStandings standings_;
};

// The projection as the base of the admission rules' fold (projections/admission.h), until
// Detach: from then on Unavailable (an append still in flight as the server stops).
class ProjectionBase final : public projections::SharedState {
 public:
  explicit ProjectionBase(LiveProjection* live) : live_(live) {}
  Status Peek(const std::function<void(const projections::State&)>& fn) override;
  bool attached() const override;
  void Detach();

 private:
  mutable std::mutex mutex_;
  LiveProjection* live_;  // GUARDED_BY(mutex_); null once detached
};

}  // namespace creditlog::api
