// Locknet rules as iptables-restore input: pure, deterministic text.
//
// Everything quarry adds lives in its own chain (QUARRY-LOCKNET by default)
// in the filter table, reached by one jump at the top of INPUT. The input is
// meant for `iptables-restore --noflush`: it declares and flushes only that
// chain and rewrites it whole in one transaction, so no other rule of the
// host is touched and no half-written chain is ever live. IPv4 only.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"

namespace quarry {

struct LocknetPlan {
  std::vector<std::string> peers;         // cluster addresses: IPv4, optionally /prefix
  bool router = false;                    // this host is the router: router_ports are public
  std::vector<int> public_ports = {22};   // TCP ports open to everyone
  std::vector<int> router_ports = {80, 443};
  bool allow_ping = true;                 // ICMP echo requests from anywhere
  std::string chain = "QUARRY-LOCKNET";
};

// Renders the filter-table input: declare and flush `chain`, accept loopback,
// ESTABLISHED/RELATED, every peer (sorted, deduplicated), the public TCP
// ports (and the router ports when `router`), ICMP echo when `allow_ping`,
// drop the rest. `existing_jumps` is how many `-A INPUT -j CHAIN` rules the
// host has now; the same transaction brings that to exactly one (inserting
// `-I INPUT 1 -j CHAIN` or deleting the surplus).
// An invalid peer, port or chain name is a User error naming it.
Result<std::string> render_locknet(const LocknetPlan& plan, int existing_jumps = 1);

// The input that undoes a lock: deletes `jumps` INPUT jumps to `chain`, then
// flushes and deletes the chain when `chain_exists`.
Result<std::string> render_unlock(const std::string& chain, int jumps, bool chain_exists);

// An IPv4 address or network: dotted quad, optionally "/0".."/32".
bool is_ipv4_network(std::string_view s);

// A chain name quarry may own: 1-28 of [A-Za-z0-9_-], not starting with '-'.
bool is_chain_name(std::string_view s);

}  // namespace quarry
