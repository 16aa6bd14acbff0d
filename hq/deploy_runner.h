// The seam between a push and a deploy: the receive hook hands the exported
// tree to a DeployRunner and the push succeeds or fails with it. cli/
// provides the real one (ProcessDeployRunner runs `quarry deploy`); unit
// tests use a fake that records the requests.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace quarry {

struct PushDeployRequest {
  std::string stack;      // the stack being deployed ("blog")
  std::string src_dir;    // absolute path of the exported tree; holds quarry.yml
  std::string commit;     // the pushed commit, 40 hex digits
  std::string branch;     // the deploy branch it was pushed to ("main")
  std::string pushed_by;  // the pusher's key name
  std::string log_dir;    // where the deploy's log goes (stacks/STACK/deploys)
  // Output for the pusher, one line (without its newline) at a time, as it
  // happens.
  std::function<void(std::string_view line)> progress;
};

class DeployRunner {
 public:
  virtual ~DeployRunner() = default;
  // Deploys `request`; returns once the deploy has finished. An error means
  // the deploy failed and the push is rejected.
  virtual Status deploy(const PushDeployRequest& request) = 0;
};

}  // namespace quarry
