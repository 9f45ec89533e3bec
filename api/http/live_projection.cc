#include "api/http/live_projection.h"

#include "api/views.h"
#include "projections/build.h"

namespace creditlog::api {

Status LiveProjection::CatchUp() { return CatchUpTo(ledger_.size()); }

Status LiveProjection::CatchUpTo(uint64_t size) {
  std::unique_lock lock(mutex_);
  return projections::CatchUp(ledger_, size, &state_);
}

Result<std::string> LiveProjection::ListBody(fb::ListKind kind, projections::Day day, const Disclosure& reader) {
  Result<std::string> body = Status::Unavailable("not computed");
  RETURN_IF_ERROR(Read([&](const projections::State& state) {
    const bool civil_servants = reader.May(Info::kCivilServantFiles);
    const auto key = std::make_pair(static_cast<int>(kind) * 2 + (civil_servants ? 1 : 0), day);
    {
      std::lock_guard lock(list_cache_mutex_);
      auto it = list_cache_.find(key);
      if (it != list_cache_.end() && it->second.first == state.applied()) {
        body = it->second.second;
        return;
      }
    }
    const PersonalView personal = Personal(state);
    auto list = ListJson(state, kind, day, reader.WithPersonal(&personal));
    if (!list.ok()) {
      body = list.status();
      return;
    }
    std::string text = DumpJson(*list);
    {
      std::lock_guard lock(list_cache_mutex_);
      if (list_cache_.size() >= kListCacheEntriesMax) list_cache_.clear();
      list_cache_[key] = {state.applied(), text};
    }
    body = std::move(text);
  }));
  return body;
}

}  // namespace creditlog::api
