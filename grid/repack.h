// Consolidation: a plan that empties the most lightly used blocks so that they
// can be given back. Planning is pure: it reads a GridState and changes
// nothing; the caller carries out each move and tells the grid
// (Grid::apply_move), then Grid::tick() destroys the emptied blocks.
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
  double low_watermark = 0.25;   // a block is "light" while its load stays under this
  std::int64_t low_for_ms = 0;   // ... for at least this long
  std::int64_t min_age_ms = 0;   // blocks younger than this are left alone
  std::size_t min_blocks = 0;    // never plan below this many non-empty blocks
};

// Candidates are light blocks (past both hysteresis delays) that hold nodes
// only: services never move, so a block with a service stays. Lightest first,
// a candidate is emptied only if every one of its slices fits on a block that
// is not being emptied, honoring capacity, required tags and anti-affinity
// (a move never joins a replica of its own node). A block that receives a
// move is not emptied in the same plan, so no slice moves twice.
RepackPlan plan_repack(const GridState& state, const RepackOptions& options);

}  // namespace quarry
