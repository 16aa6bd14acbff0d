// The second way to plan a repack: dissolve the least-filled blocks and
// build the packing of their slices again from scratch, one block at a
// time, each filled with the set of slices that leaves it the least slack,
// the largest slice left always in it (minimum bin slack, the heuristic of
// Gupta & Ho as refined by Fleszar & Hindi). The new packing is then
// reached with at most one move per slice that changes block, in an order
// where every target has room for the new copy while the old one still
// runs.
//
// It finds packings the planner of repack.cc cannot reach by emptying one
// block at a time (nearly every block rearranged, as on Falkenauer's
// triplets), at the price of more moves; plan_repack() runs both and keeps
// the plan that empties more blocks. The rules of repack.h hold for its
// plans too. When the moves stall (no order in which every move has room
// reaches the whole new packing), the moves made so far are still a valid
// plan if they emptied a block; it then tries again with an eighth fewer
// blocks dissolved, until one packing is reached whole, and keeps the plan
// that empties the most blocks (as many: the fewest moves). That plan is
// pruned (repack_prune.h): a move that does not serve to empty a block is
// dropped. A plan over max_moves even when pruned does not count.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "grid/repack.h"
#include "grid/repack_input.h"

namespace quarry {

// Bounds on the work, so that a fleet of thousands of blocks plans in
// bounded time: past `steps` a fill takes the first set its search meets
// (largest slices first), no longer the best.
struct RebuildLimits {
  std::size_t max_pool = 4096;         // slices dissolved at most (the lightest blocks' first)
  std::size_t search_nodes = 50000;    // candidates looked at per block filled
  std::size_t steps = 2000000;         // candidates looked at per attempt, all fills together
  std::size_t attempts = 30;           // windows tried before giving up
};

// A plan that empties at least one block, or nullopt: over the planners'
// shared input (repack_input.h), and over a state.
std::optional<PackPlan> rebuild(const PackInput& input, const RepackOptions& options, const RebuildLimits& limits = {});
std::optional<RepackPlan> plan_rebuild(const GridState& state, const RepackOptions& options,
                                       const RebuildLimits& limits = {});

}  // namespace quarry
