// The seam to whatever makes servers: the local provider (network namespaces
// on this machine), DigitalOcean and EC2. The grid's create/destroy events
// end here, through ServerFleet (server_fleet.h), which records every create
// before it starts and never loses track of a server it may have made.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace quarry {

struct ServerSpec {
  ServerSpec() = default;
  ServerSpec(std::string n, int memory, double cores, std::vector<std::string> t = {})
      : name(std::move(n)), memory_mb(memory), cpu(cores), tags(std::move(t)) {}

  std::string name;                 // a DNS label (server_names.h); providers may add a suffix
  int memory_mb = 1024;
  double cpu = 1.0;
  std::vector<std::string> tags;    // "role=router", ...
  std::string size;                 // a provider size slug; empty: the smallest fitting memory/cpu
  std::string token;                // the create token: the same token never makes two servers
  std::string host_key_private;     // the server's SSH host key, made on the HQ (cloud-init ssh_keys)
  std::string host_key_public;      // "ssh-ed25519 AAAA..."; pinned before the first connection
};

struct Server {
  std::string id;                   // unique, stable; the store key under servers/
  std::string name;
  std::string provider;             // "local", "digitalocean", "ec2", "manual"
  std::string ip;                   // address the HQ reaches it on
  int ssh_port = 22;
  std::string ssh_user = "root";
  int memory_mb = 0;
  double cpu = 0;
  std::vector<std::string> tags;
  std::string host_key;             // pinned SSH host key (base64), may be empty until first contact
  std::string provider_ref;         // the provider's own id (droplet id, instance id, namespace)
  std::string size;                 // the provider's size slug, when it has one
  std::string status;               // the provider's word for its state ("active", "running", ...)
};

// A size the provider sells, with its price.
struct SizePrice {
  std::string slug;
  int memory_mb = 0;
  double cpu = 0;
  double monthly_usd = 0;
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::string name() const = 0;
  // Makes a server and returns once it accepts SSH: launch(), then
  // wait_ready(). Errors are kind Remote. Never destroys what it made.
  virtual Result<Server> create(const ServerSpec& spec);
  // Asks for a server and returns as soon as the provider accepted it (its
  // provider_ref known, its address maybe not yet). The same spec.token never
  // makes two servers: a retry after an unknown outcome finds the first.
  virtual Result<Server> launch(const ServerSpec& spec) = 0;
  // Waits until a launched server has an address and accepts SSH. A failure
  // (a poll error, a timeout) leaves the server alone: it may be healthy.
  virtual Result<Server> wait_ready(const Server& server) { return server; }
  // The server a launch with `token` made, or nullopt when there is none
  // (checked with the provider, not guessed).
  virtual Result<std::optional<Server>> find_launched(const std::string& token) = 0;
  // Destroys the server and everything the provider made for it. Destroying
  // a server that is already gone succeeds.
  virtual Status destroy(const Server& server) = 0;
  // The servers this provider knows it made for this cluster.
  virtual Result<std::vector<Server>> list() = 0;
  // Changes a server's size to `size` (a slug of sizes()); the server is
  // running again when it returns. Its disk and address stay.
  virtual Result<Server> resize(const Server& server, const std::string& size);
  // The sizes on sale with their monthly price.
  virtual Result<std::vector<SizePrice>> sizes();
};

}  // namespace quarry
