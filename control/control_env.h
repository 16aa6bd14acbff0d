// The control plane's environment, leveldb Env-style: everything the
// reconcile loop and a deploy reach outside their own memory, handed in by
// the composition root (cli/) so that a test swaps or faults any part.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "control/observed.h"
#include "grid/clock.h"
#include "launcher/image_shipper.h"
#include "launcher/prober.h"
#include "launcher/remote_shell.h"
#include "launcher/seams.h"
#include "store/store.h"

namespace quarry {

// What one pass saw of the whole cluster, handed to every PassHook.
struct ClusterView {
  std::int64_t now_ms = 0;
  std::vector<ServerRecord> servers;
  std::map<std::string, ServerHealth> health;  // by server id
  // The quarry-labelled containers each answering server reported.
  std::map<std::string, std::vector<ObservedContainer>> containers;
};

// A piece of work that runs once per pass after the stacks were reconciled:
// re-applying firewall rules and replicated config, leak checks of the
// cloud's resources. A failing hook is reported as an event and never stops
// the pass. Called from the loop's thread only.
class PassHook {
 public:
  virtual ~PassHook() = default;
  virtual std::string name() const = 0;
  virtual Status on_pass(const ClusterView& view) = 0;
};

struct ControlEnv {
  const Clock* clock = nullptr;
  Store* store = nullptr;
  RemoteShell* shell = nullptr;      // reaches the servers (pooled SSH sessions)
  Placer* placer = nullptr;          // the grid; creates servers through its ServerSource
  RouterHook* router = nullptr;      // null: nothing routes
  Prober* prober = nullptr;          // null: health probes come from the HQ
  // Gets a replica's image onto the server it moves to (from the HQ engine,
  // else from a server that holds it). Null: the server must have it.
  ImageShipper* shipper = nullptr;
  // Periodic grid housekeeping (GridPlacer::tick): empty autosized servers
  // above min are given back after the grid's hysteresis. Empty: none.
  std::function<Status()> grid_tick;
  // Redeploys a stack's live release as a new release through the
  // zero-downtime path (a deploy's own steps, taking the stack's lock),
  // saying why; returns the new release's number. Used when node replicas
  // dial a service's old address (link_refresh.h). Empty: such replicas are
  // reported, not refreshed.
  std::function<Result<int>(const std::string& stack, const std::string& why)> redeploy;
  std::vector<PassHook*> hooks;
};

}  // namespace quarry
