// Keeps only the moves a plan needs. A planner may reach a packing that
// empties some blocks through moves that turn out not to matter for them
// (a rearrangement that stalled, or one that only tidied blocks that stay).
// Pruning drops every move whose block is not emptied as long as the rest
// still keeps the rules, so that what remains is minimal: dropping any one
// more move breaks a rule or leaves an emptied block holding something.
#pragma once

#include <vector>

#include "grid/repack_input.h"

namespace quarry {

// Whether `moves`, carried out in order from `input`, keep the rules at
// every step: the item is on the move's source, the target holds
// something, has room for the new copy while the old one runs and holds no
// replica of the item's node; no item moves twice.
bool moves_keep_rules(const PackInput& input, const std::vector<PackMove>& moves);

// Drops moves out of blocks that `plan` does not empty, latest first and
// until none more can go, each only when the remaining moves still keep
// the rules; every block in plan.emptied stays emptied. `plan` must keep
// the rules to begin with. Each try looks only at the moves of the two
// blocks the move touches, so pruning costs little more than the moves.
void prune(const PackInput& input, PackPlan& plan);

}  // namespace quarry
