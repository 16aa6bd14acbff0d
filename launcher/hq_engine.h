// The HQ's docker engine, where images are built before they are shipped to
// servers. By default quarry runs its own dockerd under $QUARRY_HOME/engine
// (no bridge, no iptables changes: it only builds), started on first use by
// root (or by `quarry hq init`) and stopped by `quarry cluster down`. Its
// socket belongs to the docker group, so the HQ's git account builds on it
// without root; that account cannot start it. An operator may point quarry
// at another engine with QUARRY_BUILD_DOCKER_HOST.
#pragma once

#include <map>
#include <string>

#include "core/error.h"

namespace quarry {

class HqEngine {
 public:
  explicit HqEngine(std::string engine_dir) : dir_(std::move(engine_dir)) {}

  // The environment that points a docker client at the engine
  // (DOCKER_HOST, DOCKER_BUILDKIT=0), starting the engine when needed. Waits
  // at most 30 s for it to answer; the error then holds its log's tail.
  Result<std::map<std::string, std::string>> ensure();
  // That environment without starting or asking the engine (a reader that
  // must never start it, like the control loop's image shipper).
  std::map<std::string, std::string> client_env() const;
  // Stops the engine quarry started (by its pid file). Succeeds when none runs.
  Status stop();
  bool running() const;

 private:
  std::string socket_path() const { return dir_ + "/docker.sock"; }
  std::string pid_path() const { return dir_ + "/docker.pid"; }
  std::string dir_;
};

}  // namespace quarry
