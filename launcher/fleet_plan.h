// What a deploy would do to the fleet, before it runs: the servers the grid
// would ask the cloud for and those it would give back. Pure: it replays the
// deploy's placements (plan.h) on a copy of the saved grid, in the order the
// launcher takes them (a node's new replicas are placed before its old ones
// are freed), with a stand-in for every server the grid asks for. The same
// computation with an empty plan gives what the grid itself still wants
// (slices waiting for a server, empty servers it will give back).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/instruction.h"
#include "grid/grid_state.h"
#include "launcher/grid_placer.h"
#include "launcher/plan.h"
#include "store/records.h"

namespace quarry {

struct FleetChange {
  std::vector<CreateRequest> create;   // servers the grid would ask for (size, tags)
  std::vector<std::string> destroy;    // servers it would give back once idle (autosize)
  std::vector<std::string> unplaced;   // slices no server could take (the grid's max reached)
  bool empty() const { return create.empty() && destroy.empty() && unplaced.empty(); }
};

struct FleetInput {
  GridState grid;                               // as saved (grid/grid.json)
  GridSettings settings;                        // etc/grid.json
  bool can_create = true;                       // a provider answers the grid's creates
  std::int64_t now_ms = 0;
  InstructionList instructions;                 // empty: no deploy, the grid alone
  std::vector<ContainerRecord> current;         // the stack's containers
  Plan plan;                                    // make_plan(instructions, current, ...)
};

// Fails only when the saved grid is inconsistent or the policy unknown.
Result<FleetChange> plan_fleet(const FleetInput& input);

}  // namespace quarry
