// ServerSource over a cloud Provider: a server it makes is recorded in the
// store and its host key pinned (the provider read it from the new server),
// so the first SSH connection is already verified.
#pragma once

#include <functional>

#include "cloud/provider.h"
#include "launcher/host_keys.h"
#include "launcher/seams.h"

namespace quarry {

class ProviderServerSource : public ServerSource {
 public:
  ProviderServerSource(Store& store, Provider& provider, HostKeyStore& keys)
      : store_(store), provider_(provider), keys_(keys) {}

  Result<ServerRecord> create(const Resources& size, const Tags& tags) override;
  Status destroy(const ServerRecord& server) override;

  // Makes a server from an explicit spec (quarry servers add).
  Result<ServerRecord> create_spec(const ServerSpec& spec);

  // Called once a made server is recorded (before it is handed out) and once
  // a destroyed one is forgotten: a failure fails the create or destroy.
  void on_membership_change(std::function<Status()> hook) { on_change_ = std::move(hook); }

 private:
  Store& store_;
  Provider& provider_;
  HostKeyStore& keys_;
  std::function<Status()> on_change_;
};

// The store's record of a provider's server.
ServerRecord record_of(const Server& server);
Server server_of(const ServerRecord& record);

}  // namespace quarry
