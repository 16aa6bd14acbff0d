// RemoteShell into a network namespace on this machine, as root: for the
// local cloud's servers when a command needs root there (iptables for
// locknet), which their unprivileged SSH user cannot do. Endpoint::name is
// taken as the namespace name unless a mapping is given.
#pragma once

#include <map>

#include "launcher/local_shell.h"

namespace quarry {

class NetnsShell : public RemoteShell {
 public:
  // `namespaces` maps Endpoint::name to a namespace; names not in it are
  // used as they are.
  explicit NetnsShell(std::map<std::string, std::string> namespaces = {}) : namespaces_(std::move(namespaces)) {}
  // Runs `ip netns exec NS ARGV...` through a LocalShell.
  Result<ProcessResult> run(const Endpoint& host, const Command& cmd) override;

 private:
  std::map<std::string, std::string> namespaces_;
  LocalShell local_;
};

}  // namespace quarry
