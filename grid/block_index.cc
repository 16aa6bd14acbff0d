#include "grid/block_index.h"

#include <algorithm>

namespace quarry {

void BlockIndex::insert(BlockSlot slot, const Resources& free, const Tags& tags) {
  auto [it, fresh] = group_of_tags_.try_emplace(tags, static_cast<std::uint32_t>(groups_.size()));
  if (fresh) groups_.push_back(Group{tags, {}});
  if (group_of_slot_.size() <= slot) {
    group_of_slot_.resize(slot + 1, 0);
    free_of_slot_.resize(slot + 1);
  }
  group_of_slot_[slot] = it->second;
  free_of_slot_[slot] = free;
  groups_[it->second].buckets.insert(slot, free);
}

void BlockIndex::erase(BlockSlot slot) {
  if (slot >= group_of_slot_.size()) return;
  groups_[group_of_slot_[slot]].buckets.erase(slot);
}

void BlockIndex::update(BlockSlot slot, const Resources& free) {
  if (slot >= group_of_slot_.size()) return;
  auto& buckets = groups_[group_of_slot_[slot]].buckets;
  if (!buckets.contains(slot)) return;
  buckets.erase(slot);
  buckets.insert(slot, free);
  free_of_slot_[slot] = free;
}

std::optional<BlockIndex::Pick> BlockIndex::find_in(const FreeBuckets& buckets, const PlacementRequest& request,
                                                    Order order) const {
  auto judge = [&](FreeBuckets::Slot slot) {
    bool avoided = std::find(request.avoid.begin(), request.avoid.end(), slot) != request.avoid.end();
    return avoided ? FreeBuckets::Verdict::Fallback : FreeBuckets::Verdict::Take;
  };
  auto slot = order == Order::Tightest ? buckets.tightest(request.need, judge) : buckets.loosest(request.need, judge);
  if (!slot) return std::nullopt;
  bool avoided = std::find(request.avoid.begin(), request.avoid.end(), *slot) != request.avoid.end();
  return Pick{*slot, free_of_slot_[*slot], avoided};
}

std::optional<BlockSlot> BlockIndex::find(const PlacementRequest& request, Order order) const {
  std::optional<Pick> best;
  auto key = [](const Pick& p) { return std::tuple(p.free.memory_mb, p.free.cpu_millis, p.slot); };
  auto better = [&](const Pick& a, const Pick& b) {
    if (a.avoided != b.avoided) return !a.avoided;
    return order == Order::Tightest ? key(a) < key(b) : key(b) < key(a);
  };
  for (const auto& group : groups_) {
    if (group.buckets.size() == 0) continue;
    if (request.required_tags && !tags_satisfy(group.tags, *request.required_tags)) continue;
    auto pick = find_in(group.buckets, request, order);
    if (pick && (!best || better(*pick, *best))) best = pick;
  }
  if (!best) return std::nullopt;
  return best->slot;
}

}  // namespace quarry
