// A replica's environment and addresses: the next free host port on a
// server, a linked service's address as the container sees it, and the env
// a container starts with (the stack's and the process's env, the links to
// its services, and quarry's own QUARRY_* names).
#include <algorithm>

#include "core/text.h"
#include "launcher/launcher.h"
#include "store/store_json.h"

namespace quarry {

int Launcher::next_port(const std::string& server_id) {
  std::lock_guard lock(mu_);
  if (!ports_loaded_) {
    ports_loaded_ = true;
    if (auto stacks = list_stacks(*deps_.store)) {
      for (const auto& stack : *stacks) {
        if (auto recs = load_containers(*deps_.store, stack)) {
          for (const auto& r : *recs) {
            if (r.host_port) ports_[r.server].insert(r.host_port);
          }
        }
      }
    }
  }
  auto& used = ports_[server_id];
  int port = options_.first_host_port;
  while (used.count(port)) ++port;
  used.insert(port);
  return port;
}

// A service's address on the stack's network does not change while it runs:
// asked once per launch, not once per replica that links to it, however
// many replicas start at once (they wait for the one asking).
Result<std::string> Launcher::linked_ip(const ServerRecord& server, const std::string& container) {
  auto asked = once("link " + container, [&]() -> Status {
    auto span = timed(deps_.timings, Phase::Link, server.id);
    auto ip = container_ip(*deps_.shell, endpoint_of(server), container, options_.network);
    if (!ip) return std::unexpected(ip.error());
    std::lock_guard lock(mu_);
    link_ips_[container] = *ip;
    return {};
  });
  if (!asked) return std::unexpected(asked.error());
  std::lock_guard lock(mu_);
  return link_ips_.at(container);
}

Result<std::map<std::string, std::string>> Launcher::container_env(const Instruction& in, int release, int index) {
  auto env = in.process.env;
  // The global env as it is now: it is the lowest layer, under the
  // manifest's env and the stack's.
  auto global_env = read_env(*deps_.store, "etc/env");
  if (!global_env) return std::unexpected(global_env.error());
  for (const auto& k : in.global_keys) {
    auto now = global_env->find(k);
    if (now == global_env->end()) env.erase(k);
    else env[k] = now->second;
  }
  for (const auto& [k, v] : *global_env) env.emplace(k, v);
  auto stack_env = read_env(*deps_.store, "stacks/" + in.stack + "/env");
  if (!stack_env) return std::unexpected(stack_env.error());
  for (const auto& [k, v] : *stack_env) env[k] = v;
  auto recs = records(in.stack);
  if (!recs) return std::unexpected(recs.error());
  for (const auto& link : in.links) {
    auto live = (*recs)->of(link);
    if (live.empty()) return fail_remote("service " + link + " of " + in.stack + " is not running");
    const auto& r = live.front();
    if (options_.link_by_container_ip) {
      auto srv = server(r.server);
      if (!srv) return std::unexpected(srv.error());
      auto ip = linked_ip(*srv, container_ref(r));
      if (!ip) return std::unexpected(ip.error());
      add_link_env(env, link, *ip, r.container_port);
    } else {
      auto srv = server(r.server);
      if (!srv) return std::unexpected(srv.error());
      add_link_env(env, link, srv->ip, r.host_port);
    }
  }
  env["QUARRY_STACK"] = in.stack;
  env["QUARRY_NODE"] = in.process.name;
  env["QUARRY_RELEASE"] = std::to_string(release);
  env["QUARRY_INDEX"] = std::to_string(index);
  return env;
}

}  // namespace quarry
