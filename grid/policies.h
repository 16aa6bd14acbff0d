// The built-in placement policies by name, for configuration and the CLI.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "grid/placement_policy.h"

namespace quarry {

// "best-fit" (the default) and "spread".
std::vector<std::string> policy_names();
// A new, empty policy; an unknown name is an error listing the known ones.
Result<std::unique_ptr<PlacementPolicy>> make_policy(std::string_view name);

}  // namespace quarry
