// The control plane's pure planner (nomad's reconciler): from a stack's
// state (stack_state.h) to what must be done, with no I/O. A deploy's
// repair step, a pass of `quarry hq serve` and `quarry plan` all call it.
//
// Rules, per replica the live release(s) want:
//   no container in the books                 -> start
//   its server is down                        -> node: move (the record is
//                                                dropped, its traffic stops at
//                                                once, a replica starts on an up
//                                                server); service: report, not
//                                                moved (it may hold a volume),
//                                                unless the manifest says
//                                                `reschedule: true` (a
//                                                stateless service)
//   its server is suspect                     -> wait (one failed pass is not
//                                                enough to move anything)
//   up, docker restarting it (it died)        -> hold: docker's restart policy
//                                                backs it off; its deaths are
//                                                counted for crashloop
//   up, container exited                      -> restart it in place (docker start)
//   up, container gone                        -> replace it (same index, same
//                                                release, the grid chooses)
//   a restart not yet allowed by the backoff  -> hold; after `crashloop_after`
//                                                restarts in a row: crashloop
// Containers in the books that no live release wants are removed (their
// server up) or forgotten (down: removed as stale when it comes back).
// Containers with the stack's labels on an up server that the books do not
// know (drift, or what a down server ran before it came back) are removed.
// A stack with no live release is left alone but for drift.
// Node replicas given an address their service no longer has (it moved) are
// refreshed: the release is redeployed through the zero-downtime path
// (link_refresh.h).
// Grid slices of the stack that no record holds (a start killed between
// placing and recording, e.g. the HQ itself killed) are freed first, so the
// replica they were placed for can be placed again.
#pragma once

#include <string>
#include <vector>

#include "control/stack_state.h"

namespace quarry {

enum class ActionKind {
  Start,    // a desired replica with no container
  Restart,  // docker start of an exited container in place
  Replace,  // the container is gone from an up server: start it again
  Move,     // its server is down: drop the record, start elsewhere
  Remove,   // stop and remove a container on an up server (and its record)
  Forget,   // drop a record whose server is down (no docker call)
  Hold,     // nothing now: backoff, suspect server, service on a down server
  Refresh,  // a node replica dials a service's old address: redeploy the release
  Free,     // give back a grid slice no record holds (`container` is its id)
};
std::string action_name(ActionKind k);

struct ControlAction {
  ActionKind kind = ActionKind::Start;
  std::string process;      // service or node; empty for drift
  bool service = false;
  int index = 0;
  int release = 0;
  std::string server;       // where it is (or was)
  std::string container;    // docker name, when one exists
  std::string reason;       // one line for people and for events
  bool crashloop = false;   // Hold: the replica is backed off in a crashloop
  bool died = false;        // Hold: it died and docker's restart policy restarts it
};

struct PlannerSettings {
  std::int64_t backoff_base_ms = 1000;      // first delay before a restart is retried
  std::int64_t backoff_max_ms = 5 * 60 * 1000;
  int crashloop_after = 3;                  // restarts in a row
  std::int64_t stable_after_ms = 30000;     // a run this long resets the count
};

struct ControlPlan {
  std::string stack;
  std::vector<ControlAction> actions;
  std::vector<std::string> stable;  // replica keys whose backoff can be cleared
  bool empty() const;
  int count(ActionKind k) const;
  // Servers no replica may be placed on now (not up).
  std::vector<std::string> avoid;
};

ControlPlan plan_stack(const StackState& state, const PlannerSettings& settings = {});

// The first time after state.now_ms at which plan_stack may decide
// otherwise for the same state (INT64_MAX: never): its only reads of the
// time are thresholds of the restart book's entries, a replica's backoff
// ending (next_ms), its run becoming stable (last_ms + stable_after_ms) and
// a refresh's backoff clearing (last_ms + backoff_base_ms, link_refresh.h).
// Each is crossed once, so a plan made at now_ms holds until then (the
// words of a hold's reason aside: "next in 3s"). A new read of the time in
// the planner must be added here.
std::int64_t plan_valid_until(const StackState& state, const PlannerSettings& settings);

// The delay before restart number `n` (1-based): base * 2^(n-1), capped.
std::int64_t backoff_delay_ms(int n, const PlannerSettings& settings);
// "web#2": the key of a replica in the restart book.
std::string replica_key(const std::string& process, int index);

std::string render_control_plan(const ControlPlan& plan);
nlohmann::json control_plan_json(const ControlPlan& plan);

}  // namespace quarry
