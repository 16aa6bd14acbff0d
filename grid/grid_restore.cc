// Grid <-> GridState: snapshots for persistence and pictures, and rebuilding
// a grid from one.
#include <algorithm>

#include "grid/grid.h"

namespace quarry {

GridState Grid::snapshot() const {
  GridState state;
  for (const auto& rec : blocks_) {
    if (!rec.alive) continue;
    BlockState bs{rec.block, {}};
    bs.slices.reserve(rec.slices.size());
    for (auto s : rec.slices) bs.slices.push_back(slices_[s].slice);
    std::sort(bs.slices.begin(), bs.slices.end(),
              [](const Slice& a, const Slice& b) { return natural_less(a.id, b.id); });
    state.blocks.push_back(std::move(bs));
  }
  std::sort(state.blocks.begin(), state.blocks.end(),
            [](const BlockState& a, const BlockState& b) { return natural_less(a.block.id, b.block.id); });
  for (auto [seq, s] : pending_) state.pending.push_back(slices_[s].slice);
  for (const auto& [id, creating] : creating_) state.creating.push_back(creating.request);
  state.next_request = next_request_;
  state.errors = errors_;
  return state;
}

Result<Grid> Grid::restore(const GridState& state, GridOptions options, std::unique_ptr<PlacementPolicy> policy,
                           GridDeps deps) {
  // No events and no saves while rebuilding: nothing here is news.
  GridDeps quiet = deps;
  quiet.events = nullptr;
  Grid grid(std::move(options), std::move(policy), quiet);
  auto admit = [&](const Slice& slice) -> Result<std::uint32_t> {
    if (auto ok = validate_slice(slice); !ok) return fail(ok.error());
    auto s = static_cast<std::uint32_t>(grid.slices_.size());
    if (!grid.slice_ids_.insert(slice.id, s, SliceIdOf{&grid})) return fail("slice '" + slice.id + "' appears twice");
    grid.slices_.push_back(SliceRec{slice, kNone, 0, grid.intern_node(slice.node_key(), IdTable::hash(slice.node_key())), 0, 0, true});
    return s;
  };
  for (const auto& bs : state.blocks) {
    const auto& block = bs.block;
    if (block.id.empty()) return fail("a block has no id");
    if (grid.block_ids_.contains(block.id)) return fail("block '" + block.id + "' appears twice");
    if (block.capacity.memory_mb <= 0 || block.capacity.cpu_millis < 0)
      return fail("block '" + block.id + "': capacity must have positive memory and non-negative cpu");
    auto b = grid.new_block(BlockSpec{block.id, block.capacity, block.tags});
    for (const auto& slice : bs.slices) {
      auto s = admit(slice);
      if (!s) return fail(s.error().context("block '" + block.id + "'"));
      if (!tags_satisfy(block.tags, slice.required_tags))
        return fail("block '" + block.id + "': slice '" + slice.id + "' requires tags the block lacks");
      if (!grid.blocks_[b].block.free().holds(slice.size))
        return fail("block '" + block.id + "': its slices need more than its capacity");
      grid.attach(*s, b);
    }
    grid.blocks_[b].block.created_ms = block.created_ms;
    grid.blocks_[b].block.low_since_ms = block.low_since_ms;
  }
  std::uint64_t next_request = std::max<std::uint64_t>(state.next_request, 1);
  for (const auto& request : state.creating) {
    if (request.id == 0 || grid.creating_.contains(request.id))
      return fail("create request " + std::to_string(request.id) + " is invalid or appears twice");
    grid.creating_.emplace(request.id, Creating{request, request.size});
    next_request = std::max(next_request, request.id + 1);
  }
  grid.next_request_ = next_request;
  for (const auto& slice : state.pending) {
    auto s = admit(slice);
    if (!s) return fail(s.error().context("pending"));
    grid.make_pending(*s);
    // Ride on a request already in flight where there is room; the rest get
    // a new request at the next tick().
    for (auto& [id, creating] : grid.creating_) {
      if (tags_satisfy(creating.request.tags, slice.required_tags) && creating.planned_free.holds(slice.size)) {
        creating.planned_free -= slice.size;
        grid.slices_[*s].request = id;
        break;
      }
    }
  }
  grid.errors_ = state.errors;
  grid.events_ = deps.events;
  return grid;
}

}  // namespace quarry
