// Launch instructions: what the compiler emits and the launcher executes.
// They are plain data with a canonical JSON form (instruction_json.h): the
// same Stack always gives the same bytes.
#pragma once

#include <string>
#include <vector>

#include "compiler/stack.h"

namespace quarry {

enum class Op { Ensure, Deploy, Scale, Route, Kill };

struct Instruction {
  Op op = Op::Ensure;
  std::string stack;
  std::string target;              // the service or node name
  // ENSURE and DEPLOY: the whole process spec, env fully merged (global env,
  // stack env, process env). `links` names the services whose address the
  // launcher injects as NAME_HOST, NAME_PORT, NAME_ADDR.
  Process process;
  std::vector<std::string> links;
  // ENSURE and DEPLOY: the keys of process.env whose value is the global
  // env's (etc/env; neither the stack's nor the process's env sets them).
  // The launcher takes those from the global env as it is when a container
  // starts, so `quarry env --global` changes reach a redeploy of the same
  // release. Sorted.
  std::vector<std::string> global_keys;
  int scale = 0;                   // SCALE: desired replica count
  std::vector<std::string> domains;  // ROUTE: domains of the node (empty: unroute)

  bool operator==(const Instruction&) const = default;
};

struct InstructionList {
  std::string stack;
  std::string manifest_hash;
  std::vector<Instruction> instructions;

  bool operator==(const InstructionList&) const = default;
};

}  // namespace quarry
