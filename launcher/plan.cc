#include "launcher/plan.h"

#include <algorithm>
#include <map>
#include <set>

namespace quarry {

int Plan::count(char sign) const {
  return static_cast<int>(std::count_if(changes.begin(), changes.end(), [&](const auto& c) { return c.sign == sign; }));
}

namespace {

// The newest live container per replica index of one process.
std::map<int, const ContainerRecord*> live_by_index(const std::vector<ContainerRecord>& current, const std::string& name) {
  std::map<int, const ContainerRecord*> out;
  for (const auto& c : current) {
    if (c.node != name) continue;
    auto& slot = out[c.index];
    if (!slot || c.release > slot->release) slot = &c;
  }
  return out;
}

void plan_service(Plan& plan, const Instruction& in, const std::vector<ContainerRecord>& current) {
  auto live = live_by_index(current, in.target);
  if (live.empty()) plan.changes.push_back({'+', in.target, 1, "new service"});
  else plan.changes.push_back({'=', in.target, 1, "kept (services are not restarted on deploy)"});
}

void plan_node(Plan& plan, const Instruction& in, int scale, const std::vector<ContainerRecord>& current) {
  auto live = live_by_index(current, in.target);
  for (int i = 1; i <= scale; ++i) {
    auto it = live.find(i);
    if (it == live.end()) plan.changes.push_back({'+', in.target, i, "new"});
    else plan.changes.push_back({'~', in.target, i, "release " + std::to_string(it->second->release) + " -> next"});
  }
  for (const auto& [index, rec] : live) {
    if (index > scale) plan.changes.push_back({'-', in.target, index, "scaled down"});
  }
}

}  // namespace

Plan make_plan(const InstructionList& instructions, const std::vector<ContainerRecord>& current,
               const std::vector<std::pair<std::string, std::string>>& routed) {
  Plan plan;
  plan.stack = instructions.stack;
  std::map<std::string, int> scale;
  for (const auto& in : instructions.instructions) {
    if (in.op == Op::Scale) scale[in.target] = in.scale;
  }
  std::set<std::pair<std::string, std::string>> wanted_routes;
  for (const auto& in : instructions.instructions) {
    switch (in.op) {
      case Op::Ensure:
        plan_service(plan, in, current);
        break;
      case Op::Deploy:
        plan_node(plan, in, scale.count(in.target) ? scale[in.target] : in.process.scale, current);
        break;
      case Op::Kill:
        for (const auto& [index, rec] : live_by_index(current, in.target)) {
          plan.changes.push_back({'-', in.target, index, "no longer in the manifest"});
        }
        break;
      case Op::Route:
        for (const auto& d : in.domains) wanted_routes.insert({d, in.target});
        break;
      case Op::Scale:
        break;
    }
  }
  std::set<std::pair<std::string, std::string>> have(routed.begin(), routed.end());
  for (const auto& r : wanted_routes) {
    if (!have.count(r)) plan.routes.push_back({'+', r.first, r.second});
  }
  for (const auto& r : have) {
    if (!wanted_routes.count(r)) plan.routes.push_back({'-', r.first, r.second});
  }
  return plan;
}

std::string render_plan(const Plan& plan) {
  std::string out = "plan for stack " + plan.stack + ":\n";
  for (const auto& c : plan.changes) {
    out += std::string("  ") + c.sign + " " + c.process + "#" + std::to_string(c.index) + "  " + c.detail + "\n";
  }
  for (const auto& r : plan.routes) {
    out += std::string("  ") + r.sign + " route " + r.domain + " -> " + r.node + "\n";
  }
  out += std::to_string(plan.count('+')) + " to start, " + std::to_string(plan.count('~')) + " to replace, " +
         std::to_string(plan.count('-')) + " to kill, " + std::to_string(plan.count('=')) + " kept; " +
         std::to_string(plan.routes.size()) + " route change(s)\n";
  return out;
}

nlohmann::json plan_to_json(const Plan& plan) {
  nlohmann::json changes = nlohmann::json::array(), routes = nlohmann::json::array();
  for (const auto& c : plan.changes) {
    changes.push_back({{"sign", std::string(1, c.sign)}, {"process", c.process}, {"index", c.index}, {"detail", c.detail}});
  }
  for (const auto& r : plan.routes) {
    routes.push_back({{"sign", std::string(1, r.sign)}, {"domain", r.domain}, {"node", r.node}});
  }
  return {{"stack", plan.stack}, {"changes", changes}, {"routes", routes},
          {"summary", {{"start", plan.count('+')}, {"replace", plan.count('~')}, {"kill", plan.count('-')}, {"keep", plan.count('=')}}}};
}

}  // namespace quarry
