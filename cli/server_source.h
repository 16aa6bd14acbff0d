// The cloud side of the cluster, over the store:
//   StoreServerLedger    ServerLedger on the store: ready servers are
//                        servers/ID (their host keys pinned in keys/), the
//                        rest is cloud/creating/TOKEN.json and
//                        cloud/leaked/ID.json
//   ProviderServerSource the grid's ServerSource: names each new server
//                        q-CLUSTER-N, makes its SSH host key on the HQ and
//                        creates it through a ServerFleet
#pragma once

#include <mutex>
#include <functional>

#include "cloud/provider.h"
#include "cloud/server_fleet.h"
#include "cloud/server_ledger.h"
#include "launcher/host_keys.h"
#include "launcher/seams.h"

namespace quarry {

class StoreServerLedger : public ServerLedger {
 public:
  StoreServerLedger(Store& store, HostKeyStore& keys) : store_(store), keys_(keys) {}
  Result<std::vector<LedgerEntry>> entries() override;
  Status put(const LedgerEntry& entry) override;
  Status drop(const std::string& token) override;
  Result<std::vector<Server>> ready() override;
  Status record_ready(const Server& server) override;
  Status mark_gone(const Server& server) override;
  Status forget(const Server& server) override;

 private:
  Store& store_;
  HostKeyStore& keys_;
  std::mutex mu_;
};

// An SSH host key made on the HQ for a new server.
struct HostKeyPair {
  std::string private_key;   // OpenSSH private key text
  std::string public_line;   // "ssh-ed25519 AAAA... quarry-host"
};
Result<HostKeyPair> make_host_key();

class ProviderServerSource : public ServerSource {
 public:
  ProviderServerSource(Store& store, Provider& provider, HostKeyStore& keys, std::string cluster_id,
                       FleetOptions options);

  Result<ServerRecord> create(const Resources& size, const Tags& tags) override;
  Status destroy(const ServerRecord& server) override;

  // Makes a server from an explicit spec (quarry servers add); an empty
  // name gets the next q-CLUSTER-N.
  Result<ServerRecord> create_spec(ServerSpec spec);
  ServerFleet& fleet() { return fleet_; }

  // Called once a made server is recorded (before it is handed out) and once
  // a destroyed one is forgotten: a failure fails the create or destroy.
  void on_membership_change(std::function<Status()> hook) { on_change_ = std::move(hook); }

 private:
  Result<std::string> next_name();

  Store& store_;
  Provider& provider_;
  StoreServerLedger ledger_;
  ServerFleet fleet_;
  std::string cluster_id_;
  std::mutex mu_;
  int last_number_ = -1;   // -1: not read from the store yet
  std::function<Status()> on_change_;
};

// The store's record of a provider's server.
ServerRecord record_of(const Server& server);
Server server_of(const ServerRecord& record);

}  // namespace quarry
