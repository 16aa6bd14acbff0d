// Keeps a set of hosts locked to each other: what the control loop calls
// each pass, and what `quarry locknet --status` shows.
//
// check() reads both families' chains on every host (in parallel) and
// compares them with the rules the set calls for; repair() re-locks exactly
// the hosts and families that differ (a reboot flushed them, a server joined
// or left, someone edited the chain), leaving the rest untouched.
#pragma once

#include <string>
#include <vector>

#include "locknet/locknet_apply.h"

namespace quarry {

// One host's verdict.
struct LockReport {
  std::string server;
  std::string address;
  bool router = false;
  bool ipv4 = false;    // its IPv4 chains match the set
  bool ipv6 = false;    // its IPv6 chains match the set
  bool docker = false;  // docker's DOCKER-USER chain exists (IPv4), so published ports are covered
  std::string error;    // the host could not be read or written
  bool ok() const { return error.empty() && ipv4 && ipv6; }
};

class LocknetKeeper {
 public:
  // `base` gives ports, chains and extra peers (the HQ): see plan_for().
  LocknetKeeper(Locknet& locknet, LocknetPlan base) : locknet_(locknet), base_(std::move(base)) {}

  // One report per host of `set`, in order.
  std::vector<LockReport> check(const std::vector<LockTarget>& set);

  // Checks, re-locks what drifted, and returns the reports of the hosts it
  // had to repair (empty when all matched). The Error names every host that
  // could not be repaired; the others are repaired all the same.
  Result<std::vector<LockReport>> repair(const std::vector<LockTarget>& set);

 private:
  LockReport check_one(const LockTarget& target, const std::vector<LockTarget>& set);

  Locknet& locknet_;
  LocknetPlan base_;
};

// Reports as JSON: [{"server", "address", "router", "ipv4", "ipv6", "docker", "ok", "error"}].
std::string reports_json(const std::vector<LockReport>& reports);

}  // namespace quarry
