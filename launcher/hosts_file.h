// The cluster's hosts file, kept on every server as ROOT/hosts and handed to
// containers: every server's name and address, and SERVICE.STACK.quarry for
// each service pointing at the server it runs on. Pure.
#pragma once

#include <string>
#include <vector>

#include "store/records.h"

namespace quarry {

// "counter.hello.quarry" for service counter of stack hello.
std::string service_host_name(const std::string& stack, const std::string& service);

// One "ADDRESS NAME" entry.
struct HostEntry {
  std::string address;
  std::string name;
};

// Servers (by id, and by name when it differs) then services, each group
// sorted by name. Names that are not valid host names and services on a
// server not in `servers` are left out; a service with replicas on several
// servers takes the lowest replica's server.
std::vector<HostEntry> cluster_hosts(const std::vector<ServerRecord>& servers,
                                     const std::vector<ContainerRecord>& containers);

// The file: a header line, then "ADDRESS<TAB>NAME" lines.
std::string render_hosts(const std::vector<HostEntry>& entries);

}  // namespace quarry
