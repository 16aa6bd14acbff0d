// The real implementations behind the cluster commands, built on demand:
// the SSH shell (the HQ's key, host keys pinned in the store), the cloud
// provider (etc/cloud.json; the local cloud when there is none), the grid,
// the router and the HQ's build engine. Only cli/ builds these.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "cli/context.h"
#include "cli/network_keep.h"
#include "cloud/http_client.h"
#include "cli/server_source.h"
#include "cloud/provider.h"
#include "cloud/server_fleet.h"
#include "control/control_env.h"
#include "cli/pass_hooks.h"
#include "launcher/deployer.h"
#include "launcher/grid_placer.h"
#include "launcher/host_keys.h"
#include "launcher/libssh2_shell.h"
#include "launcher/local_shell.h"

namespace quarry {

class LocalProvider;

class Cluster {
 public:
  explicit Cluster(Context& ctx) : ctx_(ctx) {}
  ~Cluster();

  // The HQ's SSH key pair (keys/hq_ed25519), made on first use.
  Result<SshKeyFiles> hq_key();
  Result<std::string> hq_public_key();  // its .pub line
  Result<RemoteShell*> shell();
  HostKeyStore& host_keys();
  // The configured provider; the local cloud by default.
  Result<Provider*> provider();
  // The local provider when that is the configured one (cluster down).
  Result<LocalProvider*> local_provider();
  Result<ProviderServerSource*> server_source();
  Result<GridPlacer*> placer();
  Result<RouterHook*> router();
  // A deployer wired to all of the above; starts the HQ engine if needed.
  Result<std::unique_ptr<Deployer>> deployer(const LaunchOptions& options = {});
  // The HQ engine (started if needed), the builder and the shipper over it.
  Status ensure_engine();
  Status stop_engine();
  // Ships images from the HQ's build engine (started if needed).
  Result<ImageShipper*> shipper();
  // `options` with what every launch on the cluster needs: down servers
  // avoided, the replicated files and the hosts entries.
  Result<LaunchOptions> launch_options(const LaunchOptions& options);
  // Locknet and the replicated files, kept in step with the servers.
  NetworkKeeper& network();
  // network().keep(), one caller at a time (parallel server adds).
  Status keep_network();
  // Every provider-made server admits exactly the recorded HQs' keys (a
  // control-loop pass hook of the leader).
  Status keep_hq_keys();
  // Before the first shell(): how long an SSH connection may take (the
  // control loop wants a short one, to tell a lost server fast).
  void set_connect_timeout(std::chrono::milliseconds t) { connect_timeout_ = t; }
  // The control plane's environment over the parts above.
  Result<ControlEnv> control_env();

 private:
  // The cluster's servers, where an image the HQ engine lacks may be found.
  ImageShipper::Holders holders();
  // The one way both shippers (the deploy's and the loop's) are made.
  std::unique_ptr<ImageShipper> make_shipper(RemoteShell& shell, const std::map<std::string, std::string>& engine);

  Context& ctx_;
  std::optional<std::chrono::milliseconds> connect_timeout_;
  std::unique_ptr<HostKeyStore> host_keys_;
  std::unique_ptr<Libssh2Shell> shell_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<Provider> provider_;
  std::unique_ptr<ProviderServerSource> source_;
  std::string cluster_id_;
  FleetOptions fleet_options_;
  std::unique_ptr<GridPlacer> placer_;
  std::unique_ptr<RouterHook> router_;
  std::unique_ptr<LocalShell> engine_shell_;
  std::unique_ptr<ImageBuilder> builder_;
  std::unique_ptr<ImageShipper> shipper_;
  std::unique_ptr<ImageShipper> loop_shipper_;
  std::unique_ptr<NetworkKeeper> network_;
  std::once_flag network_made_;  // network() is asked from a launch's parallel starts
  std::mutex network_mu_;
  std::vector<std::unique_ptr<PassHook>> hooks_;
};

}  // namespace quarry
