#include "compiler/dependency_order.h"

#include <algorithm>
#include <map>
#include <set>

namespace quarry {

namespace {

// deps[i]: indices that node i depends on, unknown names dropped.
std::vector<std::vector<std::size_t>> edges(const std::vector<DependencyNode>& nodes) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < nodes.size(); ++i) index.emplace(nodes[i].name, i);
  std::vector<std::vector<std::size_t>> deps(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    for (const auto& d : nodes[i].depends_on) {
      auto it = index.find(d);
      if (it != index.end()) deps[i].push_back(it->second);
    }
  }
  return deps;
}

}  // namespace

std::vector<std::size_t> dependency_order(const std::vector<DependencyNode>& nodes) {
  auto deps = edges(nodes);
  std::vector<bool> placed(nodes.size(), false);
  std::vector<std::size_t> order;
  // Quadratic, and that is fine: a stack has tens of processes, and a plain
  // scan keeps "earliest ready first" obvious.
  bool progress = true;
  while (progress) {
    progress = false;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      if (placed[i]) continue;
      bool ready = std::all_of(deps[i].begin(), deps[i].end(), [&](std::size_t d) { return placed[d]; });
      if (!ready) continue;
      placed[i] = true;
      order.push_back(i);
      progress = true;
      break;
    }
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (!placed[i]) order.push_back(i);
  }
  return order;
}

std::vector<std::vector<std::string>> dependency_cycles(const std::vector<DependencyNode>& nodes) {
  auto deps = edges(nodes);
  enum Color { White, Gray, Black };
  std::vector<Color> color(nodes.size(), White);
  std::vector<std::size_t> path;
  std::set<std::vector<std::size_t>> seen;
  std::vector<std::vector<std::string>> cycles;

  // Iterative depth-first search: a hostile manifest must not exhaust the stack.
  for (std::size_t root = 0; root < nodes.size(); ++root) {
    if (color[root] != White) continue;
    std::vector<std::pair<std::size_t, std::size_t>> stack{{root, 0}};  // node, next edge
    color[root] = Gray;
    path.push_back(root);
    while (!stack.empty()) {
      auto& [n, next] = stack.back();
      if (next == deps[n].size()) {
        color[n] = Black;
        path.pop_back();
        stack.pop_back();
        continue;
      }
      std::size_t d = deps[n][next++];
      if (color[d] == White) {
        color[d] = Gray;
        path.push_back(d);
        stack.emplace_back(d, 0);
      } else if (color[d] == Gray) {
        std::vector<std::size_t> cycle(std::find(path.begin(), path.end(), d), path.end());
        std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
        if (!seen.insert(cycle).second) continue;
        std::vector<std::string> names;
        for (auto i : cycle) names.push_back(nodes[i].name);
        names.push_back(nodes[cycle.front()].name);
        cycles.push_back(std::move(names));
      }
    }
  }
  return cycles;
}

}  // namespace quarry
