// The names, addresses and files of the local cloud, as pure functions: what
// a cluster's bridge, namespaces and veths are called, where a server's files
// live, its sshd_config, and its record (one JSON file per server).
//
// A cluster "abc" with subnet octet X has the bridge qbr-abc at 10.77.X.1/24;
// its server n (1..250) is the namespace q-abc-n at 10.77.X.(n+1), joined to
// the bridge by the veth qv-abc-n (host side; eth0 inside), with its own
// dockerd whose containers use 10.79.n.0/24. Interface names stay within the
// kernel's 15 characters because cluster ids have at most 6 characters.
#pragma once

#include <string>
#include <vector>
#include <string_view>

#include "cloud/provider.h"
#include "core/error.h"

namespace quarry {

constexpr int kLocalMaxServers = 250;

// Cluster ids: 1-6 of [a-z0-9]. Fails (kind User) naming the rule.
Status check_cluster_id(std::string_view id);

// The subnet octet X a cluster id hashes to (1..250, FNV-1a).
int default_subnet_octet(std::string_view cluster_id);

struct LocalNames {
  std::string cluster_id;
  int octet = 0;          // X in 10.77.X.0/24

  std::string bridge() const { return "qbr-" + cluster_id; }
  std::string netns(int index) const { return "q-" + cluster_id + "-" + std::to_string(index); }
  std::string veth(int index) const { return "qv-" + cluster_id + "-" + std::to_string(index); }
  std::string peer(int index) const { return "qp-" + cluster_id + "-" + std::to_string(index); }
  std::string gateway() const { return "10.77." + std::to_string(octet) + ".1"; }
  std::string ip(int index) const { return "10.77." + std::to_string(octet) + "." + std::to_string(index + 1); }
  // A fixed MAC per address (02:00 + the IPv4 octets), so that ARP caches
  // on the host and the other servers stay right when an index is reused.
  std::string mac(int index) const;
  std::string docker_bip(int index) const { return "10.79." + std::to_string(index) + ".1/24"; }
  std::string cgroup_parent(int index) const { return "docker-" + netns(index); }
  // The namespace prefix "q-abc-", to find leftovers.
  std::string netns_prefix() const { return "q-" + cluster_id + "-"; }
  std::string veth_prefix() const { return "qv-" + cluster_id + "-"; }
};

// The index n of a namespace named q-<cluster>-n, or 0 when it is not one.
int netns_index(const LocalNames& names, std::string_view netns);
// The namespace index for a new server, given the indexes in use (used[i],
// i in 1..kLocalMaxServers): the one its name asks for (a server named like
// one of this cluster's namespaces), when free, so that its id and its name
// agree even when servers are added at once; else the lowest free one; 0
// when none is free.
int pick_index(const LocalNames& names, const std::vector<bool>& used, std::string_view name);

// The files of one server, all under its directory.
struct LocalServerPaths {
  std::string dir;
  std::string sshd_config() const { return dir + "/sshd_config"; }
  std::string host_key() const { return dir + "/ssh_host_ed25519_key"; }
  // Owned by the SSH user, so the HQ that leads can rewrite the keys over
  // SSH like on any other server (server_keys.h).
  std::string ssh_dir() const { return dir + "/ssh"; }
  std::string authorized_keys() const { return ssh_dir() + "/authorized_keys"; }
  std::string sshd_pid() const { return dir + "/sshd.pid"; }
  std::string sshd_log() const { return dir + "/sshd.log"; }
  std::string docker_data() const { return dir + "/docker/data"; }
  std::string docker_exec() const { return dir + "/docker/exec"; }
  std::string docker_pid() const { return dir + "/docker.pid"; }
  std::string docker_spawned_pid() const { return dir + "/docker.spawned"; }
  std::string docker_sock() const { return dir + "/docker.sock"; }
  std::string docker_log() const { return dir + "/docker.log"; }
  // The longest unix socket path under the directory (containerd's ttrpc
  // socket); must fit sun_path (107 bytes).
  std::string longest_socket() const { return docker_exec() + "/containerd/containerd.sock.ttrpc"; }
};

struct SshdSettings {
  std::string listen_ip;
  std::string ssh_user;
  LocalServerPaths paths;
};

// The server's sshd_config: key logins for `ssh_user` only, its own host
// key, pid file and authorized_keys, DOCKER_HOST pointing at its dockerd and
// QUARRY_AUTHORIZED_KEYS at that authorized_keys.
std::string render_sshd_config(const SshdSettings& s);

// A server record as stored in <state_dir>/servers/<netns>.json.
struct LocalServerRecord {
  Server server;           // id == provider_ref == the namespace name
  int index = 0;
  std::string state;       // "creating" or "ready"
};

std::string record_to_json(const LocalServerRecord& r);
// Fails (kind Remote) on malformed JSON, naming what is wrong.
Result<LocalServerRecord> record_from_json(std::string_view text);

}  // namespace quarry
