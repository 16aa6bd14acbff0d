// Resizing a server with no downtime for its nodes (`quarry servers resize`):
//   1. checks, changing nothing: the server's services fit the new size, and
//      every node replica on it belongs to a live release;
//   2. moves each node replica elsewhere through the grid (the server is
//      avoided; with autosize the grid may ask for a new one): the new
//      container starts on another server under a spare index, is
//      health-gated and takes traffic beside the old one; after the drain
//      time the old one stops, and the new one takes the old index (record
//      and grid slice), so the stack's replicas stay 1..scale;
//   3. resizes the server (the caller's `resize`: the provider's resize, the
//      server powered off and on) once no node is left on it; services stay
//      and are started again after, and its record and grid block take the
//      new size, so the grid uses it again.
// Each stack's moves hold its deploy lock. A failure before step 3 leaves
// the server as it was (replicas already moved stay moved, healthy); a
// service that does not start again is left to the control loop's next pass.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "control/control_env.h"
#include "control/stack_state.h"
#include "launcher/image_shipper.h"
#include "launcher/container_ops.h"
#include "launcher/grid_placer.h"

namespace quarry {

struct ResizeReport {
  ServerRecord server;                 // as resized
  std::vector<std::string> moved;      // "blog web#2 -> s3"
  std::vector<std::string> restarted;  // service containers started again
  std::vector<std::string> problems;   // what the control loop is left to fix
};

struct ResizeTarget {
  std::string size;     // the provider's slug
  int memory_mb = 0;    // what it gives
  double cpu = 0;
};

class ServerResizer {
 public:
  // Resizes through the provider; returns the server record as it is
  // afterwards (its new address, if it changed). Called once.
  using ResizeFn = std::function<Result<ServerRecord>(const ServerRecord& server, const std::string& size)>;
  // Waits out the drain between the router switch and stopping old replicas.
  using SleepFn = std::function<void(int ms)>;

  // `shipper` may be null (the servers have the images already).
  ServerResizer(const ControlEnv& env, GridPlacer& placer, ImageShipper* shipper, LaunchOptions options,
                ResizeFn resize, SleepFn sleep)
      : env_(env),
        placer_(placer),
        shipper_(shipper),
        options_(std::move(options)),
        resize_(std::move(resize)),
        sleep_(std::move(sleep)) {}

  Result<ResizeReport> resize(const ServerRecord& server, const ResizeTarget& target);

 private:
  struct Job;
  Result<std::vector<Job>> plan_moves(const std::string& server, const std::string& stack);
  Status move_stack(const std::string& server, const std::string& stack, ResizeReport& report);
  Status check_fits(const std::string& server, const ResizeTarget& target);
  Status check_drained(const std::string& server);
  void restart_services(const ServerRecord& server, ResizeReport& report);

  const ControlEnv& env_;
  GridPlacer& placer_;
  ImageShipper* shipper_;
  LaunchOptions options_;
  ResizeFn resize_;
  SleepFn sleep_;
  std::vector<std::unique_ptr<StackState>> states_;  // what the jobs point into
};

}  // namespace quarry
