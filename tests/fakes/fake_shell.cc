#include "tests/fakes/fake_shell.h"

namespace quarry {

Result<ProcessResult> FakeShell::run(const Endpoint& host, const Command& cmd) {
  std::string text = shell_join(cmd.argv);
  std::string input = cmd.stdin_data;
  if (cmd.stdin_source) {
    char buf[4096];
    long n;
    while ((n = cmd.stdin_source(buf, sizeof buf)) > 0) input.append(buf, static_cast<std::size_t>(n));
  }
  std::lock_guard lock(mu_);
  ran_.push_back({host.name, text, input});
  for (const auto& r : rules_) {
    if (!r.host.empty() && r.host != host.name) continue;
    if (r.unreachable) return fail_remote(host.name + ": connect to " + host.address + " failed: unreachable");
    if (text.find(r.match) == std::string::npos) continue;
    if (cmd.on_output) {
      if (!r.reply.out.empty()) cmd.on_output(true, r.reply.out);
      if (!r.reply.err.empty()) cmd.on_output(false, r.reply.err);
    }
    return r.reply;
  }
  return ProcessResult{};
}

std::vector<std::string> FakeShell::commands() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& r : ran_) out.push_back(r.command);
  return out;
}

}  // namespace quarry
