// What a process's containers may take on a shared server: `pids` and
// `no_new_privileges` of a service or node. Internal to compiler/:
// read_process hands these keys here. The defaults are the ones well-run
// clusters use (docs/manifest.md, "What a container may take").
#pragma once

#include "compiler/diagnostics.h"
#include "compiler/stack.h"
#include "compiler/yaml_walk.h"

namespace quarry {

// The bounds of `pids`: a container needs a few processes to start at all,
// and above this a fork bomb takes a server's whole pid space.
inline constexpr int kMinPids = 16;
inline constexpr int kMaxPids = 32768;

// `pids: 4096`: the most processes and threads the container may run
// (docker's --pids-limit), kMinPids to kMaxPids.
void read_pids(const MapEntry& e, Process& p, Diagnostics& diags);
// `no_new_privileges: false`: let setuid binaries and file capabilities
// grant privileges inside the container (off only for images that need it).
void read_no_new_privileges(const MapEntry& e, Process& p, Diagnostics& diags);

}  // namespace quarry
