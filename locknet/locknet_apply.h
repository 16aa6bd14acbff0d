// Applying locknet to hosts through the RemoteShell seam.
//
// lock(): reads the filter table of the plan's family (`iptables -S` or
// `ip6tables -S`), then one `iptables-restore --noflush` (ip6tables-restore)
// transaction rewrites quarry's chains and, where a jump to them is missing,
// inserts one at the top of INPUT and of docker's DOCKER-USER; surplus
// jumps (from an interrupted run) are deleted, so exactly one remains. Other
// chains and rules are never touched. Re-locking with a new peer set swaps
// the chains' content atomically: there is no moment with a chain empty.
// unlock(): deletes the jumps and quarry's chains, in one transaction;
// succeeds on a host that was never locked.
// Thread-safe as far as the RemoteShell is: hosts may be locked in parallel.
#pragma once

#include <string>
#include <vector>

#include "launcher/remote_shell.h"
#include "locknet/iptables_render.h"

namespace quarry {

class Locknet {
 public:
  struct Options {
    std::string iptables = "iptables";
    std::string iptables_restore = "iptables-restore";
    std::string ip6tables = "ip6tables";
    std::string ip6tables_restore = "ip6tables-restore";
  };

  explicit Locknet(RemoteShell& shell) : Locknet(shell, Options{}) {}
  Locknet(RemoteShell& shell, Options options) : shell_(&shell), options_(std::move(options)) {}

  Status lock(const Endpoint& host, const LocknetPlan& plan);
  Status unlock(const Endpoint& host, const LocknetPlan& plan = {});
  // The host's chains for the plan's family and chain names.
  Result<LocknetState> state(const Endpoint& host, const LocknetPlan& plan = {});

 private:
  Status restore(const Endpoint& host, IpFamily family, const std::string& rules);

  RemoteShell* shell_;
  Options options_;
};

// One host of a locked set: how to reach it, the address its peers see, and
// whether it is the router.
struct LockTarget {
  Endpoint endpoint;
  std::string address;
  bool router = false;
};

// The plan of one target within a set: every target's address is a peer
// (its own included: harmless, and it keeps the rules identical across the
// set), plus base.peers; base supplies ports, ping, chains and family.
LocknetPlan plan_for(const LockTarget& target, const std::vector<LockTarget>& set, const LocknetPlan& base);

// `quarry locknet HOST...`: locks every target with the whole set as peers,
// in both families. Runs the hosts in parallel; the Error names every host
// that failed, the others stay locked.
Status lock_hosts(Locknet& locknet, const std::vector<LockTarget>& targets, const LocknetPlan& base = {});

// Unlocks every target (both families) in parallel; the Error names every
// host that failed.
Status unlock_hosts(Locknet& locknet, const std::vector<LockTarget>& targets, const LocknetPlan& base = {});

}  // namespace quarry
