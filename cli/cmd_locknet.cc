// quarry locknet: the cluster's servers accept only each other (and the
// addresses etc/cluster.json admits); port 22 stays public everywhere and
// 80/443 on the router. On by default and kept by every join, leave and
// control-loop pass; this command applies it now, shows it, or turns it off.
#include <iostream>

#include "cli/cluster.h"
#include "cli/command.h"
#include "cli/network_keep.h"
#include "cli/table.h"
#include "core/text.h"

namespace quarry {

namespace {

struct LocknetArgs {
  std::vector<std::string> servers;
  bool unlock = false;
  bool status = false;
  std::string mode;
};

Status check_known(Context& ctx, const std::vector<std::string>& ids) {
  auto all = load_servers(ctx.store());
  if (!all) return std::unexpected(all.error());
  for (const auto& id : ids) {
    if (std::none_of(all->begin(), all->end(), [&](const auto& s) { return s.id == id; }))
      return fail("unknown server '" + id + "' (see quarry servers)");
  }
  if (all->empty()) return fail("no servers to lock (add some with quarry servers add)");
  return {};
}

Status show_status(Context& ctx, NetworkKeeper& net) {
  auto settings = net.settings();
  if (!settings) return std::unexpected(settings.error());
  auto reports = net.locknet_status();
  if (!reports) return std::unexpected(reports.error());
  if (ctx.options().json) {
    std::cout << reports_json(*reports);
  } else {
    std::cout << "locknet is " << (settings->locknet ? "on" : "off") << "\n";
    Table t({"SERVER", "ADDRESS", "ROLE", "IPV4", "IPV6", "DOCKER", "STATUS"});
    for (const auto& r : *reports) {
      auto yes = [](bool b) { return std::string(b ? "match" : "differs"); };
      t.add({r.server, r.address, r.router ? "router" : "-", yes(r.ipv4), yes(r.ipv6), r.docker ? "covered" : "no chain",
             r.error.empty() ? (r.ok() ? "ok" : "drift") : r.error});
    }
    std::cout << t.render();
  }
  bool all_ok = std::all_of(reports->begin(), reports->end(), [](const auto& r) { return r.ok(); });
  if (settings->locknet && !all_ok) return fail_remote("some servers' rules differ from the cluster's (quarry locknet repairs them)");
  return {};
}

Status set_mode(Context& ctx, NetworkKeeper& net, const std::string& mode) {
  if (mode != "on" && mode != "off") return fail("--mode takes on or off", ErrorKind::Usage);
  auto settings = net.settings();
  if (!settings) return std::unexpected(settings.error());
  settings->locknet = mode == "on";
  if (auto s = ctx.store().put(kClusterSettingsKey, cluster_settings_json(*settings)); !s) return s;
  if (mode == "off") {
    if (auto s = net.unlock_all(); !s) return s;
    std::cout << "locknet is off: quarry's rules were removed from every server\n";
    return {};
  }
  auto kept = net.keep();
  if (!kept) return std::unexpected(kept.error());
  std::cout << "locknet is on: " << kept->relocked.size() << " server(s) locked\n";
  return {};
}

Status locknet(Context& ctx, const LocknetArgs& a) {
  Cluster cluster(ctx);
  auto& net = cluster.network();
  if (a.status) return show_status(ctx, net);
  if (!a.mode.empty()) return set_mode(ctx, net, a.mode);
  if (auto s = check_known(ctx, a.servers); !s) return s;
  auto settings = net.settings();
  if (!settings) return std::unexpected(settings.error());
  if (a.unlock) {
    if (settings->locknet) {
      return fail("locknet is on for the cluster and the control loop would lock the servers again: "
                  "use quarry locknet --mode off");
    }
    if (auto s = net.unlock_all(); !s) return s;
    std::cout << "unlocked every server\n";
    return {};
  }
  if (!settings->locknet) return fail("locknet is off for the cluster: turn it on with quarry locknet --mode on");
  auto kept = net.keep();
  if (!kept) return std::unexpected(kept.error());
  auto reports = net.locknet_status();
  if (!reports) return std::unexpected(reports.error());
  for (const auto& r : *reports) {
    if (!a.servers.empty() && std::find(a.servers.begin(), a.servers.end(), r.server) == a.servers.end()) continue;
    std::cout << "locked " << r.server << " (" << r.address << ")" << (r.router ? ": peers, 22, 80, 443" : ": peers, 22")
              << (r.ok() ? "" : " [still differs: " + (r.error.empty() ? std::string("see --status") : r.error) + "]")
              << "\n";
  }
  return {};
}

}  // namespace

void register_locknet_commands(Registry& r) {
  auto a = std::make_shared<LocknetArgs>();
  auto* cmd = r.add(r.app(), "locknet",
                    "Lock the cluster's servers to each other (SSH public, HTTP(S) on the router); show or switch it",
                    [a](Context& c) { return locknet(c, *a); });
  cmd->add_option("servers", a->servers, "Server ids to report on (all are locked: the set is the cluster)");
  cmd->add_flag("--status", a->status, "Show, per server, whether its rules match the cluster's");
  cmd->add_option("--mode", a->mode, "on (the default) or off: the cluster setting in etc/cluster.json");
  cmd->add_flag("--unlock", a->unlock, "Remove quarry's rules (only with --mode off in force)");
  r.json_flag(cmd);
}

}  // namespace quarry
