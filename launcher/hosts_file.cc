#include "launcher/hosts_file.h"

#include <algorithm>
#include <map>

#include "core/text.h"

namespace quarry {

std::string service_host_name(const std::string& stack, const std::string& service) {
  return service + "." + stack + ".quarry";
}

std::vector<HostEntry> cluster_hosts(const std::vector<ServerRecord>& servers,
                                     const std::vector<ContainerRecord>& containers) {
  std::map<std::string, std::string> ip_of;
  std::map<std::string, std::string> by_server;
  for (const auto& s : servers) {
    ip_of[s.id] = s.ip;
    if (is_host_name(s.id)) by_server[s.id] = s.ip;
    if (!s.name.empty() && is_host_name(s.name)) by_server[s.name] = s.ip;
  }
  std::map<std::string, std::pair<int, std::string>> services;  // name -> (replica, address)
  for (const auto& c : containers) {
    auto ip = ip_of.find(c.server);
    if (!c.service || ip == ip_of.end()) continue;
    auto name = service_host_name(c.stack, c.node);
    if (!is_host_name(name)) continue;
    auto it = services.find(name);
    if (it == services.end() || c.index < it->second.first) services[name] = {c.index, ip->second};
  }
  std::vector<HostEntry> out;
  for (const auto& [name, ip] : by_server) out.push_back({ip, name});
  for (const auto& [name, at] : services) out.push_back({at.second, name});
  return out;
}

std::string render_hosts(const std::vector<HostEntry>& entries) {
  std::string out = "# the cluster's servers and services, written by quarry: do not edit\n";
  for (const auto& e : entries) out += e.address + "\t" + e.name + "\n";
  return out;
}

}  // namespace quarry
