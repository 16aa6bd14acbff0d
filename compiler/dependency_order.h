// Ordering processes by depends_on. Pure; shared by validation (cycles) and
// the compiler (instruction order).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace quarry {

struct DependencyNode {
  std::string name;
  std::vector<std::string> depends_on;  // names not in the list are ignored
};

// Indices of `nodes` such that each comes after everything it depends on;
// among the ready ones the earliest in `nodes` goes first, so the order is
// deterministic and follows the manifest where dependencies allow. Members
// of a cycle (which validation rejects) are appended in input order.
std::vector<std::size_t> dependency_order(const std::vector<DependencyNode>& nodes);

// The dependency cycles, each as a path of names that starts and ends with
// its earliest member in `nodes` ({"web", "api", "web"}); at least one cycle
// is found in every group of processes that depend on each other in a
// circle. Each cycle is reported once.
std::vector<std::vector<std::string>> dependency_cycles(const std::vector<DependencyNode>& nodes);

}  // namespace quarry
