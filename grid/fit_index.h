// An ordered index of blocks by free capacity that answers "the tightest (or
// loosest) block with at least this much memory and cpu" in O(log n).
//
// Entries are ordered by (free memory, free cpu, slot). The tree is a treap in
// which every node also knows the largest free cpu below it; a search walks
// down the memory order and skips any subtree whose cpu cannot fit, so two
// dimensions cost one descent instead of a scan of all blocks.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "grid/resources.h"

namespace quarry {

class FitIndex {
 public:
  struct Entry {
    std::int64_t memory_mb = 0;
    std::int64_t cpu_millis = 0;
    std::uint32_t slot = 0;
    friend bool operator==(const Entry&, const Entry&) = default;
    friend auto operator<=>(const Entry&, const Entry&) = default;
  };

  // Adds an entry. The caller keeps slots unique within one index.
  void insert(const Entry& e);
  // Removes the entry equal to `e`; false when there is none.
  bool erase(const Entry& e);
  std::size_t size() const { return size_; }

  // The smallest entry strictly after `after` (or the smallest overall) that
  // holds `need` in both dimensions.
  std::optional<Entry> tightest(const Resources& need, const std::optional<Entry>& after) const;
  // The largest entry strictly before `before` (or the largest overall) that
  // holds `need` in both dimensions.
  std::optional<Entry> loosest(const Resources& need, const std::optional<Entry>& before) const;

 private:
  static constexpr std::int32_t kNil = -1;
  struct Node {
    Entry e;
    std::int64_t max_cpu;
    std::uint32_t priority;
    std::int32_t left = kNil, right = kNil;
  };

  std::int32_t make_node(const Entry& e);
  void pull(std::int32_t t);
  // Splits t into keys < key (first) and keys >= key (second).
  std::pair<std::int32_t, std::int32_t> split(std::int32_t t, const Entry& key);
  std::int32_t merge(std::int32_t a, std::int32_t b);
  std::int64_t max_cpu(std::int32_t t) const { return t == kNil ? INT64_MIN : nodes_[t].max_cpu; }
  std::optional<Entry> first_from(std::int32_t t, const Entry& low, bool strict, std::int64_t cpu) const;
  std::optional<Entry> last_before(std::int32_t t, const Entry* high, std::int64_t cpu) const;

  std::vector<Node> nodes_;
  std::vector<std::int32_t> free_nodes_;
  std::int32_t root_ = kNil;
  std::size_t size_ = 0;
  std::uint32_t seed_ = 0x9e3779b9u;
};

}  // namespace quarry
