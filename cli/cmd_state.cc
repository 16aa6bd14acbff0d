// Listing commands that read the store: ps, servers (list).
#include <ctime>
#include <iostream>

#include "cli/command.h"
#include "cli/table.h"
#include "core/text.h"
#include "store/records.h"

namespace quarry {

namespace {

std::string uptime(std::int64_t started_at) {
  if (started_at <= 0) return "-";
  auto secs = static_cast<std::int64_t>(std::time(nullptr)) - started_at;
  if (secs < 0) secs = 0;
  if (secs < 60) return std::to_string(secs) + "s";
  if (secs < 3600) return std::to_string(secs / 60) + "m";
  if (secs < 86400) return std::to_string(secs / 3600) + "h";
  return std::to_string(secs / 86400) + "d";
}

Status ps(Context& ctx, const std::string& only_stack) {
  auto stacks = list_stacks(ctx.store());
  if (!stacks) return std::unexpected(stacks.error());
  if (!only_stack.empty() && std::find(stacks->begin(), stacks->end(), only_stack) == stacks->end()) {
    return fail("unknown stack '" + only_stack + "' (quarry ps lists every stack)");
  }
  nlohmann::json all = nlohmann::json::array();
  Table table({"STACK", "NODE", "#", "SERVER", "STATE", "UPTIME", "RELEASE", "WEIGHT", "CONTAINER"});
  for (const auto& stack : *stacks) {
    if (!only_stack.empty() && stack != only_stack) continue;
    auto containers = load_containers(ctx.store(), stack);
    if (!containers) return std::unexpected(containers.error());
    for (const auto& c : *containers) {
      all.push_back(to_json(c));
      table.add({c.stack, c.node + (c.service ? " (service)" : ""), std::to_string(c.index), c.server, c.state,
                 uptime(c.started_at), c.release ? std::to_string(c.release) : "-",
                 c.service ? "-" : std::to_string(c.weight), c.name});
    }
  }
  if (ctx.options().json) std::cout << all.dump(2) << "\n";
  else if (table.empty()) std::cout << "no containers (deploy a stack with `quarry deploy` or git push)\n";
  else std::cout << table.render();
  return {};
}

std::string format_cpu(double cpu) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2g", cpu);
  return buf;
}

}  // namespace

Status list_servers(Context& ctx) {
  auto servers = load_servers(ctx.store());
  if (!servers) return std::unexpected(servers.error());
  if (ctx.options().json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& s : *servers) arr.push_back(to_json(s));
    std::cout << arr.dump(2) << "\n";
    return {};
  }
  if (servers->empty()) {
    std::cout << "no servers (add one with `quarry servers add --cloud local`)\n";
    return {};
  }
  Table table({"ID", "NAME", "PROVIDER", "ADDRESS", "MEMORY", "CPU", "TAGS"});
  for (const auto& s : *servers) {
    table.add({s.id, s.name, s.provider, s.ip + ":" + std::to_string(s.ssh_port), std::to_string(s.memory_mb) + "M",
               format_cpu(s.cpu), join(s.tags, ",")});
  }
  std::cout << table.render();
  return {};
}

void register_state_commands(Registry& r) {
  auto stack = std::make_shared<std::string>();
  auto* ps_cmd = r.add(r.app(), "ps", "List every container on every server: stack, node, server, state, uptime, release",
                       [stack](Context& ctx) { return ps(ctx, *stack); });
  ps_cmd->add_option("stack", *stack, "Only this stack");
  r.json_flag(ps_cmd);
}

}  // namespace quarry
