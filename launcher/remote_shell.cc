#include "launcher/remote_shell.h"

#include "core/text.h"

namespace quarry {

Result<ProcessResult> run_ok(RemoteShell& shell, const Endpoint& host, const Command& cmd) {
  auto r = shell.run(host, cmd);
  if (!r) return r;
  if (r->ok()) return r;
  auto detail = trim(r->err.empty() ? r->out : r->err);
  auto lines = split_lines(detail);
  if (lines.size() > 5) lines.erase(lines.begin(), lines.end() - 5);
  std::string msg = host.name + ": " + shell_join(cmd.argv) +
                    (r->timed_out ? ": timed out" : ": exit " + std::to_string(r->exit_code));
  if (!lines.empty()) msg += ": " + join(lines, "\n");
  return fail_remote(msg);
}

}  // namespace quarry
