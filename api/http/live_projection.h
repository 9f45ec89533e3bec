// The server's in-memory projection: the State every query reads, caught up with the log
// before each answer, and the cache of whole lists (costly to compute) kept until the log grows.
//
// Queries share the state (a shared lock); only catching up, when the log has grown since the
// last query, takes it exclusively. Thread-safe; the ledger must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>

#include "api/disclosure.h"
#include "api/personal.h"
#include "ledger/ledger.h"
#include "projections/state.h"

namespace creditlog::api {

inline constexpr size_t kListCacheEntriesMax = 256;  // (list, day) answers kept until the log grows

class LiveProjection {
 public:
  // The personal key store is the ledger's when the projection is made (a data directory
  // opened for writing attaches it first); reads then never take the writer's lock for it.
  explicit LiveProjection(const ledger::Ledger& ledger) : ledger_(ledger), personal_keys_(ledger.personal_keys()) {}
  LiveProjection(const LiveProjection&) = delete;
  // How personal fields are shown in answers drawn from `state` (api/personal.h).
  PersonalView Personal(const projections::State& state) const { return PersonalView(&ledger_, personal_keys_.get(), &state); }
  LiveProjection& operator=(const LiveProjection&) = delete;

  // Brings the state up to the log's current size (the server folds the whole log this way
  // before it listens, so that no request waits for the whole history).
  Status CatchUp();

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
  // the cache while the log has not grown since it was computed. Rows differ between readers
  // only in civil servants' (api/disclosure.h), so the cache keeps at most two answers a day.
  Result<std::string> ListBody(fb::ListKind kind, projections::Day day, const Disclosure& reader);

 private:
  Status CatchUpTo(uint64_t size);

  const ledger::Ledger& ledger_;
  const std::shared_ptr<ledger::PersonalKeys> personal_keys_;
  std::shared_mutex mutex_;  // GUARDS: state_
  projections::State state_;
  std::mutex list_cache_mutex_;  // GUARDS: list_cache_
  // (list, day) → (state.applied() when computed, the body).
  std::map<std::pair<int, projections::Day>, std::pair<uint64_t, std::string>> list_cache_;
};

}  // namespace creditlog::api
