// quarry locknet [SERVER...]: the cluster's hosts talk only to each other;
// port 22 stays public and 80/443 are open on the router.
#include <iostream>

#include "cli/cluster.h"
#include "cli/command.h"
#include "core/text.h"
#include "launcher/container_ops.h"
#include "launcher/netns_shell.h"
#include "locknet/locknet_apply.h"

namespace quarry {

namespace {

struct LocknetArgs {
  std::vector<std::string> servers;
  bool unlock = false;
};

Status locknet(Context& ctx, const LocknetArgs& a) {
  auto all = load_servers(ctx.store());
  if (!all) return std::unexpected(all.error());
  std::vector<ServerRecord> chosen;
  for (const auto& s : *all) {
    if (a.servers.empty() || std::find(a.servers.begin(), a.servers.end(), s.id) != a.servers.end()) chosen.push_back(s);
  }
  for (const auto& id : a.servers) {
    if (std::none_of(chosen.begin(), chosen.end(), [&](const auto& s) { return s.id == id; })) {
      return fail("unknown server '" + id + "' (see quarry servers)");
    }
  }
  if (chosen.empty()) return fail("no servers to lock (add some with quarry servers add)");
  // Local servers are namespaces on this machine: iptables runs there as
  // root. Others are reached over SSH, whose user must be root.
  std::map<std::string, std::string> namespaces;
  bool all_local = true;
  for (const auto& s : chosen) {
    if (s.provider == "local") namespaces[s.id] = s.provider_ref;
    else all_local = false;
  }
  if (!all_local && !namespaces.empty()) return fail("lock local and remote servers separately");
  Cluster cluster(ctx);
  NetnsShell netns(namespaces);
  RemoteShell* shell = &netns;
  if (!all_local) {
    auto sh = cluster.shell();
    if (!sh) return std::unexpected(sh.error());
    shell = *sh;
  }
  Locknet net(*shell);
  std::vector<LockTarget> targets;
  for (const auto& s : chosen) targets.push_back({endpoint_of(s), s.ip, s.has_tag("role=router")});
  Status st = a.unlock ? unlock_hosts(net, targets) : lock_hosts(net, targets);
  if (!st) return st;
  for (const auto& t : targets) {
    std::cout << (a.unlock ? "unlocked " : "locked ") << t.endpoint.name << " (" << t.address << ")"
              << (a.unlock ? "" : t.router ? ": peers, 22, 80, 443" : ": peers, 22") << "\n";
  }
  return {};
}

}  // namespace

void register_locknet_commands(Registry& r) {
  auto a = std::make_shared<LocknetArgs>();
  auto* cmd = r.add(r.app(), "locknet",
                    "Lock servers (default: all) so that they accept only each other, SSH, and HTTP(S) on the router",
                    [a](Context& c) { return locknet(c, *a); });
  cmd->add_option("servers", a->servers, "Server ids");
  cmd->add_flag("--unlock", a->unlock, "Remove quarry's rules instead");
}

}  // namespace quarry
