// The index both built-in policies share: blocks grouped by their tag set,
// each group a FreeBuckets. A request looks only at the groups whose tags
// satisfy it (a cluster has a handful of tag sets); within a group the
// search walks the buckets of free memory, stepping past blocks to avoid.
// The tag set is looked up once, when a block is inserted: updates and
// searches touch no strings.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "grid/free_buckets.h"
#include "grid/placement_policy.h"

namespace quarry {

class BlockIndex {
 public:
  enum class Order { Tightest, Loosest };

  void insert(BlockSlot slot, const Resources& free, const Tags& tags);
  void erase(BlockSlot slot);
  // The block's free capacity changed; it keeps its group.
  void update(BlockSlot slot, const Resources& free);
  // The first block in `order` that fits and is not avoided; when every
  // fitting block is avoided, the first avoided one. Nullopt if none fits.
  std::optional<BlockSlot> find(const PlacementRequest& request, Order order) const;

 private:
  struct Group {
    Tags tags;
    FreeBuckets buckets;
  };
  struct Pick {
    BlockSlot slot;
    Resources free;
    bool avoided;
  };
  std::optional<Pick> find_in(const FreeBuckets& buckets, const PlacementRequest& request, Order order) const;

  std::vector<Group> groups_;
  std::map<Tags, std::uint32_t> group_of_tags_;
  std::vector<std::uint32_t> group_of_slot_;
  std::vector<Resources> free_of_slot_;
};

}  // namespace quarry
