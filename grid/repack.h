// Consolidation: a plan that empties blocks so that they can be given back,
// bringing an online-placed grid close to the packing an offline solver
// would find. Planning is pure: it reads a GridState and changes nothing;
// the caller carries out each move and tells the grid (Grid::apply_move),
// then Grid::tick() destroys the emptied blocks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "grid/grid_state.h"

namespace quarry {

// One slice changing block. Carry it out in this order: start the new copy
// on `to`, wait until it is healthy, then stop the old copy on `from`.
struct Move {
  std::string slice;
  std::string from;
  std::string to;
  friend bool operator==(const Move&, const Move&) = default;
};

struct RepackPlan {
  std::vector<Move> moves;            // in the order to carry them out
  std::vector<std::string> emptied;   // blocks left empty once every move is done
};

struct RepackOptions {
  std::int64_t now_ms = 0;
  std::int64_t min_age_ms = 0;   // blocks younger than this are not emptied
  std::size_t min_blocks = 0;    // never plan below this many non-empty blocks
  std::size_t max_moves = 0;     // at most this many moves in one plan; 0: no limit
};

// Two planners look at the state and the plan that empties more blocks
// wins (as many: the one with fewer moves). One empties a block at a time,
// each only if all of its slices find room elsewhere; to make room it may
// swap: a slice of the block being emptied takes the place of smaller
// slices on another block, which then look for room in turn (a local search
// in the manner of the best bin packing heuristics); swaps that take two
// slices in for one out come first, since every slice left looking for
// room needs a block with room at the end of its chain. The other takes the
// lightest blocks apart and packs their slices again (repack_rebuild.h).
// An attempt that cannot empty a block is undone, so every move in a plan
// serves to empty one: never a move that saves nothing. A plan is up to six
// such rounds, each over the state the previous one leaves, its moved
// slices pinned. When the planner wins round one but the rebuild has a
// plan too, the rounds are made from each and the plan that empties more
// blocks in all wins: the rebuild may empty fewer at first but leave room
// where the next rounds use it.
//
// Rules every plan keeps:
// - services never move, so a block with a service is never emptied;
// - a move never goes onto an empty block, nor onto the router server
//   (role=router) unless the slice requires it;
// - capacity and required tags hold after each move in plan order, and a
//   move never joins a replica of its own node;
// - no slice moves twice, and a block that receives a move is not emptied;
// - at most max_moves moves, and never below min_blocks non-empty blocks.
RepackPlan plan_repack(const GridState& state, const RepackOptions& options);

}  // namespace quarry
