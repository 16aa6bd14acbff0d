// A RemoteShell that plays docker on many hosts, for unit tests of the
// control plane: `docker run` (name and labels from the argv), `ps --all`
// (one JSON line per container, as the 28.x client prints; label filters
// applied), a container start as start_with_env_file sends it (env file and
// docker run in one command), `start`,
// `stop`, `rm`, `logs`, `inspect` of the RestartCount; anything else exits 0. Hosts can be cut off (every
// command fails as if the link were down) and containers killed or removed
// behind quarry's back. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "launcher/remote_shell.h"

namespace quarry {

class FakeDocker : public RemoteShell {
 public:
  struct Container {
    std::string name;
    std::map<std::string, std::string> labels;
    bool running = true;
    std::string image;
    std::string id;  // 64 hex digits, unique per `docker run`; empty: made from the name
  };

  Result<ProcessResult> run(const Endpoint& host, const Command& cmd) override;

  void cut(const std::string& host, bool down = true);
  // Stops a container as `docker kill` would; `remove` also deletes it.
  void kill(const std::string& host, const std::string& name, bool remove = false);
  // `docker start` of this container succeeds but it exits at once again.
  void crashing(const std::string& name, bool crash = true);
  // docker's restart policy is restarting `name` after `count` restarts
  // (`ps` says restarting, `inspect` answers the RestartCount); -1: it runs
  // again (the count stays).
  void restarting(const std::string& name, int count);
  void put(const std::string& host, Container c);  // a container quarry did not start
  std::vector<Container> on(const std::string& host) const;
  bool running(const std::string& host, const std::string& name) const;
  int runs() const;  // docker run commands accepted
  int starts() const;
  // What other commands were given on stdin on `host` (env files), in order.
  std::vector<std::string> uploads(const std::string& host) const;

 private:
  // The name of the container `ref` (a name or an id) names on `list`, or "".
  static std::string resolve(const std::map<std::string, Container>& list, const std::string& ref);
  Result<ProcessResult> docker(const std::string& host, const Argv& argv);
  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, Container>> hosts_;
  std::set<std::string> cut_;
  std::set<std::string> crashing_;
  std::map<std::string, std::vector<std::string>> uploads_;
  std::set<std::string> restarting_;
  std::map<std::string, int> restart_counts_;
  int runs_ = 0, starts_ = 0;
};

}  // namespace quarry
