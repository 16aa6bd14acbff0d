// Best fit, the default: the block with the least free memory that still
// holds the slice (ties broken by the least free cpu). Packs servers full so
// that the fewest are needed; O(log n) per choice.
#pragma once

#include "grid/block_index.h"

namespace quarry {

class BestFitPolicy final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "best-fit"; }
  void insert(BlockSlot slot, const Resources& free, const Tags& tags) override;
  void erase(BlockSlot slot, const Resources& free) override;
  void update(BlockSlot slot, const Resources& free) override;
  std::optional<BlockSlot> choose(const PlacementRequest& request) const override;
  std::unique_ptr<PlacementPolicy> fresh() const override;

 private:
  BlockIndex index_;
};

}  // namespace quarry
