// A RemoteShell for unit tests: records every command (host and the exact
// shell text that would run) and answers from a script of replies.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "launcher/remote_shell.h"

namespace quarry {

class FakeShell : public RemoteShell {
 public:
  struct Ran {
    std::string host;     // Endpoint::name
    std::string command;  // shell_join(argv)
    std::string stdin_data;
  };
  // A reply rule: the first rule whose `match` is a substring of the command
  // (and whose host matches, when set) answers it. Unmatched commands exit 0.
  struct Rule {
    std::string match;
    ProcessResult reply;
    std::string host;
    bool unreachable = false;  // answer with an Error instead (host down)
  };

  void on(std::string match, ProcessResult reply, std::string host = {}) {
    std::lock_guard lock(mu_);
    rules_.push_back({std::move(match), std::move(reply), std::move(host), false});
  }
  void on_out(std::string match, std::string out, std::string host = {}) {
    on(std::move(match), ProcessResult{0, std::move(out), {}, false}, std::move(host));
  }
  void unreachable(std::string host) {
    std::lock_guard lock(mu_);
    rules_.push_back({"", {}, std::move(host), true});
  }

  Result<ProcessResult> run(const Endpoint& host, const Command& cmd) override;

  std::vector<Ran> ran() const {
    std::lock_guard lock(mu_);
    return ran_;
  }
  // The commands alone, in order, for golden comparisons.
  std::vector<std::string> commands() const;
  void clear() {
    std::lock_guard lock(mu_);
    ran_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::vector<Rule> rules_;
  std::vector<Ran> ran_;
};

}  // namespace quarry
