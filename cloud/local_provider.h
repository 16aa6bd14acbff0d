// The local cloud: real servers on this machine. Each server is a network
// namespace on the cluster's bridge with its own sshd (a dedicated
// unprivileged user, key logins only) and its own dockerd; the HQ reaches it
// from the host namespace over the bridge. It is the development cluster and
// the test bed. Names and addresses: cloud/local_layout.h.
//
// Needs root (namespaces, bridges, iptables, dockerd). Everything it makes is
// recorded under state_dir so that destroy() and destroy_all() can undo it,
// also after a crash half way through create().
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cloud/local_layout.h"
#include "cloud/provider.h"
#include "core/file_lock.h"

namespace quarry {

struct LocalCloudConfig {
  std::string state_dir;           // e.g. $QUARRY_HOME/cloud/local; others must be able to traverse it
  std::string cluster_id;          // 1-6 of [a-z0-9], unique on this machine
  int subnet_octet = 0;            // X of 10.77.X.0/24; 0: hashed from cluster_id, moved on if taken
  std::string authorized_key;      // an HQ's OpenSSH public key line
  std::vector<std::string> authorized_keys;  // every HQ's, with authorized_key
  std::string ssh_user = "quarry-ssh";
  std::chrono::milliseconds ready_timeout{30000};  // sshd and dockerd answering
  std::chrono::milliseconds stop_timeout{20000};   // dockerd's SIGTERM grace (it stops containers)
};

class LocalProvider : public Provider {
 public:
  explicit LocalProvider(LocalCloudConfig config);

  std::string name() const override { return "local"; }

  // Makes namespace q-<cluster>-<n> with sshd and dockerd and returns once
  // port 22 accepts TCP and `docker version` answers on its socket. The
  // returned Server has ip 10.77.X.(n+1), ssh_user, and host_key (the base64
  // ed25519 host key, for pinning); memory_mb, cpu and tags are recorded as
  // given (the grid enforces capacity). On failure everything made for it is
  // removed and the error holds the tail of the daemon's log.
  // Thread-safe and safe across processes sharing state_dir (a FileLock
  // serializes the bridge and the choice of index).
  Result<Server> create(const ServerSpec& spec) override;
  Result<Server> launch(const ServerSpec& spec) override { return create(spec); }
  // A local create undoes itself when it fails and destroy_all() finds what
  // a crash left by name, so no launch is ever half known: nothing to find.
  Result<std::optional<Server>> find_launched(const std::string&) override { return std::optional<Server>(); }

  // Stops the server's dockerd (which stops its containers) and sshd,
  // kills whatever still runs in its namespace or cgroup, unmounts what is
  // left under its directory, deletes its veth, namespace, cgroups and
  // files. Idempotent: a half-made or already gone server succeeds.
  Status destroy(const Server& server) override;

  // The servers whose records say "ready", by index.
  Result<std::vector<Server>> list() override;

  // Destroys every server of the cluster (recorded or only found by name),
  // then the bridge, the firewall rule and the cluster's state.
  Status destroy_all();

  // The cluster's names; the subnet octet is known once a server was made
  // (or read back from the cluster's state).
  LocalNames names() const;

 private:
  Result<FileLock> lock() const;
  Status prepare_cluster();                                   // under lock: user, octet, bridge, rule
  Result<LocalServerRecord> reserve(const ServerSpec& spec);   // under lock: index and first record
  Status build(LocalServerRecord& record, const LocalNames& names);  // the slow part, unlocked
  Status teardown(int index);
  Status write_keys(const LocalServerPaths& paths) const;     // the SSH user's authorized_keys
  Status write_record(const LocalServerRecord& record) const;
  std::vector<LocalServerRecord> records() const;
  LocalServerPaths paths(int index) const;
  std::string record_path(int index) const;

  LocalCloudConfig config_;
  mutable std::mutex mu_;  // guards names_.octet; the FileLock guards the records
  LocalNames names_;
};

}  // namespace quarry
