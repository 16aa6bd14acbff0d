// A RemoteShell whose "hosts" are network namespaces on this machine: the
// endpoint's name picks the namespace and argv runs under
// `ip netns exec NS`, through LocalShell. For locknet's end-to-end tests.
#pragma once

#include <map>
#include <string>

#include "launcher/local_shell.h"

namespace quarry::testing {

class NetnsShell : public RemoteShell {
 public:
  // endpoint name -> namespace name
  explicit NetnsShell(std::map<std::string, std::string> namespaces) : namespaces_(std::move(namespaces)) {}
  // An endpoint with no namespace is an Error (kind Remote) naming it.
  Result<ProcessResult> run(const Endpoint& host, const Command& cmd) override;

 private:
  std::map<std::string, std::string> namespaces_;
  LocalShell local_;
};

}  // namespace quarry::testing
