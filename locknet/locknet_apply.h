// Applying locknet to hosts through the RemoteShell seam.
//
// lock(): reads the filter table (`iptables -S`), then one
// `iptables-restore --noflush` transaction rewrites quarry's chain and, when
// INPUT holds no jump to it yet, inserts one at the top; surplus jumps (from
// an interrupted run) are deleted, so exactly one remains. Other chains and
// rules are never touched. Re-locking with a new peer set swaps the chain's
// content atomically: there is no moment with the chain empty.
// unlock(): deletes every INPUT jump to the chain and the chain itself, in
// one transaction; succeeds on a host that was never locked.
// Thread-safe as far as the RemoteShell is: hosts may be locked in parallel.
#pragma once

#include <string>
#include <vector>

#include "launcher/remote_shell.h"
#include "locknet/iptables_render.h"

namespace quarry {

// What `iptables -S` says about quarry's chain.
struct LocknetState {
  bool chain_exists = false;
  int jumps = 0;  // INPUT rules "-A INPUT -j CHAIN"
};

// Parses `iptables -S` output (the filter table) for `chain`.
LocknetState parse_locknet_state(const std::string& iptables_s, const std::string& chain);

class Locknet {
 public:
  struct Options {
    std::string iptables = "iptables";
    std::string iptables_restore = "iptables-restore";
  };

  explicit Locknet(RemoteShell& shell) : Locknet(shell, Options{}) {}
  Locknet(RemoteShell& shell, Options options) : shell_(&shell), options_(std::move(options)) {}

  Status lock(const Endpoint& host, const LocknetPlan& plan);
  Status unlock(const Endpoint& host, const std::string& chain = LocknetPlan{}.chain);
  Result<LocknetState> state(const Endpoint& host, const std::string& chain = LocknetPlan{}.chain);

 private:
  Status restore(const Endpoint& host, const std::string& rules);

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

// `quarry locknet HOST...`: locks every target with all the targets'
// addresses as peers (its own included: harmless, and it keeps the rules
// identical across the set). `base` supplies ports, ping and chain; its
// peers are added to the set's. Runs the hosts in parallel; the Error names
// every host that failed, the others stay locked.
Status lock_hosts(Locknet& locknet, const std::vector<LockTarget>& targets, const LocknetPlan& base = {});

// Unlocks every target in parallel; the Error names every host that failed.
Status unlock_hosts(Locknet& locknet, const std::vector<LockTarget>& targets,
                    const std::string& chain = LocknetPlan{}.chain);

}  // namespace quarry
