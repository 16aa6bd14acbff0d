// The DeployRunner that runs a deploy as a separate program, by default
// `quarry deploy`, streaming its output to the pusher as it comes.
#pragma once

#include <string>

#include "core/quote.h"
#include "hq/deploy_runner.h"

namespace quarry {

class ProcessDeployRunner : public DeployRunner {
 public:
  // `program` is the quarry binary (or a stand-in taking the same words);
  // `home` the HQ home it is pointed at.
  ProcessDeployRunner(std::string program, std::string home)
      : program_(std::move(program)), home_(std::move(home)) {}

  // Runs command(request) and waits. Stdout and stderr go to
  // request.progress as they arrive. A non-zero exit is a Remote error.
  Status deploy(const PushDeployRequest& request) override;

  // PROGRAM --home HOME deploy -f SRC/quarry.yml --commit SHA --by KEYNAME
  Argv command(const PushDeployRequest& request) const;

 private:
  std::string program_;
  std::string home_;
};

}  // namespace quarry
