// The planner's refresh step (pure): a node replica's NAME_HOST/NAME_PORT
// are fixed when it starts, so when a service it links to moves (the control
// loop started it on another server, or a deploy did), the replica dials an
// address nothing serves any more. This step compares what each replica of
// the live release was given (ContainerRecord::links) with where each
// service runs now, and names the stale replicas: their nodes are the
// dependents the loop redeploys through the zero-downtime path.
//
// Rules:
//   - only the newest live release is looked at, and not while a canary is
//     live (the canary's end redeploys or drops it; a refresh waits);
//   - a service's address is its newest record on an up server (its
//     server's address and published port); a service with no such record
//     (not started yet, on a suspect or down server) refreshes nothing;
//   - replicas on servers that are not up, and records without links
//     (written before quarry kept them) are left alone;
//   - after a refresh was tried, the next one waits out the restart backoff
//     (key kRefreshKey in the restart book), so a failing redeploy is not
//     repeated every pass.
#pragma once

#include <string>
#include <vector>

#include "control/planner.h"
#include "control/stack_state.h"

namespace quarry {

// The restart book's key for the stack's refresh backoff.
inline constexpr const char* kRefreshKey = "refresh";

// One replica given an address its service no longer has.
struct StaleLink {
  std::string node;
  int index = 0;
  std::string server;   // where the replica runs
  std::string service;
  std::string given;    // HOST:PORT it was given
  std::string current;  // HOST:PORT the service has now
};

// The stale replicas of `state`, by node then index then service.
std::vector<StaleLink> stale_links(const StackState& state);

// The address a node dials for `service` now ("" when there is none).
std::string service_address(const StackState& state, const std::string& service);

// Adds the refresh step's actions to `plan`: one Refresh per stale replica,
// or Holds with why (canary, backoff), or the backoff key to `stable` once
// nothing is stale.
void plan_refresh(const StackState& state, const PlannerSettings& settings, ControlPlan& plan);

// "web" from the plan's Refresh actions, sorted and once each.
std::vector<std::string> refresh_nodes(const ControlPlan& plan);

}  // namespace quarry
