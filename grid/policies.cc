#include "grid/policies.h"

#include "core/text.h"
#include "grid/best_fit_policy.h"
#include "grid/spread_policy.h"

namespace quarry {

std::vector<std::string> policy_names() { return {"best-fit", "spread"}; }

Result<std::unique_ptr<PlacementPolicy>> make_policy(std::string_view name) {
  if (name == "best-fit") return std::make_unique<BestFitPolicy>();
  if (name == "spread") return std::make_unique<SpreadPolicy>();
  return fail("unknown placement policy '" + std::string(name) + "' (known: " + join(policy_names(), ", ") + ")");
}

}  // namespace quarry
