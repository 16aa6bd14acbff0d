// Network namespaces on one bridge, made for a test and removed with it:
// "hosts" that locknet can lock, and sockets opened inside them. Names are
// unique per process; the subnet is a free 10.77.X.0/24 with X in 240..254.
// The host's FORWARD chain gets one ACCEPT rule for the bridge (dockerd may
// have set the policy to DROP); the destructor removes it, the namespaces
// (and with them the veths and their iptables rules) and the bridge.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "core/error.h"

namespace quarry::testing {

enum class Reach { Connected, Refused, TimedOut, Failed };
const char* to_string(Reach r);

// A TCP socket made inside namespace `ns` (by a short-lived thread).
Result<int> socket_in_netns(const std::string& ns);
// Connects from namespace `ns` to ip:port within `timeout`.
Reach connect_from(const std::string& ns, const std::string& ip, int port, std::chrono::milliseconds timeout);
// A socket listening on `port` (all addresses) inside `ns`; the caller closes it.
Result<int> listen_in(const std::string& ns, int port);

// One namespace joined to an existing bridge (a cluster's, say) with one
// address and optionally a fixed MAC: a host outside the cluster, or a
// stand-in for a server that left. The destructor removes it.
class BridgeGuest {
 public:
  BridgeGuest() = default;
  ~BridgeGuest();
  BridgeGuest(const BridgeGuest&) = delete;
  BridgeGuest& operator=(const BridgeGuest&) = delete;
  // `cidr` is "10.77.5.250/24".
  Status create(const std::string& bridge, const std::string& cidr, const std::string& mac = "");
  const std::string& ns() const { return ns_; }

 private:
  std::string ns_;
};

class NetnsLab {
 public:
  NetnsLab() = default;
  ~NetnsLab();
  NetnsLab(const NetnsLab&) = delete;
  NetnsLab& operator=(const NetnsLab&) = delete;

  // Creates the bridge and `count` namespaces, each with one address.
  Status create(int count);

  const std::string& ns(int i) const { return namespaces_.at(static_cast<std::size_t>(i)); }
  const std::string& ip(int i) const { return addresses_.at(static_cast<std::size_t>(i)); }
  int size() const { return static_cast<int>(namespaces_.size()); }

  // A TCP socket listening on `port` inside namespace i (fd; closed by the lab).
  Result<int> listen(int i, int port);
  // Connects from namespace `from` to ip:port within `timeout`.
  Reach connect(int from, const std::string& ip, int port, std::chrono::milliseconds timeout);

 private:
  Status run(const std::vector<std::string>& argv);
  Result<int> socket_in(int i);

  std::string tag_;
  std::string bridge_;
  std::vector<std::string> namespaces_;
  std::vector<std::string> addresses_;
  std::vector<int> fds_;
  bool bridge_made_ = false;
  bool forward_rule_ = false;
};

}  // namespace quarry::testing
