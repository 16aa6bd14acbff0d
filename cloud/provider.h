// The seam to whatever makes servers: the local provider (network namespaces
// on this machine), DigitalOcean and EC2. The grid's create/destroy events
// end here.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"

namespace quarry {

struct ServerSpec {
  std::string name;                 // DNS label; providers may add a suffix
  int memory_mb = 1024;
  double cpu = 1.0;
  std::vector<std::string> tags;    // "role=router", ...
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
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::string name() const = 0;
  // Makes a server and returns once it accepts SSH. Errors are kind Remote.
  virtual Result<Server> create(const ServerSpec& spec) = 0;
  // Destroys the server and everything the provider made for it. Destroying
  // a server that is already gone succeeds.
  virtual Status destroy(const Server& server) = 0;
  // The servers this provider knows it made.
  virtual Result<std::vector<Server>> list() = 0;
};

}  // namespace quarry
