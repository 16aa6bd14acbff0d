// What a deploy would do against the current state, without doing it: the
// pure diff behind `quarry plan`. Containers to start (+), replace (~),
// keep (=) and kill (-), and routes added and removed.
#pragma once

#include <string>
#include <vector>

#include "compiler/instruction.h"
#include "store/records.h"

namespace quarry {

struct PlanChange {
  char sign = '+';          // '+' start, '~' replace, '=' keep, '-' kill
  std::string process;      // service or node name
  int index = 0;            // replica, 1-based
  std::string detail;       // "new", "release 3 -> next", "scaled down", ...
};

struct RouteChange {
  char sign = '+';          // '+' added, '-' removed
  std::string domain;
  std::string node;
};

struct Plan {
  std::string stack;
  std::vector<PlanChange> changes;
  std::vector<RouteChange> routes;
  int count(char sign) const;
};

// `current` holds the stack's containers as recorded in the store; `routed`
// holds the domains currently routed, as "domain node" pairs.
Plan make_plan(const InstructionList& instructions, const std::vector<ContainerRecord>& current,
               const std::vector<std::pair<std::string, std::string>>& routed);

// Human form, one change a line ("+ web#3  new"), and a summary line.
std::string render_plan(const Plan& plan);
// JSON form for --json.
nlohmann::json plan_to_json(const Plan& plan);

}  // namespace quarry
