// Makes the store's books of a stack match what the servers really run, so
// that a launch re-run after a crash (or after a container was removed by
// hand) converges:
//   - a record whose container is gone or stopped is dropped and its slice
//     released (the launch that follows starts a replacement);
//   - a container with the stack's labels that no record knows (started by a
//     launch that died before recording it) is removed, except a stopped
//     service container, which the next ENSURE takes the volumes of;
//   - a grid slice of the stack that no record holds (placed by a launch
//     that died before recording its container) is released.
// Records and containers are matched by container id (by name for records
// written before ids were kept), never by a name prefix. Runs under the
// stack's deploy lock: no launch of the stack is under way.
// Servers that do not answer are reported and their records kept as they
// are: quarry never forgets a container it cannot see.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "launcher/remote_shell.h"
#include "launcher/seams.h"
#include "store/records.h"

namespace quarry {

struct ReconcileReport {
  std::vector<std::string> dropped;      // records whose container was gone
  std::vector<std::string> removed;      // unknown containers removed
  std::vector<std::string> released;     // slice ids without a record, released
  std::vector<std::string> unreachable;  // "s3: connect: ..." per server
  std::vector<std::string> unreachable_ids;  // the same servers' ids
  // In the running containers kept: image ids and networks, by server id.
  std::map<std::string, std::set<std::string>> images_on;
  std::map<std::string, std::set<std::string>> networks_on;
  // Services of the stack with a container (in any state) on an answering
  // server, as the check saw them: the only ones whose next start can find
  // an earlier container to take the volumes of (LaunchOptions::earlier_services).
  std::set<std::string> service_containers;
};

Result<ReconcileReport> reconcile(Store& store, RemoteShell& shell, Placer& placer, const std::string& stack,
                                  const std::vector<ServerRecord>& servers);

}  // namespace quarry
