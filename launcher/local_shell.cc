#include "launcher/local_shell.h"

namespace quarry {

Result<ProcessResult> LocalShell::run(const Endpoint& host, const Command& cmd) {
  ProcessOptions o;
  o.stdin_data = cmd.stdin_data;
  if (cmd.stdin_source) {
    // Local commands stream little; gather the source whole.
    char buf[65536];
    long n;
    while ((n = cmd.stdin_source(buf, sizeof buf)) > 0) o.stdin_data.append(buf, static_cast<std::size_t>(n));
    if (n < 0) return fail_remote(host.name + ": reading the input of " + shell_join(cmd.argv) + " failed");
  }
  o.timeout = cmd.timeout;
  o.env = env_;
  o.on_output = cmd.on_output;
  auto r = run_process(cmd.argv, o);
  if (!r) return std::unexpected(r.error().context(host.name.empty() ? "local" : host.name));
  return r;
}

}  // namespace quarry
