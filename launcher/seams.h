// The launcher's narrow views of the parts it drives but does not own. The
// CLI (the composition root) implements them over the cloud providers, the
// grid and the router.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "grid/resources.h"
#include "grid/slice.h"
#include "store/records.h"

namespace quarry {

// Makes and removes servers for the grid (its create/destroy events).
class ServerSource {
 public:
  virtual ~ServerSource() = default;
  // A new server of at least `size` carrying `tags`, already recorded in the
  // store (servers/ID) with its host key trusted for first contact.
  virtual Result<ServerRecord> create(const Resources& size, const Tags& tags) = 0;
  // Gives the server back and forgets it.
  virtual Status destroy(const ServerRecord& server) = 0;
};

// Decides where a container runs.
class Placer {
 public:
  virtual ~Placer() = default;
  // The id of the server that now holds `slice`. Fails when no server can
  // take it (and none could be made), naming the slice and what it needs.
  virtual Result<std::string> place(const Slice& slice) = 0;
  // Frees a slice; an unknown id succeeds (already released).
  virtual Status release(const std::string& slice_id) = 0;
  // The ids of the placed or pending slices whose id starts with `prefix`
  // ("blog/" for a stack's). A placer that keeps no books has none.
  virtual Result<std::vector<std::string>> slices(const std::string& prefix) {
    (void)prefix;
    return std::vector<std::string>{};
  }
  // place(), never on a server in `avoid` (down, suspect or unreachable).
  // The default asks place() and gives back a slot it should not have.
  virtual Result<std::string> place_avoiding(const Slice& slice, const std::set<std::string>& avoid) {
    auto placed = place(slice);
    if (!placed || !avoid.count(*placed)) return placed;
    (void)release(slice.id);
    return fail_remote("no server but " + *placed + " (not up) can take " + slice.id);
  }
};

// Keeps the router in step with what runs: called after every change to
// the containers or routes of a stack.
class RouterHook {
 public:
  virtual ~RouterHook() = default;
  virtual Status sync() = 0;
  // Makes `routes` the routes of `stack` in `store`, refused (changing
  // nothing) when another stack routes one of the domains. A router of its
  // own saves them only once it serves them, so no other stack's update
  // ever renders routes the router refused. This default, for hooks that
  // render nothing that can be refused, saves (checked) and then syncs,
  // putting the old routes back when the sync fails.
  virtual Status set_routes(Store& store, const std::string& stack, const RouteList& routes);
};

// Tags written as "key=value" (or a bare "key") in manifests and server
// records, as the grid's map.
inline Tags parse_tags(const std::vector<std::string>& list) {
  Tags out;
  for (const auto& t : list) {
    auto eq = t.find('=');
    out[t.substr(0, eq)] = eq == std::string::npos ? "" : t.substr(eq + 1);
  }
  return out;
}

// How a server is reached.
inline std::string server_label(const ServerRecord& s) { return s.id + " (" + s.ip + ")"; }

}  // namespace quarry
