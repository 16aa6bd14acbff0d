// The servers a deploy would make or give back, priced: the "servers:"
// section of `quarry plan` and `quarry servers`. Reads the saved grid, its
// settings and the provider's price list (only when something changes, and
// never for the local cloud, which has no prices); changes nothing.
#pragma once

#include "cli/context.h"
#include "cloud/fleet_cost.h"
#include "launcher/fleet_plan.h"

namespace quarry {

struct FleetPreview {
  FleetChange change;
  CostChange cost;
  std::string prices_error;   // why prices are unknown, when the provider failed
};

// `deploy` holds the instructions, the stack's containers and its plan; an
// empty one previews what the grid alone still wants.
Result<FleetPreview> preview_fleet(Context& ctx, FleetInput deploy);

// The section as text ("" when nothing changes) and as JSON.
std::string render_fleet_preview(const FleetPreview& preview, const std::string& title = "servers:");
nlohmann::json fleet_preview_json(const FleetPreview& preview);

}  // namespace quarry
