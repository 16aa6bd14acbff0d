#include "grid/block_index.h"

#include <algorithm>

namespace quarry {

void BlockIndex::insert(BlockSlot slot, const Resources& free, const Tags& tags) {
  auto [it, fresh] = group_of_tags_.try_emplace(tags, static_cast<std::uint32_t>(groups_.size()));
  if (fresh) groups_.push_back(Group{tags, {}});
  if (group_of_slot_.size() <= slot) group_of_slot_.resize(slot + 1, 0);
  group_of_slot_[slot] = it->second;
  groups_[it->second].index.insert({free.memory_mb, free.cpu_millis, slot});
}

void BlockIndex::erase(BlockSlot slot, const Resources& free) {
  if (slot >= group_of_slot_.size()) return;
  groups_[group_of_slot_[slot]].index.erase({free.memory_mb, free.cpu_millis, slot});
}

std::optional<BlockIndex::Pick> BlockIndex::find_in(const FitIndex& index, const PlacementRequest& request,
                                                    Order order) const {
  std::optional<FitIndex::Entry> cursor;
  std::optional<Pick> fallback;
  // Each avoided block costs one more descent; there are at most |avoid|.
  while (true) {
    cursor = order == Order::Tightest ? index.tightest(request.need, cursor) : index.loosest(request.need, cursor);
    if (!cursor) return fallback;
    bool avoided = std::find(request.avoid.begin(), request.avoid.end(), cursor->slot) != request.avoid.end();
    if (!avoided) return Pick{*cursor, false};
    if (!fallback) fallback = Pick{*cursor, true};
  }
}

std::optional<BlockSlot> BlockIndex::find(const PlacementRequest& request, Order order) const {
  std::optional<Pick> best;
  auto better = [&](const Pick& a, const Pick& b) {
    if (a.avoided != b.avoided) return !a.avoided;
    return order == Order::Tightest ? a.entry < b.entry : b.entry < a.entry;
  };
  for (const auto& group : groups_) {
    if (group.index.size() == 0) continue;
    if (request.required_tags && !tags_satisfy(group.tags, *request.required_tags)) continue;
    auto pick = find_in(group.index, request, order);
    if (pick && (!best || better(*pick, *best))) best = pick;
  }
  if (!best) return std::nullopt;
  return best->entry.slot;
}

}  // namespace quarry
