// The router's model: which domains go to which backends. Built by the
// deploy from the placed web containers and the manifest's domains; turned
// into nginx configuration by nginx_render and applied by NginxRouter.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace quarry {

// One backend of a route: a server address and the port a web container
// publishes there. `weight` splits traffic between backends (canary deploys
// run a new release beside the old one with a small weight).
struct Upstream {
  std::string address;  // IPv4 dotted quad or host name
  int port = 0;         // 1..65535
  int weight = 1;       // 1..1000
};

// The web node `node` of stack `stack`, reachable under `domains`. A route
// with no upstreams answers 503 (the node is scaled to zero or not started).
struct Route {
  std::string stack;
  std::string node;
  std::vector<std::string> domains;
  std::vector<Upstream> upstreams;
};

// Certificate and key files for one domain, as absolute paths on the router.
// The operator places them there; quarry never copies keys.
struct TlsCert {
  std::string certificate;
  std::string key;
};

struct RouterConfig {
  std::vector<Route> routes;
  std::map<std::string, TlsCert> tls;  // domain -> files on the router
  int max_body_mb = 64;                // client_max_body_size
  int listen_port = 80;
  int tls_port = 443;
  std::string listen_address;          // empty: every address; else an IPv4 address
  bool https_redirect = false;         // TLS domains answer plain HTTP with a 301
  int connect_timeout_s = 1;           // proxy_connect_timeout, before retrying the next backend
  std::string user;                    // nginx `user` for workers; empty: nginx's default
};

// Checks every name, address, port and path that would reach the nginx
// configuration: stack and node names (DNS labels: [a-z0-9-], 1-63, starting
// and ending alphanumeric), domains (lower-case host names, each in at most one route),
// upstream addresses (IPv4 or host name), ports, weights, TLS files
// (absolute paths of [A-Za-z0-9._/+@-], no "..") naming routed domains.
// Returns the first problem as a User error naming the route or domain.
Status validate(const RouterConfig& config);

// The nginx upstream name of a route: "STACK_NODE" (qualified_name,
// core/names.h: unambiguous, since neither name holds '_'). It also names
// the route's file, conf.d/STACK_NODE.conf.
std::string upstream_name(const Route& route);

// An IPv4 address in dotted-quad form (four decimal octets, no leading zeros).
bool is_ipv4(std::string_view s);

// An absolute path of [A-Za-z0-9._/+@-] without "..": safe to write into an
// nginx config and onto a command line as it is.
bool is_plain_path(std::string_view s);

}  // namespace quarry
