// Locknet rules as iptables-restore input: pure, deterministic text.
//
// Everything quarry adds lives in two chains of its own in the filter table:
//   QUARRY-LOCKNET  reached by one jump at the top of INPUT: traffic to the
//                   host itself (sshd, nginx on the router, anything the
//                   host listens on);
//   QUARRY-DOCKER   reached by one jump at the top of docker's DOCKER-USER
//                   chain (when docker made it): traffic that docker
//                   forwards to containers, i.e. published ports after
//                   docker's DNAT.
// The input is meant for `iptables-restore --noflush` (or ip6tables-restore):
// it declares and flushes only quarry's chains and rewrites them whole in one
// transaction, so no other rule of the host is touched and no half-written
// chain is ever live. The same plan renders for IPv4 and for IPv6; each
// family keeps only the peers of its own family (a family with none admits
// only the public ports).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace quarry {

enum class IpFamily { V4, V6 };
const char* to_string(IpFamily f);

struct LocknetPlan {
  std::vector<std::string> peers;         // cluster addresses, IPv4 or IPv6, optionally /prefix
  bool router = false;                    // this host is the router: router_ports are public
  std::vector<int> public_ports = {22};   // TCP ports open to everyone
  std::vector<int> router_ports = {80, 443};
  bool allow_ping = true;                 // ICMP echo requests from anywhere
  std::string chain = "QUARRY-LOCKNET";
  std::string docker_chain = "QUARRY-DOCKER";
  IpFamily family = IpFamily::V4;
};

// The rules of quarry's two chains exactly as `iptables -S` prints them
// ("-A QUARRY-LOCKNET -s 10.0.0.5/32 -j ACCEPT"), in order.
struct LocknetRules {
  std::vector<std::string> input;   // QUARRY-LOCKNET
  std::vector<std::string> docker;  // QUARRY-DOCKER
};

// What `iptables -S` says about quarry's chains on one host.
struct LocknetState {
  bool chain_exists = false;
  int jumps = 0;                      // "-A INPUT -j CHAIN"
  bool docker_user = false;           // docker's DOCKER-USER chain exists
  bool docker_chain_exists = false;
  int docker_jumps = 0;               // "-A DOCKER-USER -j DOCKER_CHAIN"
  std::vector<std::string> input_rules;   // "-A CHAIN ..." lines, in order
  std::vector<std::string> docker_rules;  // "-A DOCKER_CHAIN ..." lines
};

// QUARRY-LOCKNET: accept loopback, ESTABLISHED/RELATED, every peer of the
// plan's family (sorted, deduplicated, host bits masked), the public TCP
// ports (and the router ports when `router`), ICMP echo when `allow_ping`
// (IPv6 also neighbour discovery, without which IPv6 does not work), drop
// the rest.
// QUARRY-DOCKER: return (to docker's own rules) for ESTABLISHED/RELATED,
// for what comes from a container bridge (docker0, br-*: containers going
// out or to each other), for every peer and, on the router, for the router
// ports before DNAT; drop the rest.
// An invalid peer, port or chain name is a User error naming it.
Result<LocknetRules> render_rules(const LocknetPlan& plan);

// The restore input that brings a host from `state` to `plan`: declares,
// flushes and fills quarry's chains and brings the jumps to exactly one each
// (inserting at the top or deleting the surplus). The docker chain is only
// written when the host has DOCKER-USER (docker's chain is never declared
// here: that would flush it).
Result<std::string> render_locknet(const LocknetPlan& plan, const LocknetState& state = {});

// True when the host's chains are exactly `rules` with one jump each (the
// docker chain only counts when the host has DOCKER-USER).
bool rules_match(const LocknetRules& rules, const LocknetState& state);

// The input that undoes a lock: deletes the jumps, then flushes and deletes
// quarry's chains that exist.
Result<std::string> render_unlock(const LocknetPlan& plan, const LocknetState& state);

// Parses `iptables -S` output (the filter table) for the plan's chains.
LocknetState parse_locknet_state(const std::string& iptables_s, const LocknetPlan& plan);

// An IPv4 address or network: dotted quad, optionally "/0".."/32".
bool is_ipv4_network(std::string_view s);
// An IPv6 address or network, optionally "/0".."/128".
bool is_ipv6_network(std::string_view s);

// The network as iptables prints it back: host bits cleared, an explicit
// prefix ("10.0.0.1" -> "10.0.0.1/32", "fd00::1/64" -> "fd00::/64"), or
// nullopt when `s` is not an address of `family`.
std::optional<std::string> canonical_network(std::string_view s, IpFamily family);

// A chain name quarry may own: 1-28 of [A-Za-z0-9_-], not starting with '-'.
bool is_chain_name(std::string_view s);

}  // namespace quarry
