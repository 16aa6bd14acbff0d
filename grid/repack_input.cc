#include "grid/repack_input.h"

#include <algorithm>
#include <string_view>

namespace quarry {

double PackInput::weight(const Resources& r) const {
  double w = double(r.memory_mb) / double(std::max<std::int64_t>(reference.memory_mb, 1));
  if (reference.cpu_millis > 0) w += double(r.cpu_millis) / double(reference.cpu_millis);
  return w;
}

std::uint32_t add_bin(PackInput& in, const Block& block) {
  in.bins.push_back(PackBin{&block, block.used, {}});
  return std::uint32_t(in.bins.size() - 1);
}

void add_item(PackInput& in, std::uint32_t b, const Slice& slice, std::uint32_t node) {
  if (node >= in.node_bins.size()) in.node_bins.resize(node + 1);
  in.node_bins[node].push_back(b);
  auto& bin = in.bins[b];
  bin.items.push_back(std::uint32_t(in.items.size()));
  bin.pinned = bin.pinned || slice.is_service;
  in.items.push_back(PackItem{&slice, node, b, in.weight(slice.size), slice.is_service});
}

PackInput pack_input(const GridState& state) {
  PackInput in;
  std::size_t slices = 0;
  for (const auto& bs : state.blocks) {
    in.reference.memory_mb = std::max(in.reference.memory_mb, bs.block.capacity.memory_mb);
    in.reference.cpu_millis = std::max(in.reference.cpu_millis, bs.block.capacity.cpu_millis);
    slices += bs.slices.size();
  }
  // Node keys are hashed here, once; planning compares numbers only.
  std::unordered_map<std::string_view, std::uint32_t> nodes;
  nodes.reserve(slices);
  in.items.reserve(slices);
  in.bins.reserve(state.blocks.size());
  for (const auto& bs : state.blocks) {
    auto b = add_bin(in, bs.block);
    in.bins[b].items.reserve(bs.slices.size());
    for (const auto& s : bs.slices) {
      auto [it, fresh] = nodes.try_emplace(s.node_key(), std::uint32_t(nodes.size()));
      add_item(in, b, s, it->second);
    }
  }
  return in;
}

void carry_out(PackInput& in, const std::vector<PackMove>& moves) {
  for (const auto& m : moves) {
    auto& item = in.items[m.item];
    auto& from = in.bins[m.from];
    auto& to = in.bins[m.to];
    from.items.erase(std::find(from.items.begin(), from.items.end(), m.item));
    from.used -= item.slice->size;
    to.used += item.slice->size;
    to.items.push_back(m.item);
    to.pinned = true;
    item.bin = m.to;
    item.pinned = true;
    auto& holders = in.node_bins[item.node];
    *std::find(holders.begin(), holders.end(), m.from) = m.to;
  }
}

RepackPlan to_plan(const PackInput& in, const PackPlan& plan) {
  RepackPlan out;
  out.moves.reserve(plan.moves.size());
  for (const auto& m : plan.moves)
    out.moves.push_back(Move{in.items[m.item].slice->id, in.bins[m.from].block->id, in.bins[m.to].block->id});
  for (auto b : plan.emptied) out.emptied.push_back(in.bins[b].block->id);
  return out;
}

}  // namespace quarry
