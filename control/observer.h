// Observing the servers: one `docker ps --all` filtered by quarry's stack
// label per server per pass, over the pooled SSH sessions, all servers at
// once. A server that does not answer within the timeout has no entry's
// containers and carries the error instead.
//
// Why a query per pass and not a `docker events` stream per server: a
// stream needs a long-lived channel per server that must itself be watched
// for silence (a cut link shows as no events, not as an error), so the loop
// would still need a periodic probe to tell "quiet" from "gone"; the query
// is that probe and the observation in one round trip (about 15-30 ms on a
// pooled session), and a pass's cost stays one command per server.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "control/observed.h"
#include "launcher/remote_shell.h"

namespace quarry {

struct ServerReport {
  bool answered = false;
  std::string error;                         // why not
  std::vector<ObservedContainer> containers;
};

// The argv of the per-pass query.
Argv observe_command();

// Every server, in parallel; `now_ms` stamps last_seen_ms.
std::map<std::string, ServerReport> observe_servers(RemoteShell& shell, const std::vector<ServerRecord>& servers,
                                                    std::chrono::milliseconds timeout, std::int64_t now_ms);

// The parsed `docker ps` output of one server as observed containers (pure).
Result<std::vector<ObservedContainer>> observed_from_ps(const std::string& server, const std::string& output,
                                                        std::int64_t now_ms);

}  // namespace quarry
