// The index both built-in policies share: blocks grouped by their tag set,
// each group a FitIndex. A request scans only the groups whose tags satisfy
// it (a cluster has a handful of tag sets), and in each group one O(log n)
// descent finds the tightest or loosest fit, stepping past blocks to avoid.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "grid/fit_index.h"
#include "grid/placement_policy.h"

namespace quarry {

class BlockIndex {
 public:
  enum class Order { Tightest, Loosest };

  void insert(BlockSlot slot, const Resources& free, const Tags& tags);
  void erase(BlockSlot slot, const Resources& free);
  // The first block in `order` that fits and is not avoided; when every
  // fitting block is avoided, the first avoided one. Nullopt if none fits.
  std::optional<BlockSlot> find(const PlacementRequest& request, Order order) const;

 private:
  struct Group {
    Tags tags;
    FitIndex index;
  };
  struct Pick {
    FitIndex::Entry entry;
    bool avoided;
  };
  std::optional<Pick> find_in(const FitIndex& index, const PlacementRequest& request, Order order) const;

  std::vector<Group> groups_;
  std::map<Tags, std::uint32_t> group_of_tags_;
  std::vector<std::uint32_t> group_of_slot_;
};

}  // namespace quarry
