#include "cli/router_sync.h"

#include <algorithm>
#include <set>

#include "core/log.h"
#include "core/text.h"
#include "launcher/container_ops.h"
#include "launcher/domain_owners.h"
#include "router/router_apply.h"
#include "store/store_json.h"

namespace quarry {

namespace {

// The route alone passes validation (names, domains, addresses, ports).
bool route_valid(const Route& route) {
  RouterConfig alone;
  alone.routes = {route};
  return validate(alone).has_value();
}

}  // namespace

RouterConfig router_config(const std::vector<ServerRecord>& servers, const std::map<std::string, RouteList>& routes,
                           const std::map<std::string, std::vector<ContainerRecord>>& containers,
                           std::vector<std::string>* left_out) {
  auto leave = [&](const std::string& what) {
    if (left_out) left_out->push_back(what);
  };
  std::map<std::string, std::string> ip;
  for (const auto& s : servers) ip[s.id] = s.ip;
  RouterConfig config;
  std::set<std::string> taken;  // domains already given to a route
  for (const auto& [stack, list] : routes) {
    std::map<std::string, Route> by_node;
    for (const auto& [domain, node] : list) {
      Route probe{stack, node, {domain}, {}};
      if (!route_valid(probe)) {
        leave(stack + "/" + node + " " + domain + ": invalid");
        continue;
      }
      if (!taken.insert(domain).second) {
        leave(stack + "/" + node + " " + domain + ": routed by another stack");
        continue;
      }
      auto& r = by_node[node];
      r.stack = stack;
      r.node = node;
      r.domains.push_back(domain);
    }
    auto it = containers.find(stack);
    for (auto& [node, route] : by_node) {
      if (it != containers.end()) {
        for (const auto& c : it->second) {
          if (c.node != node || c.weight <= 0 || c.host_port <= 0 || !ip.count(c.server)) continue;
          Upstream u{ip[c.server], c.host_port, std::min(c.weight, 1000)};
          Route one{stack, node, route.domains, {u}};
          if (!route_valid(one)) {
            leave(stack + "/" + node + " upstream " + u.address + ":" + std::to_string(u.port) + ": invalid");
            continue;
          }
          route.upstreams.push_back(u);
        }
      }
      config.routes.push_back(route);
    }
  }
  return config;
}

Result<std::optional<ServerRecord>> NginxRouterSync::router_server() {
  auto servers = load_servers(store_);
  if (!servers) return std::unexpected(servers.error());
  for (const auto& s : *servers) {
    if (s.has_tag("role=router")) return std::optional<ServerRecord>(s);
  }
  return std::optional<ServerRecord>{};
}

Result<std::string> NginxRouterSync::prefix(const ServerRecord& router) {
  if (prefix_) return *prefix_;
  auto home = run_ok(shell_, endpoint_of(router), Command{{"printenv", "HOME"}, {}, {}, std::chrono::seconds(20), {}});
  if (!home) return std::unexpected(home.error());
  auto dir = trim(home->out);
  if (dir.empty() || dir.front() != '/') return fail_remote(router.id + ": the SSH user has no home directory");
  // Local servers share this machine's filesystem: one directory per server.
  prefix_ = dir + "/.quarry/router-" + router.id;
  return *prefix_;
}

Prober* NginxRouterSync::prober() {
  if (prober_) return prober_.get();
  auto router = router_server();
  if (!router || !*router) return nullptr;
  prober_ = std::make_unique<RemoteProber>(shell_, endpoint_of(**router));
  return prober_.get();
}

namespace {

// etc/tls/DOMAIN.json for the domains `config` routes.
Status add_tls(Store& store, RouterConfig& config) {
  auto names = store.list("etc/tls");
  if (!names) return std::unexpected(names.error());
  std::set<std::string> routed;
  for (const auto& r : config.routes) routed.insert(r.domains.begin(), r.domains.end());
  for (const auto& name : *names) {
    if (!name.ends_with(".json")) continue;
    auto domain = name.substr(0, name.size() - 5);
    if (!routed.count(domain)) continue;
    auto doc = get_json(store, "etc/tls/" + name);
    if (!doc) return std::unexpected(doc.error());
    if (!*doc || !(*doc)->is_object()) continue;
    config.tls[domain] = TlsCert{(*doc)->value("certificate", ""), (*doc)->value("key", "")};
  }
  return {};
}

}  // namespace

Result<StoreLock> NginxRouterSync::lock(const std::string& why) {
  return store_.lock("router", why, std::nullopt, [](const std::string& who) {
    log_info("    (waiting for the router, held by: " + who + ")");
  });
}

Status NginxRouterSync::sync() {
  auto held = lock("router update");
  if (!held) return std::unexpected(held.error());
  auto routes = load_all_routes(store_);
  if (!routes) return std::unexpected(routes.error());
  return apply_locked(*routes);
}

Status NginxRouterSync::set_routes(Store& store, const std::string& stack, const RouteList& routes) {
  if (&store != &store_) return RouterHook::set_routes(store, stack, routes);
  auto held = lock("routes of " + stack);
  if (!held) return std::unexpected(held.error());
  auto all = load_all_routes(store_);
  if (!all) return std::unexpected(all.error());
  if (auto conflict = domain_conflict(stack, routes, *all); !conflict.empty())
    return fail(stack + ": " + conflict + "; nothing was changed");
  if (routes.empty()) all->erase(stack);
  else (*all)[stack] = routes;
  if (auto s = apply_locked(*all); !s) return s;
  return save_routes(store_, stack, routes);
}

Status NginxRouterSync::apply_locked(const std::map<std::string, RouteList>& routes) {
  auto router = router_server();
  if (!router) return std::unexpected(router.error());
  if (!*router) {
    if (!warned_) log_info("    (no router server: domains are not routed; add one with `quarry servers add --role router`)");
    warned_ = true;
    return {};
  }
  auto servers = load_servers(store_);
  if (!servers) return std::unexpected(servers.error());
  std::map<std::string, std::vector<ContainerRecord>> containers;
  for (const auto& [stack, list] : routes) {
    auto c = load_containers(store_, stack);
    if (!c) return std::unexpected(c.error());
    containers[stack] = *c;
  }
  std::vector<std::string> left_out;
  auto config = router_config(*servers, routes, containers, &left_out);
  for (const auto& l : left_out) log_warn("router: left out " + l);
  if (auto s = add_tls(store_, config); !s) return s;
  auto dir = prefix(**router);
  if (!dir) return std::unexpected(dir.error());
  NginxRouter::Options options;
  options.prefix = *dir;
  options.nginx = "/usr/sbin/nginx";
  auto nginx = NginxRouter::create(shell_, endpoint_of(**router), options);
  if (!nginx) return std::unexpected(nginx.error());
  if (auto s = nginx->ensure_running(); !s) return std::unexpected(s.error().context("router " + (*router)->id));
  if (auto s = nginx->apply(config); !s) return std::unexpected(s.error().context("router " + (*router)->id));
  return {};
}

}  // namespace quarry
