// The typed state quarry keeps about a cluster, and where each record lives:
//   servers/ID/settings.json (+ id, ip, hostname as plain files)
//   stacks/APP/containers.json   what runs where, kept true after each step
//   stacks/APP/releases/N.json   one per deploy
// Conversions to and from JSON are exact round trips; a document missing a
// required field is an error naming the file.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/store.h"

namespace quarry {

struct ServerRecord {
  std::string id;
  std::string name;
  std::string provider;      // local, digitalocean, ec2, manual
  std::string provider_ref;  // the provider's own id
  std::string ip;
  int ssh_port = 22;
  std::string ssh_user = "root";
  int memory_mb = 0;
  double cpu = 0;
  std::vector<std::string> tags;
  std::int64_t created_at = 0;  // unix seconds
  bool has_tag(const std::string& tag) const;
};

struct ContainerRecord {
  std::string stack;
  std::string node;          // service or node name
  bool service = false;
  int index = 0;             // replica number, 1-based
  int release = 0;
  std::string server;        // ServerRecord::id, or "local"
  std::string name;          // docker container name
  std::string id;            // docker container id
  std::string image;
  int host_port = 0;         // published port on the server, 0 when none
  int container_port = 0;
  int weight = 0;            // router weight; 0 means "not receiving traffic"
  int memory_mb = 0;
  double cpu = 0;
  std::string state;         // running, exited, starting, ...
  std::int64_t started_at = 0;
  // The address of each linked service the container was given as
  // NAME_HOST/NAME_PORT ("service" -> "HOST:PORT"), so the control loop can
  // tell a node whose services moved since it started. Empty in records
  // written before quarry kept it (and for services without links).
  std::map<std::string, std::string> links;
};

struct ReleaseRecord {
  int number = 0;
  std::string stack;
  std::string commit;                          // empty when deployed from a directory
  std::map<std::string, std::string> images;   // process name -> image id
  std::string manifest_hash;
  std::string env_hash;
  std::int64_t created_at = 0;
  std::string by;                              // user or key name
  std::string status;                          // deployed, failed, rolled-back, canary
  nlohmann::json spec;                         // the compiled Stack, for rollback
};

nlohmann::json to_json(const ServerRecord& r);
nlohmann::json to_json(const ContainerRecord& r);
nlohmann::json to_json(const ReleaseRecord& r);
Result<ServerRecord> server_from_json(const nlohmann::json& j);
Result<ContainerRecord> container_from_json(const nlohmann::json& j);
Result<ReleaseRecord> release_from_json(const nlohmann::json& j);

// Servers.
Result<std::vector<ServerRecord>> load_servers(Store& store);
Result<std::optional<ServerRecord>> load_server(Store& store, const std::string& id);
Status save_server(Store& store, const ServerRecord& r);
Status remove_server(Store& store, const std::string& id);

// Containers of a stack ("what runs where").
Result<std::vector<std::string>> list_stacks(Store& store);
Result<std::vector<ContainerRecord>> load_containers(Store& store, const std::string& stack);
Status save_containers(Store& store, const std::string& stack, const std::vector<ContainerRecord>& records);
// The text save_containers writes: put_json's layout of the array of
// to_json(record), written directly (json_text.h).
std::string containers_text(const std::vector<ContainerRecord>& records);

// Routed domains of a stack, as (domain, node) pairs, sorted.
using RouteList = std::vector<std::pair<std::string, std::string>>;
Result<RouteList> load_routes(Store& store, const std::string& stack);
Status save_routes(Store& store, const std::string& stack, const RouteList& routes);

// Releases, oldest first.
Result<std::vector<ReleaseRecord>> load_releases(Store& store, const std::string& stack);
Status save_release(Store& store, const ReleaseRecord& r);

}  // namespace quarry
