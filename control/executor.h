// Carries a ControlPlan out through the launcher's executors (the same
// steps a deploy takes), in three phases:
//   1. free grid slices no record holds; forget what lost servers ran (move,
//      forget) and re-route at once, so the router stops sending to a down
//      server before anything starts;
//   2. remove what no release wants (records and drift) and restart exited
//      containers in place;
//   3. start what is missing (start, replace, move), in parallel, each
//      health-gated and unrouted until then, then route them.
// The router update of phase 1 runs alongside phases 2 and 3, so a lost
// server leaves the router while its replicas' replacements start.
// The stack's books are written once after phase 1 (before the router
// reads them) and once at the end, not once per action (StackRecords,
// RecordWrites::Batched).
// Nodes that dial a moved service are refreshed by the loop through the
// deploy path (link_refresh.h), not here.
// Returns the events to journal and the updated restart book; an action
// that fails is reported (event and error) and the rest go on.
#pragma once

#include <string>
#include <vector>

#include "control/control_env.h"
#include "control/events.h"
#include "control/planner.h"
#include "launcher/container_ops.h"

namespace quarry {

struct ExecOutcome {
  std::vector<Event> events;
  std::vector<std::string> errors;
  RestartBook restarts;
  int started = 0;
  // The replicas started, as recorded: each passed its health gate, so the
  // loop counts them observed running from this pass on.
  std::vector<ContainerRecord> started_records;
  // Each phase that ran and its time: free, forget, unroute, fix, start, route.
  std::vector<std::pair<std::string, std::int64_t>> timings_ms;
};

class PlanExecutor {
 public:
  PlanExecutor(const ControlEnv& env, LaunchOptions options, PlannerSettings settings)
      : env_(env), options_(std::move(options)), settings_(settings) {}

  ExecOutcome apply(const StackState& state, const ControlPlan& plan);

 private:
  const ControlEnv& env_;
  LaunchOptions options_;
  PlannerSettings settings_;
};

}  // namespace quarry
