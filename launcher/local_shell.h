// RemoteShell on this machine: `quarry run` and the HQ's own commands. The
// endpoint is ignored; argv runs directly (no shell). `env` is added to every
// command's environment (DOCKER_HOST for a chosen engine, say).
#pragma once

#include <map>

#include "launcher/remote_shell.h"

namespace quarry {

class LocalShell : public RemoteShell {
 public:
  explicit LocalShell(std::map<std::string, std::string> env = {}) : env_(std::move(env)) {}
  Result<ProcessResult> run(const Endpoint& host, const Command& cmd) override;

 private:
  std::map<std::string, std::string> env_;
};

}  // namespace quarry
