// Names and tags of the servers quarry makes, checked against the providers'
// documented rules before any API call:
//   DigitalOcean droplet name  ^[a-zA-Z0-9]?[a-z0-9A-Z.\-]*[a-z0-9A-Z]$, at most 255
//   DigitalOcean tag           ^[a-zA-Z0-9_\-\:]+$, at most 255
//   EC2 tag key                1-128 characters, not starting with "aws:"
//   EC2 tag value              0-256 characters
// quarry also keeps every name a DNS label (it becomes the hostname), and
// tags to [A-Za-z0-9_.:=-] so one rule fits every provider.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace quarry {

// "q-CLUSTER-N": the name of the cluster's Nth server (N from 1).
std::string server_name(std::string_view cluster_id, int number);

// The largest N of the names of the form q-CLUSTER-N in `names` (0 if none).
int last_server_number(std::string_view cluster_id, const std::vector<std::string>& names);

// A server name: 1-63 characters of [a-z0-9-], not starting or ending with
// '-' (a DNS label, which satisfies DigitalOcean's and EC2's rules). Fails
// (kind User) saying what is wrong.
Status check_server_name(std::string_view name);

// A spec tag: "key" or "key=value", key 1-64 of [A-Za-z0-9_.:-] not starting
// with "aws:", value 0-128 of the same. Fails (kind User).
Status check_server_tag(std::string_view tag);

// The tag that marks a server of this cluster ("quarry-CLUSTER"), and the
// one that marks a single create ("qc-TOKEN"): both valid on every provider.
std::string cluster_tag(std::string_view base_tag, std::string_view cluster_id);
std::string create_token_tag(std::string_view token);

// A fresh create token: 24 lowercase hex characters from the OS's randomness
// (EC2 ClientToken allows 64 ASCII characters).
std::string new_create_token();

}  // namespace quarry
