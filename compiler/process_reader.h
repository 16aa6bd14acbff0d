// Reading one entry of `services:` or `nodes:` into a Process. Internal to
// compiler/: manifest_parser calls it for each entry, then stack_checks
// looks across processes using the places recorded in ProcessSource.
#pragma once

#include <vector>

#include "compiler/diagnostics.h"
#include "compiler/env_interpolation.h"
#include "compiler/env_reader.h"
#include "compiler/stack.h"
#include "compiler/yaml_walk.h"

namespace quarry {

// Where the parts of a process that other checks refer to were written.
struct ProcessSource {
  Position name_at;
  std::vector<Position> depends_on_at;  // parallel to Process::depends_on
  std::vector<Position> domains_at;     // parallel to Process::domains
  std::vector<std::pair<std::string, Position>> env_keys;
};

struct ProcessRead {
  Process process;
  ProcessSource source;
};

// The keys a service or a node accepts, sorted.
const std::vector<std::string>& process_keys(bool is_service);

// Reads `entry` (NAME: {settings}). Reports every mistake local to this
// process into `diags` and still returns what could be read; the result is
// only meaningful when no diagnostic was added. `outer` resolves ${NAME} in
// the process env after its own earlier entries (the stack env, then the
// global env). Applies the defaults: scale 1, memory 256 MB, and a TCP
// health check for a node with a port and no health. The process env is
// charged to `budget`.
ProcessRead read_process(const MapEntry& entry, bool is_service, const EnvLookup& outer, EnvBudget& budget,
                         Diagnostics& diags);

}  // namespace quarry

namespace quarry {

// "WHAT 'Name' is not a valid name (...)" with a suggestion when a lowercase
// form of it is valid. For stack, service and node names.
std::string bad_name_message(std::string_view what, std::string_view name);

}  // namespace quarry
