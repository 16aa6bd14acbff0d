// The local cloud's network plumbing, as argv builders (pure, golden-tested)
// and the steps that run them: the cluster's bridge with the HQ's address on
// it, a server's namespace and veth, and the host firewall rule that lets
// bridge traffic pass when a host dockerd has set FORWARD to DROP.
// Every step is idempotent: making what exists and removing what is gone
// both succeed.
#pragma once

#include <string>
#include <vector>

#include "cloud/local_layout.h"
#include "core/error.h"
#include "core/quote.h"

namespace quarry {

// iptables -w OP FORWARD -i BR -o BR -m comment --comment quarry:BR -j ACCEPT
// OP is -C (check), -I (insert) or -D (delete).
Argv forward_rule_argv(const std::string& op, const std::string& bridge);

// The commands that join namespace `index` to the bridge and address it.
std::vector<Argv> server_link_argvs(const LocalNames& names, int index);

bool link_exists(const std::string& name);
bool netns_exists(const std::string& name);

// Names in /run/netns and /sys/class/net starting with `prefix`.
std::vector<std::string> netns_with_prefix(const std::string& prefix);
std::vector<std::string> links_with_prefix(const std::string& prefix);

// True when some interface other than `own_bridge` has an address in
// 10.77.octet.0/24 (another cluster, or anything else on this machine).
bool subnet_in_use(int octet, const std::string& own_bridge);

// The bridge, up, with the gateway address. Idempotent.
Status ensure_bridge(const LocalNames& names);
Status remove_bridge(const LocalNames& names);

// The FORWARD accept rule for the bridge. Idempotent.
Status ensure_forward_rule(const std::string& bridge);
Status remove_forward_rule(const std::string& bridge);

// Namespace, veth, addresses, loopback and default route for server `index`.
// Not idempotent on its own: the caller removes leftovers first.
Status add_server_link(const LocalNames& names, int index);
// Deletes the veth and the namespace when they exist.
Status remove_server_link(const LocalNames& names, int index);

}  // namespace quarry
