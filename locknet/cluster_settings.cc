#include "locknet/cluster_settings.h"

#include <nlohmann/json.hpp>

#include "locknet/iptables_render.h"

namespace quarry {

Result<ClusterSettings> parse_cluster_settings(std::string_view text, const std::string& where) {
  if (text.size() > 64 * 1024) return fail(where + ": larger than 64 KiB");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    return fail(where + ": not JSON: " + e.what());
  }
  if (!j.is_object()) return fail(where + ": expected an object such as {\"locknet\": \"on\"}");
  ClusterSettings s;
  for (const auto& [key, value] : j.items()) {
    if (key == "locknet") {
      if (value != "on" && value != "off") return fail(where + ": locknet must be \"on\" or \"off\"");
      s.locknet = value == "on";
    } else if (key == "admit") {
      if (!value.is_array() || value.size() > 256) return fail(where + ": admit must be a list of at most 256 addresses");
      for (const auto& a : value) {
        if (!a.is_string() || (!is_ipv4_network(a.get<std::string>()) && !is_ipv6_network(a.get<std::string>())))
          return fail(where + ": admit: " + a.dump() + " is not an IPv4 or IPv6 address or network");
        s.admit.push_back(a.get<std::string>());
      }
    } else {
      return fail(where + ": unknown key '" + key + "' (known: admit, locknet)");
    }
  }
  return s;
}

std::string cluster_settings_json(const ClusterSettings& s) {
  nlohmann::json j = {{"locknet", s.locknet ? "on" : "off"}, {"admit", s.admit}};
  return j.dump(2) + "\n";
}

}  // namespace quarry
