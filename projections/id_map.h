// IdMap: records by their own id, the id held once.
#pragma once

#include <cstddef>
#include <map>
#include <string_view>
#include <utility>

namespace creditlog::projections {

// An ordered map of records by their id (T::id, a std::string), whose keys are views of the id in
// their own node. A std::map<std::string, T> holds each id twice, key and member: at two million
// subjects the copy costs 48 bytes each (a string and its heap block). Nodes never move (a moved
// map keeps them), so a key stays valid while its record is in the map; a copy re-keys each of
// its nodes to its own record.
//
// Reads as the std::map it wraps ((id, record) pairs in key order). Writes go through insert,
// which keys the record by its id. REQUIRES: a record's id is not changed while it is here.
template <typename T>
class IdMap {
  using Map = std::map<std::string_view, T, std::less<>>;

 public:
  using key_type = std::string_view;
  using mapped_type = T;
  using value_type = typename Map::value_type;
  using iterator = typename Map::iterator;
  using const_iterator = typename Map::const_iterator;

  IdMap() = default;
  IdMap(const IdMap& other) {
    for (const auto& [id, record] : other.map_) map_.insert(map_.end(), Node(T(record)));
  }
  IdMap& operator=(const IdMap& other) {
    if (this != &other) *this = IdMap(other);
    return *this;
  }
  IdMap(IdMap&&) noexcept = default;
  IdMap& operator=(IdMap&&) noexcept = default;

  // Adds `record` under its id before `hint` (where lower_bound(record.id) points, or end()
  // when ids come in ascending order). REQUIRES: no record here has its id.
  iterator insert(const_iterator hint, T record) { return map_.insert(hint, Node(std::move(record))); }
  // Adds `record` under its id unless one has it already (as std::map::emplace).
  std::pair<iterator, bool> insert(T record) {
    auto it = map_.lower_bound(std::string_view(record.id));
    if (it != map_.end() && it->first == record.id) return {it, false};
    return {insert(it, std::move(record)), true};
  }
  // Moves every record of `other` here, after the last: their nodes, unchanged, each placed at
  // the end without a search. REQUIRES: every id of `other` is greater than every id here.
  void append(IdMap& other) {
    while (!other.map_.empty()) map_.insert(map_.end(), other.map_.extract(other.map_.begin()));
  }

  iterator find(std::string_view id) { return map_.find(id); }
  const_iterator find(std::string_view id) const { return map_.find(id); }
  bool contains(std::string_view id) const { return map_.contains(id); }
  iterator lower_bound(std::string_view id) { return map_.lower_bound(id); }
  const_iterator lower_bound(std::string_view id) const { return map_.lower_bound(id); }
  size_t erase(std::string_view id) { return map_.erase(id); }
  iterator erase(const_iterator it) { return map_.erase(it); }
  void clear() { map_.clear(); }

  size_t size() const { return map_.size(); }
  bool empty() const { return map_.empty(); }
  iterator begin() { return map_.begin(); }
  iterator end() { return map_.end(); }
  const_iterator begin() const { return map_.begin(); }
  const_iterator end() const { return map_.end(); }
  auto rbegin() const { return map_.rbegin(); }

 private:
  // A node holding `record`, keyed by a view of its id: made in a map of its own and taken out,
  // so that the key is set once the record is in its node.
  static typename Map::node_type Node(T record) {
    Map one;
    typename Map::node_type node = one.extract(one.emplace(std::string_view(), std::move(record)).first);
    node.key() = node.mapped().id;
    return node;
  }

  Map map_;
};

}  // namespace creditlog::projections
