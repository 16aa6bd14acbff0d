// The control loop's per-pass work that lives outside control/: keeping the
// firewall and the replicated files in step with the servers, and finding
// servers the cloud bills that quarry has no record of. Built by Cluster
// (the composition root) and handed to the loop through ControlEnv::hooks.
#pragma once

#include <functional>
#include <string>

#include "control/control_env.h"

namespace quarry {

// Runs `work` once every `every` passes (1: each pass), so costly checks
// (a provider listing) need not run at the loop's pace.
class FunctionPassHook : public PassHook {
 public:
  FunctionPassHook(std::string name, int every, std::function<Status()> work)
      : name_(std::move(name)), every_(every < 1 ? 1 : every), work_(std::move(work)) {}
  std::string name() const override { return name_; }
  Status on_pass(const ClusterView&) override {
    if (pass_++ % every_ != 0) return {};
    return work_();
  }

 private:
  std::string name_;
  int every_;
  int pass_ = 0;
  std::function<Status()> work_;
};

}  // namespace quarry
