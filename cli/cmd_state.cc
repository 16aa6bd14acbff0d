// Listing commands that read the store: ps, servers (list). Both show what
// the control loop (quarry hq serve) last observed, with its age, beside
// what quarry started: never a record of intent presented as fact.
#include <algorithm>
#include <ctime>
#include <iostream>

#include "cli/command.h"
#include "cli/table.h"
#include "control/observed.h"
#include "grid/clock.h"
#include "control/stack_state.h"
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

std::int64_t now_ms() { return SystemClock().now_ms(); }

std::string age(std::int64_t at_ms) {
  if (at_ms <= 0) return "never";
  auto secs = (now_ms() - at_ms) / 1000;
  return uptime(static_cast<std::int64_t>(std::time(nullptr)) - std::max<std::int64_t>(secs, 0)) + " ago";
}

// What the servers last said of one record: the observed state, or why
// nothing is known ("missing" when its server answered without it).
struct Seen {
  std::string state;
  std::int64_t at_ms = 0;
};

Seen seen_state(const ContainerRecord& c, const StackObservation& obs, const std::map<std::string, ServerHealth>& health) {
  auto h = health.find(c.server);
  for (const auto& o : obs.containers) {
    if (o.server == c.server && o.name == c.name) {
      std::string state = o.state;
      if (h != health.end() && h->second.state != Health::Up) state += " (server " + health_name(h->second.state) + ")";
      // The loop rewrites an observation only when it changed: a container
      // in it was seen whenever its server answered since (observed.h).
      return {state, std::max(o.last_seen_ms, h != health.end() ? h->second.last_contact_ms : std::int64_t{0})};
    }
  }
  if (obs.at_ms == 0) return {"unobserved", 0};  // no pass has run yet
  if (h != health.end() && h->second.state != Health::Up) return {"unknown (server " + health_name(h->second.state) + ")", 0};
  return {"missing", obs.at_ms};
}

// Replicas the live release wants that have no container, as "node#index".
std::vector<std::pair<std::string, int>> missing_replicas(Store& store, const std::string& stack,
                                                          const std::vector<ContainerRecord>& books) {
  std::vector<std::pair<std::string, int>> out;
  auto releases = load_releases(store, stack);
  if (!releases) return out;
  auto desired = desired_releases(*releases);
  if (!desired || desired->empty()) return out;
  for (const auto& d : *desired) {
    for (const auto& [node, scale] : d.scale) {
      for (int i = 1; i <= scale; ++i) {
        bool have = std::any_of(books.begin(), books.end(),
                                [&](const auto& r) { return r.node == node && r.index == i && r.release == d.number; });
        if (!have) out.emplace_back(node + " (release " + std::to_string(d.number) + ")", i);
      }
    }
  }
  return out;
}

Status ps(Context& ctx, const std::string& only_stack) {
  auto stacks = list_stacks(ctx.store());
  if (!stacks) return std::unexpected(stacks.error());
  if (!only_stack.empty() && std::find(stacks->begin(), stacks->end(), only_stack) == stacks->end()) {
    return fail("unknown stack '" + only_stack + "' (quarry ps lists every stack)");
  }
  auto servers = load_servers(ctx.store());
  if (!servers) return std::unexpected(servers.error());
  auto health = load_all_health(ctx.store(), *servers);
  if (!health) return std::unexpected(health.error());
  nlohmann::json all = nlohmann::json::array();
  Table table({"STACK", "NODE", "#", "SERVER", "STATE", "SEEN", "UPTIME", "RELEASE", "WEIGHT", "CONTAINER"});
  std::string traffic;
  for (const auto& stack : *stacks) {
    if (!only_stack.empty() && stack != only_stack) continue;
    auto containers = load_containers(ctx.store(), stack);
    if (!containers) return std::unexpected(containers.error());
    auto obs = load_observation(ctx.store(), stack);
    if (!obs) return std::unexpected(obs.error());
    auto restarts = load_restarts(ctx.store(), stack).value_or(RestartBook{});
    for (const auto& c : *containers) {
      auto seen = seen_state(c, *obs, *health);
      auto rs = restarts.find(c.node + "#" + std::to_string(c.index));
      bool crashloop = rs != restarts.end() && rs->second.crashloop;
      if (crashloop) seen.state = "crashloop";
      auto j = to_json(c);
      j["observed"] = {{"state", seen.state}, {"seen_ms", seen.at_ms}};
      if (crashloop) j["observed"]["last_logs"] = rs->second.last_logs;
      j["desired"] = true;
      all.push_back(j);
      table.add({c.stack, c.node + (c.service ? " (service)" : ""), std::to_string(c.index), c.server, seen.state,
                 seen.at_ms ? age(seen.at_ms) : "-", uptime(c.started_at), c.release ? std::to_string(c.release) : "-",
                 c.service ? "-" : std::to_string(c.weight), c.name});
    }
    for (const auto& [node, index] : missing_replicas(ctx.store(), stack, *containers)) {
      all.push_back({{"stack", stack}, {"node", node.substr(0, node.find(' '))}, {"index", index},
                     {"observed", {{"state", "missing"}}}, {"desired", true}});
      table.add({stack, node, std::to_string(index), "-", "MISSING", "-", "-", "-", "-", "(desired, not running)"});
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
  auto health = load_all_health(ctx.store(), *servers);
  if (!health) return std::unexpected(health.error());
  if (ctx.options().json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& s : *servers) {
      auto j = to_json(s);
      j["health"] = to_json(health->at(s.id));
      arr.push_back(j);
    }
    std::cout << arr.dump(2) << "\n";
    return {};
  }
  if (servers->empty()) {
    std::cout << "no servers (add one with `quarry servers add --cloud local`)\n";
    return {};
  }
  Table table({"ID", "NAME", "PROVIDER", "ADDRESS", "MEMORY", "CPU", "TAGS", "HEALTH", "LAST CONTACT", "CONTAINERS"});
  for (const auto& s : *servers) {
    const auto& h = health->at(s.id);
    std::string state = h.checked_ms ? health_name(h.state) : "unobserved";
    if (h.state != Health::Up && !h.reason.empty()) state += ": " + h.reason.substr(0, 60);
    table.add({s.id, s.name, s.provider, s.ip + ":" + std::to_string(s.ssh_port), std::to_string(s.memory_mb) + "M",
               format_cpu(s.cpu), join(s.tags, ","), state, h.checked_ms ? age(h.last_contact_ms) : "-",
               h.checked_ms ? std::to_string(h.containers) : "-"});
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
  auto* ps_cmd = r.add(r.app(), "ps", "List every container: where it runs, its observed state and age, desired replicas missing",
                       [stack, local](Context& ctx) { return *local ? ps_local(ctx, *stack) : ps(ctx, *stack); });
  ps_cmd->add_option("stack", *stack, "Only this stack");
  ps_cmd->add_flag("--local", *local, "List the stacks `quarry run` runs on this machine instead");
  r.json_flag(ps_cmd);
}

}  // namespace quarry
