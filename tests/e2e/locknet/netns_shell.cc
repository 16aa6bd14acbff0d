#include "tests/e2e/locknet/netns_shell.h"

namespace quarry::testing {

Result<ProcessResult> NetnsShell::run(const Endpoint& host, const Command& cmd) {
  auto ns = namespaces_.find(host.name);
  if (ns == namespaces_.end()) return fail_remote(host.name + ": no such namespace host");
  Command wrapped = cmd;
  wrapped.argv = {"ip", "netns", "exec", ns->second};
  wrapped.argv.insert(wrapped.argv.end(), cmd.argv.begin(), cmd.argv.end());
  return local_.run(host, wrapped);
}

}  // namespace quarry::testing
