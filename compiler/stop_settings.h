// How a process's containers run and stop: `init`, `stop_signal` and
// `stop_timeout` of a service or node. Internal to compiler/: read_process
// hands these keys here.
#pragma once

#include <string>
#include <string_view>

#include "compiler/diagnostics.h"
#include "compiler/stack.h"
#include "compiler/yaml_walk.h"

namespace quarry {

// The longest stop_timeout accepted, in seconds.
inline constexpr int kMaxStopTimeoutS = 600;

// "SIGINT" for "SIGINT", "INT", "sigint" or "2"; empty when `text` names no
// signal a container can be stopped with (1-31; SIGKILL and SIGSTOP
// included, as docker allows them).
std::string normalize_signal(std::string_view text);

// `stop_signal: SIGINT`: the signal `docker stop` sends first.
void read_stop_signal(const MapEntry& e, Process& p, Diagnostics& diags);
// `stop_timeout: 30s`: the time between the stop signal and SIGKILL, whole
// seconds from 0 to kMaxStopTimeoutS.
void read_stop_timeout(const MapEntry& e, Process& p, Diagnostics& diags);
// `init: false`: run the image's entrypoint as PID 1 instead of docker's
// init (which forwards signals and reaps zombies).
void read_init(const MapEntry& e, Process& p, Diagnostics& diags);

}  // namespace quarry
