#include "launcher/netns_shell.h"

namespace quarry {

Result<ProcessResult> NetnsShell::run(const Endpoint& host, const Command& cmd) {
  auto it = namespaces_.find(host.name);
  Command inside = cmd;
  inside.argv = {"ip", "netns", "exec", it == namespaces_.end() ? host.name : it->second};
  inside.argv.insert(inside.argv.end(), cmd.argv.begin(), cmd.argv.end());
  return local_.run(host, inside);
}

}  // namespace quarry
