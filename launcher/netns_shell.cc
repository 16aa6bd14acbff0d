#include "launcher/netns_shell.h"

namespace quarry {

Result<ProcessResult> NetnsShell::run(const Endpoint& host, const Command& cmd) {
  auto it = namespaces_.find(host.name);
  const std::string& ns = it == namespaces_.end() ? host.name : it->second;
  ProcessOptions o;
  o.stdin_data = cmd.stdin_data;
  if (cmd.stdin_source) {
    char buf[65536];
    long n;
    while ((n = cmd.stdin_source(buf, sizeof buf)) > 0) o.stdin_data.append(buf, static_cast<std::size_t>(n));
  }
  o.timeout = cmd.timeout;
  o.on_output = cmd.on_output;
  Argv argv{"ip", "netns", "exec", ns};
  argv.insert(argv.end(), cmd.argv.begin(), cmd.argv.end());
  auto r = run_process(argv, o);
  if (!r) return std::unexpected(r.error().context(host.name));
  return r;
}

}  // namespace quarry
