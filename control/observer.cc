#include "control/observer.h"

#include <charconv>

#include "launcher/container_ops.h"
#include "launcher/docker_commands.h"
#include "launcher/docker_parse.h"
#include "launcher/parallel.h"

namespace quarry {

namespace {
int number_label(const std::map<std::string, std::string>& labels, std::string_view key) {
  auto it = labels.find(std::string(key));
  if (it == labels.end()) return 0;
  int n = 0;
  std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
  return n;
}
}  // namespace

Argv observe_command() {
  Argv argv = docker_ps({});
  // Every container carrying the stack label, whatever its value.
  argv.insert(argv.begin() + 4, {"--filter", "label=" + std::string(kLabelStack)});
  return argv;
}

Result<std::vector<ObservedContainer>> observed_from_ps(const std::string& server, const std::string& output,
                                                        std::int64_t now_ms) {
  auto parsed = parse_docker_ps(output);
  if (!parsed) return std::unexpected(parsed.error().context(server));
  std::vector<ObservedContainer> out;
  for (const auto& c : *parsed) {
    ObservedContainer o;
    o.server = server;
    o.name = c.name;
    auto label = [&](std::string_view k) {
      auto it = c.labels.find(std::string(k));
      return it == c.labels.end() ? std::string() : it->second;
    };
    o.stack = label(kLabelStack);
    o.node = label(kLabelNode);
    o.release = number_label(c.labels, kLabelRelease);
    o.index = number_label(c.labels, kLabelIndex);
    o.state = c.state;
    o.status = c.status;
    o.running = c.running;
    o.last_seen_ms = now_ms;
    if (!o.stack.empty()) out.push_back(std::move(o));
  }
  return out;
}

std::map<std::string, ServerReport> observe_servers(RemoteShell& shell, const std::vector<ServerRecord>& servers,
                                                    std::chrono::milliseconds timeout, std::int64_t now_ms) {
  std::vector<ServerReport> reports(servers.size());
  parallel_for(servers.size(), 32, [&](std::size_t i) {
    Command c;
    c.argv = observe_command();
    c.timeout = timeout;
    auto r = run_ok(shell, endpoint_of(servers[i]), c);
    if (!r) {
      reports[i].error = r.error().message;
      return;
    }
    auto parsed = observed_from_ps(servers[i].id, r->out, now_ms);
    if (!parsed) {
      reports[i].error = parsed.error().message;
      return;
    }
    reports[i].answered = true;
    reports[i].containers = std::move(*parsed);
  });
  std::map<std::string, ServerReport> out;
  for (std::size_t i = 0; i < servers.size(); ++i) out[servers[i].id] = std::move(reports[i]);
  return out;
}

}  // namespace quarry
