// Listing commands that read the store: ps, servers (list).
#include <algorithm>
#include <ctime>
#include <iostream>

#include "cli/command.h"
#include "cli/table.h"
#include "core/text.h"
#include "launcher/local_run.h"
#include "store/dir_store.h"
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

// "STACK/NODE traffic: release 7 (canary) 30%, release 6 70%" for each
// node whose traffic is split between releases; nothing when one release
// carries it all.
Result<std::string> traffic_lines(Store& store, const std::string& stack, const std::vector<ContainerRecord>& list) {
  std::map<std::string, std::map<int, long>> weight;  // node -> release -> weight
  for (const auto& c : list) {
    if (!c.service && c.weight > 0) weight[c.node][c.release] += c.weight;
  }
  std::map<int, std::string> status;
  if (std::any_of(weight.begin(), weight.end(), [](const auto& w) { return w.second.size() > 1; })) {
    auto releases = load_releases(store, stack);
    if (!releases) return std::unexpected(releases.error());
    for (const auto& r : *releases) status[r.number] = r.status;
  }
  std::string out;
  for (const auto& [node, by_release] : weight) {
    if (by_release.size() < 2) continue;
    long total = 0;
    for (const auto& [release, w] : by_release) total += w;
    std::vector<std::string> parts;
    for (auto it = by_release.rbegin(); it != by_release.rend(); ++it) {
      auto st = status.count(it->first) ? status[it->first] : std::string();
      parts.push_back("release " + std::to_string(it->first) + (st == "canary" ? " (canary)" : "") + " " +
                      std::to_string((it->second * 100 + total / 2) / total) + "%");
    }
    out += stack + "/" + node + " traffic: " + join(parts, ", ") + "\n";
  }
  return out;
}

Status ps(Context& ctx, const std::string& only_stack) {
  auto stacks = list_stacks(ctx.store());
  if (!stacks) return std::unexpected(stacks.error());
  if (!only_stack.empty() && std::find(stacks->begin(), stacks->end(), only_stack) == stacks->end()) {
    return fail("unknown stack '" + only_stack + "' (quarry ps lists every stack)");
  }
  nlohmann::json all = nlohmann::json::array();
  Table table({"STACK", "NODE", "#", "SERVER", "STATE", "UPTIME", "RELEASE", "WEIGHT", "CONTAINER"});
  std::string traffic;
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
    auto lines = traffic_lines(ctx.store(), stack, *containers);
    if (!lines) return std::unexpected(lines.error());
    traffic += *lines;
  }
  if (ctx.options().json) std::cout << all.dump(2) << "\n";
  else if (table.empty()) std::cout << "no containers (deploy a stack with `quarry deploy` or git push)\n";
  else std::cout << table.render() << (traffic.empty() ? "" : "\n" + traffic);
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

namespace {

// ps --local: the stacks `quarry run` started on this machine, from their
// local stores ($QUARRY_HOME/local/STACK).
Status ps_local(Context& ctx, const std::string& only_stack) {
  auto stacks = local_stacks(ctx.home());
  if (!only_stack.empty() && std::find(stacks.begin(), stacks.end(), only_stack) == stacks.end()) {
    return fail("no local stack '" + only_stack + "' (quarry ps --local lists them)");
  }
  nlohmann::json all = nlohmann::json::array();
  Table table({"STACK", "NODE", "#", "STATE", "UPTIME", "RELEASE", "ADDRESS", "CONTAINER"});
  std::vector<std::string> entries;
  for (const auto& stack : stacks) {
    if (!only_stack.empty() && stack != only_stack) continue;
    DirStore store(local_root(ctx.home(), stack));
    auto containers = load_containers(store, stack);
    if (!containers) return std::unexpected(containers.error());
    for (const auto& c : *containers) {
      all.push_back(to_json(c));
      table.add({c.stack, c.node + (c.service ? " (service)" : ""), std::to_string(c.index), c.state,
                 uptime(c.started_at), std::to_string(c.release),
                 c.host_port ? "127.0.0.1:" + std::to_string(c.host_port) : "-", c.name});
    }
    auto state = load_local_state(store);
    if (!containers->empty() && state && *state && (*state)->entry_port > 0) {
      for (const auto& d : (*state)->domains) {
        entries.push_back(stack + ": http://127.0.0.1:" + std::to_string((*state)->entry_port) + " (Host: " + d + ")");
      }
    }
  }
  if (ctx.options().json) std::cout << all.dump(2) << "\n";
  else if (table.empty()) std::cout << "no local containers (start a stack with `quarry run`)\n";
  else std::cout << table.render() << (entries.empty() ? "" : "entry points:\n  " + join(entries, "\n  ") + "\n");
  return {};
}

}  // namespace

void register_state_commands(Registry& r) {
  auto stack = std::make_shared<std::string>();
  auto local = std::make_shared<bool>(false);
  auto* ps_cmd = r.add(r.app(), "ps", "List every container on every server: stack, node, server, state, uptime, release",
                       [stack, local](Context& ctx) { return *local ? ps_local(ctx, *stack) : ps(ctx, *stack); });
  ps_cmd->add_option("stack", *stack, "Only this stack");
  ps_cmd->add_flag("--local", *local, "List the stacks `quarry run` runs on this machine instead");
  r.json_flag(ps_cmd);
}

}  // namespace quarry
