#include "compiler/stack_checks.h"

#include <map>

#include "compiler/dependency_order.h"
#include "compiler/yaml_walk.h"
#include "core/text.h"

namespace quarry {

namespace {

void check_names(const std::vector<ProcessRead>& services, const std::vector<ProcessRead>& nodes,
                 Diagnostics& diags) {
  std::map<std::string, int> service_line;
  for (const auto& s : services) service_line.emplace(s.process.name, s.source.name_at.line);
  for (const auto& n : nodes) {
    auto it = service_line.find(n.process.name);
    if (it == service_line.end()) continue;
    diags.error(n.source.name_at, "node " + quoted(n.process.name) + " has the name of the service at line " +
                                      std::to_string(it->second) + "; names are shared by services and nodes");
  }
}

void check_depends_on(const std::vector<const ProcessRead*>& all, Diagnostics& diags) {
  std::map<std::string, const Process*> by_name;
  std::vector<std::string> names;
  for (const auto* r : all) {
    if (by_name.emplace(r->process.name, &r->process).second) names.push_back(r->process.name);
  }
  for (const auto* r : all) {
    const Process& p = r->process;
    for (std::size_t i = 0; i < p.depends_on.size(); ++i) {
      const std::string& dep = p.depends_on[i];
      auto it = by_name.find(dep);
      Position at = r->source.depends_on_at[i];
      if (it == by_name.end()) {
        std::string message = "depends_on: no service or node is named " + quoted(dep);
        if (auto near = nearest(dep, names)) message += "; did you mean '" + *near + "'?";
        diags.error(at, message);
      } else if (p.is_service && !it->second->is_service) {
        diags.error(at, "depends_on: service " + quoted(p.name) + " cannot depend on node " + quoted(dep) +
                            " (services start before nodes)");
      }
    }
  }
}

void check_cycles(const std::vector<const ProcessRead*>& all, Diagnostics& diags) {
  std::map<std::string, bool> is_service;
  for (const auto* r : all) is_service.emplace(r->process.name, r->process.is_service);
  std::vector<DependencyNode> graph;
  for (const auto* r : all) {
    DependencyNode n{r->process.name, {}};
    for (const auto& d : r->process.depends_on) {
      auto it = is_service.find(d);
      // A service depending on a node is reported on its own; leaving that
      // edge out keeps one mistake from being reported twice.
      if (it != is_service.end() && !(r->process.is_service && !it->second)) n.depends_on.push_back(d);
    }
    graph.push_back(std::move(n));
  }
  for (const auto& cycle : dependency_cycles(graph)) {
    Position at;
    for (const auto* r : all) {
      if (r->process.name != cycle[0]) continue;
      const auto& deps = r->process.depends_on;
      for (std::size_t i = 0; i < deps.size(); ++i) {
        if (deps[i] == cycle[1]) at = r->source.depends_on_at[i];
      }
      break;
    }
    diags.error(at, "dependency cycle: " + join(cycle, " -> "));
  }
}

void check_domains(const std::vector<ProcessRead>& nodes, Diagnostics& diags) {
  std::map<std::string, std::string> owner;
  for (const auto& n : nodes) {
    for (std::size_t i = 0; i < n.process.domains.size(); ++i) {
      const auto& domain = n.process.domains[i];
      auto [it, fresh] = owner.emplace(domain, n.process.name);
      if (fresh || it->second == n.process.name) continue;
      diags.error(n.source.domains_at[i], "domains: " + quoted(domain) + " is already used by node " +
                                              quoted(it->second));
    }
  }
}

void check_reserved_env(const std::vector<ProcessRead>& services, const std::vector<const ProcessRead*>& all,
                        const std::vector<std::pair<std::string, Position>>& stack_env_keys, Diagnostics& diags) {
  std::map<std::string, std::string> reserved;
  for (const auto& s : services) {
    for (const auto& name : service_address_env(s.process.name)) reserved.emplace(name, s.process.name);
  }
  auto check = [&](const std::vector<std::pair<std::string, Position>>& keys) {
    for (const auto& [key, at] : keys) {
      auto it = reserved.find(key);
      if (it == reserved.end()) continue;
      diags.error(at, "env " + key + ": the launcher sets it to the address of service " + quoted(it->second));
    }
  };
  check(stack_env_keys);
  for (const auto* r : all) check(r->source.env_keys);
}

}  // namespace

std::vector<std::string> service_address_env(const std::string& service) {
  std::string prefix;
  for (char c : service) prefix += (c == '-') ? '_' : static_cast<char>((c >= 'a' && c <= 'z') ? c - 32 : c);
  return {prefix + "_HOST", prefix + "_PORT", prefix + "_ADDR"};
}

void check_stack(const std::vector<ProcessRead>& services, const std::vector<ProcessRead>& nodes,
                 const std::vector<std::pair<std::string, Position>>& stack_env_keys, Diagnostics& diags) {
  std::vector<const ProcessRead*> all;
  for (const auto& s : services) all.push_back(&s);
  for (const auto& n : nodes) all.push_back(&n);
  check_names(services, nodes, diags);
  check_depends_on(all, diags);
  check_cycles(all, diags);
  check_domains(nodes, diags);
  check_reserved_env(services, all, stack_env_keys, diags);
}

}  // namespace quarry
