#include "projections/interned.h"

#include <array>
#include <functional>
#include <mutex>
#include <unordered_set>

namespace creditlog::projections {
namespace {

struct Hash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

struct Shard {
  std::mutex mu;
  std::unordered_set<std::string, Hash, std::equal_to<>> texts;  // nodes: their strings never move
};

std::array<Shard, kInternShards>& Shards() {
  static auto* shards = new std::array<Shard, kInternShards>;  // never destroyed: records point into it
  return *shards;
}

const std::string* Intern(std::string_view text) {
  const size_t hash = Hash{}(text);
  Shard& shard = Shards()[hash % kInternShards];
  std::lock_guard lock(shard.mu);
  auto it = shard.texts.find(text);
  if (it == shard.texts.end()) it = shard.texts.emplace(text).first;
  return &*it;
}

}  // namespace

Interned::Interned() {
  static const std::string* const empty = Intern("");
  text_ = empty;
}

Interned::Interned(std::string_view text) : text_(Intern(text)) {}

}  // namespace creditlog::projections
