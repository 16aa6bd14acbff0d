#include "grid/spread_policy.h"

namespace quarry {

void SpreadPolicy::insert(BlockSlot slot, const Resources& free, const Tags& tags) {
  index_.insert(slot, free, tags);
}

void SpreadPolicy::erase(BlockSlot slot, const Resources&) { index_.erase(slot); }

void SpreadPolicy::update(BlockSlot slot, const Resources& free) { index_.update(slot, free); }

std::optional<BlockSlot> SpreadPolicy::choose(const PlacementRequest& request) const {
  return index_.find(request, BlockIndex::Order::Loosest);
}

std::unique_ptr<PlacementPolicy> SpreadPolicy::fresh() const { return std::make_unique<SpreadPolicy>(); }

}  // namespace quarry
