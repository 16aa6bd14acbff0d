// RouterConfig to nginx configuration: pure, deterministic text.
//
// One rendering is a self-contained "generation" directory:
//   nginx.conf              main config; pid, logs and temp paths are relative
//                           to the nginx prefix (-p), includes conf.d/*.conf
//                           relative to its own directory
//   conf.d/00-default.conf  default servers: 404 for unknown hosts (and a
//                           rejected TLS handshake when any domain has TLS)
//   conf.d/STACK_NODE.conf  one upstream (weighted servers) and one server
//                           block per domain of the route
// Every routed response carries `X-Quarry-Route: STACK/NODE` and every
// response `X-Quarry-Config: GENERATION`, which is how an apply verifies that
// the new configuration is the one serving.
#pragma once

#include <map>
#include <string>

#include "core/error.h"
#include "router/route_table.h"

namespace quarry {

struct RenderedConfig {
  // First 12 hex digits of the SHA-256 of the files rendered without a
  // generation: equal configs give equal generations.
  std::string generation;
  std::map<std::string, std::string> files;  // path relative to the generation dir -> content
};

// Validates `config` (see validate()) and renders it. Routes are ordered by
// upstream name, domains and upstreams sorted, so that the output depends on
// the content of `config` only. An invalid config is a User error.
Result<RenderedConfig> render_nginx(const RouterConfig& config);

}  // namespace quarry
