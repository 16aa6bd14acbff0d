#include "cli/cluster.h"

#include <cstdlib>

#include "cli/network_keep.h"
#include "cli/router_sync.h"
#include "cli/server_source.h"
#include "cloud/digitalocean_provider.h"
#include "cloud/ec2_provider.h"
#include "cloud/local_provider.h"
#include "cloud/provider_config.h"
#include "cloud/server_names.h"
#include "core/file_io.h"
#include "core/log.h"
#include "core/subprocess.h"
#include "core/text.h"
#include "hq/server_keys.h"
#include "launcher/container_ops.h"
#include "launcher/hq_engine.h"

namespace quarry {

namespace {

// How the fleet treats a cloud's servers, from its settings (DigitalOcean's
// and EC2's share these fields).
template <typename CloudConfig>
FleetOptions fleet_options_of(const CloudConfig& c) {
  FleetOptions o;
  o.boot_timeout = c.create_timeout;
  o.probe_ssh = c.wait_for_ssh;
  o.destroy_unknown = c.gc_destroy_unknown;
  return o;
}

}  // namespace

Cluster::~Cluster() = default;

Result<SshKeyFiles> Cluster::hq_key() {
  std::string key = ctx_.home() + "/keys/hq_ed25519";
  if (!path_exists(key)) {
    // The home stays traversable (local servers' SSH users read below it);
    // only keys/ is private.
    if (auto s = make_dirs(ctx_.home(), 0755); !s) return std::unexpected(s.error());
    if (auto s = make_dirs(ctx_.home() + "/keys", 0700); !s) return std::unexpected(s.error());
    auto r = run_checked({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "quarry-hq", "-f", key});
    if (!r) return std::unexpected(r.error().context("make the HQ's SSH key"));
  }
  return SshKeyFiles{key, key + ".pub", ""};
}

Result<std::string> Cluster::hq_public_key() {
  auto key = hq_key();
  if (!key) return std::unexpected(key.error());
  auto pub = read_file(key->public_key);
  if (!pub) return std::unexpected(pub.error());
  return trim(*pub);
}

HostKeyStore& Cluster::host_keys() {
  if (!host_keys_) host_keys_ = std::make_unique<HostKeyStore>(ctx_.store());
  return *host_keys_;
}

Result<RemoteShell*> Cluster::shell() {
  if (!shell_) {
    auto key = hq_key();
    if (!key) return std::unexpected(key.error());
    Libssh2Options o;
    o.key = *key;
    if (connect_timeout_) o.connect_timeout = *connect_timeout_;
    shell_ = std::make_unique<Libssh2Shell>(o, host_keys());
  }
  return shell_.get();
}

Result<Provider*> Cluster::provider() {
  if (provider_) return provider_.get();
  auto text = ctx_.store().get("etc/cloud.json");
  if (!text) return std::unexpected(text.error());
  auto config = parse_cloud_config(text->value_or(R"({"provider": "local"})"));
  if (!config) return std::unexpected(config.error().context(ctx_.store().locate("etc/cloud.json")));
  // Every provider puts every HQ's key in authorized_keys on first boot.
  auto pub = hq_public_key();
  if (!pub) return std::unexpected(pub.error());
  auto keys = hq_key_set(ctx_.store(), *pub);
  if (!keys) return std::unexpected(keys.error());
  auto cluster_of = [&](const std::string& set) { return set.empty() ? default_cluster_id(ctx_.home()) : set; };
  if (config->provider == "local") {
    auto local = config->local;
    if (local.state_dir.empty()) local.state_dir = ctx_.home() + "/cloud/local";
    local.cluster_id = cluster_of(local.cluster_id);
    local.authorized_keys = *keys;
    cluster_id_ = local.cluster_id;
    provider_ = std::make_unique<LocalProvider>(local);
    return provider_.get();
  }
  http_ = std::make_unique<CurlHttpClient>();
  if (config->provider == "digitalocean") {
    auto c = config->digitalocean;
    c.authorized_keys = *keys;
    cluster_id_ = cluster_of(c.cluster_id);
    c.tag = cluster_tag(c.tag, cluster_id_);
    fleet_options_ = fleet_options_of(c);
    provider_ = std::make_unique<DigitalOceanProvider>(c, *http_);
  } else {
    auto c = config->ec2;
    c.authorized_keys = *keys;
    cluster_id_ = cluster_of(c.cluster_id);
    c.tag = cluster_tag(c.tag, cluster_id_);
    fleet_options_ = fleet_options_of(c);
    provider_ = std::make_unique<Ec2Provider>(c, *http_);
  }
  return provider_.get();
}

Result<LocalProvider*> Cluster::local_provider() {
  auto p = provider();
  if (!p) return std::unexpected(p.error());
  auto* local = dynamic_cast<LocalProvider*>(*p);
  if (!local) return fail("the configured cloud is " + (*p)->name() + ", not the local cloud");
  return local;
}

Result<ProviderServerSource*> Cluster::server_source() {
  if (!source_) {
    auto p = provider();
    if (!p) return std::unexpected(p.error());
    source_ = std::make_unique<ProviderServerSource>(ctx_.store(), **p, host_keys(), cluster_id_, fleet_options_);
    // A server joins locked and with the cluster's files, before the grid
    // gives it containers; when one leaves, the others stop admitting it.
    // With wait_for_ssh off quarry never contacts a new server on its own
    // (a test endpoint's example addresses are not ours to reach).
    if (fleet_options_.probe_ssh) source_->on_membership_change([this] { return keep_network(); });
  }
  return source_.get();
}

Result<GridPlacer*> Cluster::placer() {
  if (!placer_) {
    auto source = server_source();
    if (!source) return std::unexpected(source.error());
    placer_ = std::make_unique<GridPlacer>(ctx_.store(), *source);
  }
  return placer_.get();
}

Result<RouterHook*> Cluster::router() {
  if (!router_) {
    auto sh = shell();
    if (!sh) return std::unexpected(sh.error());
    router_ = std::make_unique<NginxRouterSync>(ctx_.store(), **sh);
  }
  return router_.get();
}

Status Cluster::ensure_engine() {
  if (builder_) return {};
  auto sh = shell();
  if (!sh) return std::unexpected(sh.error());
  auto env = HqEngine(ctx_.home() + "/engine").ensure();
  if (!env) return std::unexpected(env.error());
  engine_shell_ = std::make_unique<LocalShell>(*env);
  builder_ = std::make_unique<ImageBuilder>(*engine_shell_);
  shipper_ = make_shipper(**sh, *env);
  return {};
}

Result<std::unique_ptr<Deployer>> Cluster::deployer(const LaunchOptions& options) {
  auto sh = shell();
  if (!sh) return std::unexpected(sh.error());
  auto pl = placer();
  if (!pl) return std::unexpected(pl.error());
  auto rt = router();
  if (!rt) return std::unexpected(rt.error());
  auto shipper = this->shipper();
  if (!shipper) return std::unexpected(shipper.error());
  // Health probes come from the router server when there is one.
  auto* sync = dynamic_cast<NginxRouterSync*>(*rt);
  Prober* prober = sync ? sync->prober() : nullptr;
  DeployerDeps deps{&ctx_.store(), *sh, *pl, builder_.get(), *shipper, *rt, prober, engine_shell_.get()};
  auto with_files = launch_options(options);
  if (!with_files) return std::unexpected(with_files.error());
  return std::make_unique<Deployer>(deps, *with_files);
}

std::unique_ptr<ImageShipper> Cluster::make_shipper(RemoteShell& shell,
                                                   const std::map<std::string, std::string>& engine) {
  return std::make_unique<ImageShipper>(shell, engine, holders());
}

Result<ImageShipper*> Cluster::shipper() {
  if (auto s = ensure_engine(); !s) return std::unexpected(s.error());
  return shipper_.get();
}

Result<LaunchOptions> Cluster::launch_options(const LaunchOptions& options) {
  // Servers the control loop found down take no new containers.
  LaunchOptions with_files = options;
  auto servers = load_servers(ctx_.store());
  if (!servers) return std::unexpected(servers.error());
  auto health = load_all_health(ctx_.store(), *servers);
  if (!health) return std::unexpected(health.error());
  for (const auto& [id, h] : *health) {
    if (h.state == Health::Down) with_files.avoid_servers.insert(id);
  }
  with_files.files_root = [this](const ServerRecord& s) { return network().files_root_of(s); };
  with_files.extra_hosts = [this] { return network().host_entries(); };
  return with_files;
}

// Made once, whichever thread asks first: the parallel starts of a launch
// ask it for each container's files and hosts, and two of them making it at
// once freed the keeper under the other (a crash in a deploy's starts).
NetworkKeeper& Cluster::network() {
  std::call_once(network_made_, [this] { network_ = std::make_unique<NetworkKeeper>(ctx_, *this); });
  return *network_;
}

Status Cluster::keep_network() {
  std::lock_guard g(network_mu_);
  auto kept = network().keep();
  if (!kept) return std::unexpected(kept.error().context("lock the cluster's servers and write their files"));
  return {};
}

Result<ControlEnv> Cluster::control_env() {
  auto sh = shell();
  if (!sh) return std::unexpected(sh.error());
  auto pl = placer();
  if (!pl) return std::unexpected(pl.error());
  auto rt = router();
  if (!rt) return std::unexpected(rt.error());
  static const SystemClock clock;
  auto* sync = dynamic_cast<NginxRouterSync*>(*rt);
  ControlEnv env;
  env.clock = &clock;
  env.store = &ctx_.store();
  env.shell = *sh;
  env.placer = *pl;
  env.router = *rt;
  env.prober = sync ? sync->prober() : nullptr;
  if (!loop_shipper_) {
    // The loop never starts the build engine: it ships from it when it runs
    // (this HQ built the image), else from a server that holds the image.
    loop_shipper_ = make_shipper(**sh, HqEngine(ctx_.home() + "/engine").client_env());
  }
  env.shipper = loop_shipper_.get();
  GridPlacer* grid = *pl;
  env.grid_tick = [grid] { return grid->tick(); };
  // Dependents of a moved service: the live release again, as a deploy
  // would redeploy it (zero-downtime, under the stack's lock).
  env.redeploy = [this](const std::string& stack, const std::string& why) -> Result<int> {
    auto current = Deployer::current_release(ctx_.store(), stack);
    if (!current) return std::unexpected(current.error());
    auto d = deployer();
    if (!d) return std::unexpected(d.error());
    auto r = (*d)->rollback(stack, current->number, "the control loop: " + why.substr(0, 300));
    if (!r) return std::unexpected(r.error());
    return r->release;
  };
  if (hooks_.empty()) {
    // Drift of the firewall and the files is repaired each pass (a reboot
    // clears iptables); the provider is listed for leaks every tenth pass.
    hooks_.push_back(std::make_unique<FunctionPassHook>("network", 1, [this] { return keep_network(); }));
    auto source = server_source();
    if (!source) return std::unexpected(source.error());
    ProviderServerSource* src = *source;
    hooks_.push_back(std::make_unique<FunctionPassHook>("cloud-leaks", 10, [src]() -> Status {
      auto report = src->fleet().check_leaks();
      if (!report) return std::unexpected(report.error());
      return {};
    }));
    hooks_.push_back(std::make_unique<FunctionPassHook>("hq-keys", 1, [this] { return keep_hq_keys(); }));
  }
  for (auto& h : hooks_) env.hooks.push_back(h.get());
  return env;
}

ImageShipper::Holders Cluster::holders() {
  return [this]() -> Result<std::vector<Endpoint>> {
    auto servers = load_servers(ctx_.store());
    if (!servers) return std::unexpected(servers.error());
    std::vector<Endpoint> out;
    for (const auto& s : *servers) out.push_back(endpoint_of(s));
    return out;
  };
}

// The leader keeps every provider-made server's keys at the recorded HQs'
// (hq/server_keys.h).
Status Cluster::keep_hq_keys() {
  auto sh = shell();
  if (!sh) return std::unexpected(sh.error());
  auto pub = hq_public_key();
  if (!pub) return std::unexpected(pub.error());
  auto servers = load_servers(ctx_.store());
  if (!servers) return std::unexpected(servers.error());
  // A local server's sshd names its own file (QUARRY_AUTHORIZED_KEYS).
  KeyFileOf file_of = [](const ServerRecord& s) -> std::string {
    bool made = s.provider == "local" || s.provider == "digitalocean" || s.provider == "ec2";
    return made ? ".ssh/authorized_keys" : "";
  };
  auto report = keep_server_keys(ctx_.store(), **sh, *servers, *pub, file_of);
  if (!report) return std::unexpected(report.error());
  if (report->written) log_info("the HQs' keys written to " + std::to_string(report->written) + " server(s)");
  return {};
}

Status Cluster::stop_engine() { return HqEngine(ctx_.home() + "/engine").stop(); }

}  // namespace quarry
