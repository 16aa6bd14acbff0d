// Pure parsers for docker's output: `docker ps --format '{{json .}}'`,
// `docker inspect`, `docker image inspect` and `docker volume ls --format
// '{{json .}}'`, as printed by the 20.10 and 28.x clients. No I/O; errors
// (kind Remote: the output came from a server) say where the input broke.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace quarry {

struct PortBinding {
  std::string host_ip;     // "0.0.0.0", "::", "127.0.0.1"; empty when not published
  int host_port = 0;       // 0 when not published
  int container_port = 0;
  std::string protocol;    // "tcp" or "udp"
  bool operator==(const PortBinding&) const = default;
};

struct ContainerInfo {
  std::string id;          // full id (ps with --no-trunc, or inspect)
  std::string name;        // without docker's leading '/'
  std::string image;       // the reference it was started from
  std::string image_id;    // "sha256:..."; inspect only
  std::string state;       // "created", "running", "exited", "restarting", ...
  std::string status;      // ps only: "Up 3 seconds", "Exited (3) 1 second ago"
  bool running = false;
  int exit_code = 0;       // from inspect, or from an "Exited (N)" status
  std::string created_at;  // as docker prints it
  std::string started_at;  // inspect only, RFC 3339
  std::string finished_at; // inspect only, RFC 3339
  std::string health;      // inspect only: "healthy", "unhealthy", "starting"; empty: no check
  std::map<std::string, std::string> labels;
  std::vector<PortBinding> ports;
  std::map<std::string, std::string> networks;  // network name to IP address (inspect; ps: names only)
};

// One container per non-empty line. `docker ps` prints labels as one
// "k=v,k2=v2" string, so a label value holding ',' is read back wrongly
// there; parse_docker_inspect is exact. quarry's own labels hold no ','.
Result<std::vector<ContainerInfo>> parse_docker_ps(std::string_view output);

// The JSON array `docker inspect --type container` prints.
Result<std::vector<ContainerInfo>> parse_docker_inspect(std::string_view output);

// The Ports column of docker ps: "127.0.0.1:8080->80/tcp, [::]:8080->80/tcp,
// 443/tcp"; ranges ("8000-8001->8000-8001/tcp") are expanded.
Result<std::vector<PortBinding>> parse_ps_ports(std::string_view text);

struct ImageInfo {
  std::string id;                         // "sha256:..."
  std::vector<std::string> tags;          // RepoTags
  std::vector<std::string> digests;       // RepoDigests
  std::string created;
  std::int64_t size = 0;                  // bytes
};
Result<std::vector<ImageInfo>> parse_image_inspect(std::string_view output);

struct VolumeInfo {
  std::string name;
  std::string driver;
  std::map<std::string, std::string> labels;
};
// One volume per non-empty line of `docker volume ls --format '{{json .}}'`.
Result<std::vector<VolumeInfo>> parse_volume_ls(std::string_view output);

}  // namespace quarry
