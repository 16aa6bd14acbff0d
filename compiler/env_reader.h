// Reading an `env:` map of quarry.yml (the stack's or a process's).
// Internal to compiler/.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "compiler/diagnostics.h"
#include "compiler/env_interpolation.h"
#include "compiler/yaml_walk.h"

namespace quarry {

struct EnvRead {
  std::map<std::string, std::string> values;             // interpolated
  std::vector<std::pair<std::string, Position>> keys;    // in file order, where written
};

// What is left of kMaxEnvTotalBytes for the manifest being read; shared by
// every env map of one manifest. Once spent, the first reader to overflow
// reports it and later ones read nothing.
struct EnvBudget {
  std::size_t left = kMaxEnvTotalBytes;
  bool spent = false;
};

// Reads `entry` (KEY: {NAME: value, ...}). Names must be is_env_name; values
// must be scalars (numbers and booleans keep their text: `true` is "true").
// Each value is interpolated with ${NAME} looked up first in the entries
// before it in this map, then in `outer`. Every problem is reported; a bad
// entry is left out of the result. Each expanded value is charged to
// `budget`; the entry that overflows it is reported and reading stops.
EnvRead read_env(const MapEntry& entry, const EnvLookup& outer, EnvBudget& budget, Diagnostics& diags);

}  // namespace quarry
