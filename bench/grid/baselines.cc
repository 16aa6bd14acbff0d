#include "bench/grid/baselines.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace quarry::bench {

namespace {
bool avoided(const PlacementRequest& r, BlockSlot slot) {
  return std::find(r.avoid.begin(), r.avoid.end(), slot) != r.avoid.end();
}
bool feasible(const PlacementRequest& r, const Resources& free, const Tags& tags) {
  return free.holds(r.need) && (!r.required_tags || tags_satisfy(tags, *r.required_tags));
}
}  // namespace

void FirstFitPolicy::insert(BlockSlot slot, const Resources& free, const Tags& tags) {
  if (blocks_.size() <= slot) blocks_.resize(slot + 1);
  blocks_[slot] = Entry{true, free, tags};
}

void FirstFitPolicy::erase(BlockSlot slot, const Resources&) {
  if (slot < blocks_.size()) blocks_[slot].present = false;
}

void FirstFitPolicy::update(BlockSlot slot, const Resources& free) {
  if (slot < blocks_.size()) blocks_[slot].free = free;
}

std::optional<BlockSlot> FirstFitPolicy::choose(const PlacementRequest& request) const {
  std::optional<BlockSlot> fallback;
  for (BlockSlot slot = 0; slot < blocks_.size(); ++slot) {
    const auto& b = blocks_[slot];
    if (!b.present || !feasible(request, b.free, b.tags)) continue;
    if (!avoided(request, slot)) return slot;
    if (!fallback) fallback = slot;
  }
  return fallback;
}

void NomadPolicy::insert(BlockSlot slot, const Resources& free, const Tags& tags) {
  if (blocks_.size() <= slot) blocks_.resize(slot + 1);
  if (!blocks_[slot].present) ++present_;
  blocks_[slot] = Entry{true, free, tags};
}

void NomadPolicy::erase(BlockSlot slot, const Resources&) {
  if (slot < blocks_.size() && blocks_[slot].present) {
    blocks_[slot].present = false;
    --present_;
  }
}

void NomadPolicy::update(BlockSlot slot, const Resources& free) {
  if (slot < blocks_.size()) blocks_[slot].free = free;
}

double NomadPolicy::score(const Resources& free_after) const {
  double mem = double(free_after.memory_mb) / double(capacity_.memory_mb);
  double cpu = double(free_after.cpu_millis) / double(capacity_.cpu_millis);
  return 20.0 - (std::pow(10.0, cpu) + std::pow(10.0, mem));
}

std::optional<BlockSlot> NomadPolicy::choose(const PlacementRequest& request) const {
  if (blocks_.empty() || present_ == 0) return std::nullopt;
  auto limit = std::max<std::size_t>(2, std::size_t(std::ceil(std::log2(double(present_)))));
  // Nomad walks the nodes in a random order until it has `limit` feasible
  // ones; a random start and a random odd stride over the slots stand in
  // for its shuffle without shuffling ten thousand entries per placement.
  std::size_t n = blocks_.size();
  std::size_t start = rng_() % n;
  std::size_t stride = 1;
  if (n > 2) {
    do stride = rng_() % n; while (stride == 0 || std::gcd(stride, n) != 1);
  }
  std::optional<BlockSlot> best, fallback;
  double best_score = -1e300, fallback_score = -1e300;
  std::size_t found = 0;
  for (std::size_t i = 0, slot = start; i < n && found < limit; ++i, slot = (slot + stride) % n) {
    const auto& b = blocks_[slot];
    if (!b.present || !feasible(request, b.free, b.tags)) continue;
    double s = score(b.free - request.need);
    if (avoided(request, BlockSlot(slot))) {
      if (s > fallback_score) fallback_score = s, fallback = BlockSlot(slot);
      continue;
    }
    ++found;
    if (s > best_score) best_score = s, best = BlockSlot(slot);
  }
  return best ? best : fallback;
}

void ReplayPolicy::insert(BlockSlot slot, const Resources& free, const Tags& tags) {
  if (inner_) inner_->insert(slot, free, tags);
}

void ReplayPolicy::erase(BlockSlot slot, const Resources& free) {
  if (inner_) inner_->erase(slot, free);
}

void ReplayPolicy::update(BlockSlot slot, const Resources& free) {
  if (inner_) inner_->update(slot, free);
}

std::optional<BlockSlot> ReplayPolicy::choose(const PlacementRequest& request) const {
  if (inner_) return choices_->emplace_back(inner_->choose(request));
  return next_ < choices_->size() ? (*choices_)[next_++] : std::nullopt;
}

}  // namespace quarry::bench
