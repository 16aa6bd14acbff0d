#include "cli/network_keep.h"

#include "cli/cluster.h"
#include "cloud/local_provider.h"
#include "cloud/provider_config.h"
#include "core/text.h"
#include "launcher/config_store.h"
#include "launcher/container_ops.h"
#include "launcher/hosts_file.h"
#include "launcher/netns_shell.h"

namespace quarry {

namespace {

// Routes each server to the shell that reaches it with the rights needed.
class ServerShell : public RemoteShell {
 public:
  ServerShell(std::map<std::string, std::string> local, RemoteShell* ssh)
      : local_(local), netns_(std::move(local)), ssh_(ssh) {}
  Result<ProcessResult> run(const Endpoint& host, const Command& cmd) override {
    if (local_.count(host.name)) return netns_.run(host, cmd);
    if (!ssh_) return fail_remote(host.name + ": no SSH shell");
    return ssh_->run(host, cmd);
  }

 private:
  std::map<std::string, std::string> local_;
  NetnsShell netns_;
  RemoteShell* ssh_;
};

std::string local_state_dir(Context& ctx) {
  auto text = ctx.store().get("etc/cloud.json");
  if (text && *text) {
    auto config = parse_cloud_config(**text);
    if (config && !config->local.state_dir.empty()) return config->local.state_dir;
  }
  return ctx.home() + "/cloud/local";
}

// The local cloud's HQ address: the bridge's, 10.77.X.1 for servers 10.77.X.N.
std::string local_gateway(const ServerRecord& s) {
  auto dot = s.ip.rfind('.');
  return dot == std::string::npos ? "" : s.ip.substr(0, dot) + ".1";
}

Result<std::vector<ContainerRecord>> all_containers(Store& store) {
  std::vector<ContainerRecord> all;
  auto stacks = list_stacks(store);
  if (!stacks) return std::unexpected(stacks.error());
  for (const auto& st : *stacks) {
    auto recs = load_containers(store, st);
    if (!recs) return std::unexpected(recs.error());
    all.insert(all.end(), recs->begin(), recs->end());
  }
  return all;
}

}  // namespace

struct NetworkKeeper::Members {
  std::vector<ServerRecord> servers;
  std::vector<LockTarget> locks;
  std::vector<FileTarget> files;
  LocknetPlan base;
  ClusterSettings settings;
  RemoteShell* shell = nullptr;
};

std::string files_root(const ServerRecord& server, const std::string& local_state_dir) {
  if (server.provider == "local") return local_state_dir + "/servers/" + server.provider_ref + "/files";
  return "/etc/quarry/files";
}

Result<ClusterSettings> load_cluster_settings(Store& store) {
  auto text = store.get(kClusterSettingsKey);
  if (!text) return std::unexpected(text.error());
  if (!*text) return ClusterSettings{};
  return parse_cluster_settings(**text, store.locate(kClusterSettingsKey));
}

NetworkKeeper::NetworkKeeper(Context& ctx, Cluster& cluster) : ctx_(ctx), cluster_(cluster) {}
NetworkKeeper::~NetworkKeeper() = default;

Result<ClusterSettings> NetworkKeeper::settings() { return load_cluster_settings(ctx_.store()); }

Result<RemoteShell*> NetworkKeeper::shell_for(const std::vector<ServerRecord>& servers) {
  std::map<std::string, std::string> local;
  bool remote = false;
  for (const auto& s : servers) {
    if (s.provider == "local") local[s.id] = s.provider_ref;
    else remote = true;
  }
  RemoteShell* ssh = nullptr;
  if (remote) {
    auto sh = cluster_.shell();
    if (!sh) return std::unexpected(sh.error());
    ssh = *sh;
  }
  routing_ = std::make_unique<ServerShell>(std::move(local), ssh);
  return routing_.get();
}

Result<NetworkKeeper::Members> NetworkKeeper::members() {
  Members m;
  auto servers = load_servers(ctx_.store());
  if (!servers) return std::unexpected(servers.error());
  auto settings = load_cluster_settings(ctx_.store());
  if (!settings) return std::unexpected(settings.error());
  m.servers = *servers;
  m.settings = *settings;
  m.base.peers = m.settings.admit;
  const auto state_dir = local_state_dir(ctx_);
  for (const auto& s : m.servers) {
    m.locks.push_back({endpoint_of(s), s.ip, s.has_tag("role=router")});
    m.files.push_back({endpoint_of(s), files_root(s, state_dir)});
    if (s.provider == "local") m.base.peers.push_back(local_gateway(s));
  }
  auto sh = shell_for(m.servers);
  if (!sh) return std::unexpected(sh.error());
  m.shell = *sh;
  return m;
}

Result<FileSet> NetworkKeeper::desired_files() {
  auto files = load_config_files(ctx_.store());
  if (!files) return std::unexpected(files.error());
  auto servers = load_servers(ctx_.store());
  if (!servers) return std::unexpected(servers.error());
  auto all = all_containers(ctx_.store());
  if (!all) return std::unexpected(all.error());
  (*files)[kHostsFile] = FileEntry{render_hosts(cluster_hosts(*servers, *all)), 0644};
  return files;
}

std::string NetworkKeeper::files_root_of(const ServerRecord& server) { return files_root(server, local_state_dir(ctx_)); }

std::vector<std::string> NetworkKeeper::host_entries() {
  auto servers = load_servers(ctx_.store());
  auto all = all_containers(ctx_.store());
  if (!servers || !all) return {};
  std::vector<std::string> out;
  for (const auto& e : cluster_hosts(*servers, *all)) out.push_back(e.name + ":" + e.address);
  return out;
}

Result<std::vector<FileReport>> NetworkKeeper::keep_files() {
  auto m = members();
  if (!m) return std::unexpected(m.error());
  auto desired = desired_files();
  if (!desired) return std::unexpected(desired.error());
  ConfigKeeper files(*m->shell);
  return files.repair(m->files, *desired);
}

Result<KeepOutcome> NetworkKeeper::keep() {
  auto held = ctx_.store().lock("cluster/network", "quarry network keeper", std::chrono::minutes(2));
  if (!held) return std::unexpected(held.error());
  auto m = members();
  if (!m) return std::unexpected(m.error());
  KeepOutcome out;
  std::vector<std::string> errors;
  if (m->settings.locknet) {
    Locknet net(*m->shell);
    LocknetKeeper keeper(net, m->base);
    auto relocked = keeper.repair(m->locks);
    if (!relocked) errors.push_back(relocked.error().message);
    else out.relocked = *relocked;
  }
  auto desired = desired_files();
  if (!desired) return std::unexpected(desired.error());
  ConfigKeeper files(*m->shell);
  auto rewritten = files.repair(m->files, *desired);
  if (!rewritten) errors.push_back(rewritten.error().message);
  else out.rewritten = *rewritten;
  if (!errors.empty()) return fail_remote(join(errors, "\n"));
  return out;
}

Result<std::vector<LockReport>> NetworkKeeper::locknet_status() {
  auto m = members();
  if (!m) return std::unexpected(m.error());
  Locknet net(*m->shell);
  return LocknetKeeper(net, m->base).check(m->locks);
}

Result<std::vector<FileReport>> NetworkKeeper::files_status() {
  auto m = members();
  if (!m) return std::unexpected(m.error());
  auto desired = desired_files();
  if (!desired) return std::unexpected(desired.error());
  return ConfigKeeper(*m->shell).check(m->files, *desired);
}

Status NetworkKeeper::unlock_all() {
  auto m = members();
  if (!m) return std::unexpected(m.error());
  Locknet net(*m->shell);
  return unlock_hosts(net, m->locks);
}

}  // namespace quarry
