// A validated Stack to launch instructions. Pure and deterministic: the same
// Stack and DeployedState always give the same InstructionList.
#pragma once

#include <string>
#include <vector>

#include "compiler/instruction.h"
#include "compiler/stack.h"

namespace quarry {

// What runs now for the stack being compiled (from the store). Order does
// not matter; names are service and node names of this stack.
struct DeployedState {
  std::vector<std::string> services;      // services with running containers
  std::vector<std::string> nodes;         // nodes with running containers
  std::vector<std::string> routed_nodes;  // nodes the router sends domains to
};

// Precondition: `stack` came from parse_manifest (or stack_from_json of its
// output), so names are unique and depends_on is acyclic.
//
// The instructions, in this order:
//   1. for a name that runs as a service but is now a node, or the other
//      way round: ROUTE with no domains if it was routed, then KILL;
//   2. ENSURE for each service, in dependency order (ties: manifest order);
//   3. for each node in dependency order (ties: manifest order): DEPLOY,
//      SCALE, then ROUTE when it has domains, or ROUTE with no domains when
//      it was routed and has none now;
//   4. for a routed node the manifest no longer has: ROUTE with no domains;
//   5. KILL for each node, then each service, that runs but the manifest no
//      longer has (each group sorted by name).
// ENSURE and DEPLOY carry the process with its env merged (global < stack <
// process). DEPLOY's links name every service of the stack; ENSURE's name
// the services that service depends on. SCALE carries the node's scale.
InstructionList compile(const Stack& stack, const DeployedState& deployed = {});

}  // namespace quarry
