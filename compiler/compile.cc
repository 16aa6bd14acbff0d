#include "compiler/compile.h"

#include <algorithm>
#include <set>

#include "compiler/dependency_order.h"

namespace quarry {

namespace {

std::vector<const Process*> in_dependency_order(const std::vector<Process>& processes) {
  std::vector<DependencyNode> graph;
  for (const auto& p : processes) graph.push_back(DependencyNode{p.name, p.depends_on});
  std::vector<const Process*> out;
  for (auto i : dependency_order(graph)) out.push_back(&processes[i]);
  return out;
}

std::set<std::string> names_of(const std::vector<Process>& processes) {
  std::set<std::string> out;
  for (const auto& p : processes) out.insert(p.name);
  return out;
}

Process with_merged_env(const Stack& stack, const Process& p) {
  Process out = p;
  std::map<std::string, std::string> env = stack.global_env;
  for (const auto& [k, v] : stack.env) env[k] = v;
  for (const auto& [k, v] : p.env) env[k] = v;
  out.env = std::move(env);
  return out;
}

std::vector<std::string> global_keys_of(const Stack& stack, const Process& p) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : stack.global_env) {
    if (!stack.env.count(k) && !p.env.count(k)) keys.push_back(k);
  }
  return keys;
}

class Builder {
 public:
  explicit Builder(const Stack& stack) : stack_(stack) {}

  void add(Op op, const std::string& target) {
    Instruction i;
    i.op = op;
    i.stack = stack_.name;
    i.target = target;
    list_.push_back(std::move(i));
  }
  Instruction& last() { return list_.back(); }
  std::vector<Instruction> take() { return std::move(list_); }

 private:
  const Stack& stack_;
  std::vector<Instruction> list_;
};

}  // namespace

InstructionList compile(const Stack& stack, const DeployedState& deployed) {
  const std::set<std::string> services = names_of(stack.services);
  const std::set<std::string> nodes = names_of(stack.nodes);
  const std::set<std::string> was_service(deployed.services.begin(), deployed.services.end());
  const std::set<std::string> was_node(deployed.nodes.begin(), deployed.nodes.end());
  const std::set<std::string> was_routed(deployed.routed_nodes.begin(), deployed.routed_nodes.end());
  Builder out(stack);

  // A name changing kind is replaced, not updated: the old containers go
  // before the new ones take the name.
  std::set<std::string> changed_kind;
  for (const auto& n : was_node) {
    if (services.count(n)) changed_kind.insert(n);
  }
  for (const auto& s : was_service) {
    if (nodes.count(s)) changed_kind.insert(s);
  }
  for (const auto& name : changed_kind) {
    if (was_routed.count(name)) out.add(Op::Route, name);
    out.add(Op::Kill, name);
  }

  for (const Process* s : in_dependency_order(stack.services)) {
    out.add(Op::Ensure, s->name);
    out.last().process = with_merged_env(stack, *s);
    out.last().global_keys = global_keys_of(stack, *s);
    for (const auto& d : s->depends_on) {
      if (services.count(d)) out.last().links.push_back(d);
    }
  }
  std::vector<std::string> all_services;
  for (const auto& s : stack.services) all_services.push_back(s.name);
  for (const Process* n : in_dependency_order(stack.nodes)) {
    out.add(Op::Deploy, n->name);
    out.last().process = with_merged_env(stack, *n);
    out.last().global_keys = global_keys_of(stack, *n);
    out.last().links = all_services;
    out.add(Op::Scale, n->name);
    out.last().scale = n->scale;
    if (!n->domains.empty()) {
      out.add(Op::Route, n->name);
      out.last().domains = n->domains;
    } else if (was_routed.count(n->name) && !changed_kind.count(n->name)) {
      out.add(Op::Route, n->name);
    }
  }

  for (const auto& name : was_routed) {
    if (!nodes.count(name) && !changed_kind.count(name)) out.add(Op::Route, name);
  }
  for (const auto& name : was_node) {
    if (!nodes.count(name) && !changed_kind.count(name)) out.add(Op::Kill, name);
  }
  for (const auto& name : was_service) {
    if (!services.count(name) && !changed_kind.count(name)) out.add(Op::Kill, name);
  }
  return InstructionList{stack.name, stack.manifest_hash, out.take()};
}

}  // namespace quarry
