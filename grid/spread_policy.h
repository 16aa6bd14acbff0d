// Spread: the block with the most free memory that holds the slice. Keeps
// load even across servers at the price of using more of them; O(log n).
#pragma once

#include "grid/block_index.h"

namespace quarry {

class SpreadPolicy final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "spread"; }
  void insert(BlockSlot slot, const Resources& free, const Tags& tags) override;
  void erase(BlockSlot slot, const Resources& free) override;
  void update(BlockSlot slot, const Resources& free) override;
  std::optional<BlockSlot> choose(const PlacementRequest& request) const override;
  std::unique_ptr<PlacementPolicy> fresh() const override;

 private:
  BlockIndex index_;
};

}  // namespace quarry
