#include "grid/best_fit_policy.h"

namespace quarry {

void BestFitPolicy::insert(BlockSlot slot, const Resources& free, const Tags& tags) {
  index_.insert(slot, free, tags);
}

void BestFitPolicy::erase(BlockSlot slot, const Resources&) { index_.erase(slot); }

void BestFitPolicy::update(BlockSlot slot, const Resources& free) { index_.update(slot, free); }

std::optional<BlockSlot> BestFitPolicy::choose(const PlacementRequest& request) const {
  return index_.find(request, BlockIndex::Order::Tightest);
}

std::unique_ptr<PlacementPolicy> BestFitPolicy::fresh() const { return std::make_unique<BestFitPolicy>(); }

}  // namespace quarry
