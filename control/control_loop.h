// The reconcile loop behind `quarry hq serve`. Each pass:
//   observe  every server with one query (observer.h); update its health
//   compare  each stack: read its state once (stack_state.h), plan (planner.h);
//            a steady stack's last, empty plan is reused (steady_stacks.h)
//   act      carry the plan out (executor.h), under the stack's deploy lock:
//            a stack a deploy holds is skipped this pass (the deploy repairs
//            it itself), and a deploy waits for the loop at most one stack's
//            repair
//   refresh  when node replicas dial a service's old address (it moved),
//            once the stack's lock is let go: ControlEnv::redeploy, the
//            deploy path, with the restart backoff between failed tries
//   record   servers' health, each stack's observation and restart book,
//            and the events (events.h)
// then the grid's housekeeping (empty autosized servers given back) and
// every PassHook. One pass never throws work away on an error: it records
// the error as an event and goes on with the next stack.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "control/control_env.h"
#include "control/events.h"
#include "control/planner.h"
#include "control/stack_state.h"
#include "control/steady_stacks.h"
#include "launcher/container_ops.h"

namespace quarry {

struct LoopSettings {
  std::int64_t interval_ms = 500;           // from the start of one pass to the next
  std::int64_t observe_timeout_ms = 1000;   // per server query
  HealthSettings health;
  PlannerSettings planner;
  bool act = true;                          // false: observe and plan only
};

// Reads etc/control.json ({"interval_ms", "observe_timeout_ms",
// "down_after_ms", "backoff_base_ms", "backoff_max_ms", "crashloop_after"});
// absent: the defaults above.
Result<LoopSettings> load_loop_settings(Store& store);

struct PassReport {
  int servers_up = 0, servers_suspect = 0, servers_down = 0;
  int actions = 0;          // carried out (holds excluded)
  int skipped_stacks = 0;   // a deploy held their lock
  int steady_stacks = 0;    // their last plan, empty, reused: nothing changed (steady_stacks.h)
  std::vector<Event> events;
  std::vector<std::string> errors;
  std::map<std::string, ControlPlan> plans;  // by stack
  // Where the pass's time went, in order: "observe", "health", each acting
  // stack's phases ("STACK:forget", ":start", ":route", ...), "hooks".
  std::vector<std::pair<std::string, std::int64_t>> timings_ms;
};

class ControlLoop {
 public:
  ControlLoop(ControlEnv env, LoopSettings settings, LaunchOptions options = {})
      : env_(std::move(env)), settings_(settings), options_(std::move(options)) {}

  Result<PassReport> pass();
  // Passes until `stop` is set; `sleep` waits between them (injected so a
  // test drives the loop with a manual clock). `on_pass` sees each report.
  Status serve(const std::atomic<bool>& stop, const std::function<void(std::int64_t ms)>& sleep,
               const std::function<void(const PassReport&)>& on_pass = {});

 private:
  // `mine`: the stack's containers as the pass grouped them; `held`: the
  // stack's observation did not change this pass.
  Status reconcile_stack(const std::string& stack, const PassSnapshot& snapshot, const ObservedRefs& mine, bool held,
                         PassReport& report);
  // Replicas this pass started passed their health check: observed running.
  Status note_started(const std::string& stack, const std::vector<ContainerRecord>& started);
  // True when the stack's observation held (nothing to write).
  Result<bool> save_observation_of(const std::string& stack, const PassSnapshot& snapshot, const ObservedRefs& mine);

  ControlEnv env_;
  LoopSettings settings_;
  LaunchOptions options_;
  // Kept between passes: what the store holds, parsed once while unchanged.
  ObservationBook observations_;
  HealthBook health_;
  BooksCache books_;
  DesiredCache desired_;
  SteadyStacks steady_;
};

}  // namespace quarry
