// The cluster's network settings, etc/cluster.json in the store:
//   {"locknet": "on" | "off", "admit": ["203.0.113.7", "2001:db8::/64"]}
// locknet is on unless the file says "off"; `admit` lists addresses outside
// the cluster's servers that are treated as members (the HQ, a bastion).
// The local cloud's HQ address (its bridge) is admitted without being
// listed. A missing file is the defaults.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace quarry {

struct ClusterSettings {
  bool locknet = true;
  std::vector<std::string> admit;
};

inline constexpr std::string_view kClusterSettingsKey = "etc/cluster.json";

// Parses the file's text; an unknown key, a wrong type or an address that is
// neither IPv4 nor IPv6 is a User error naming it (`where` prefixes it).
Result<ClusterSettings> parse_cluster_settings(std::string_view text, const std::string& where);

// The file's text: 2-space JSON, keys sorted, a final newline.
std::string cluster_settings_json(const ClusterSettings& s);

}  // namespace quarry
