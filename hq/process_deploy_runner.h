// The DeployRunner that runs a deploy as a separate program, by default
// `quarry deploy`, relaying its output to the pusher as it comes.
//
// A push's session can end at any moment (Ctrl-C, a dropped laptop): sshd
// then closes the pipes of the forced command, and everything still writing
// to them dies of SIGPIPE, or of SIGHUP. A deploy killed that way would stop
// between any two steps, leaving containers, slices or env files without a
// record. So the deploy is detached from the push: it runs in its own
// session and process group, with SIGHUP and SIGPIPE ignored, stdin from
// /dev/null and its output going to a log file, never to the push's pipes.
// The runner follows that file and relays each line; if the pusher goes
// away, the deploy goes on to its end (deployed, or failed and rolled back)
// and the log keeps its whole story (`quarry logs --deploy STACK`).
#pragma once

#include <string>

#include "core/quote.h"
#include "hq/deploy_runner.h"

namespace quarry {

// How many deploy logs a stack keeps (the newest).
inline constexpr std::size_t kDeployLogsKept = 20;

class ProcessDeployRunner : public DeployRunner {
 public:
  // `program` is the quarry binary (or a stand-in taking the same words);
  // `home` the HQ home it is pointed at.
  ProcessDeployRunner(std::string program, std::string home)
      : program_(std::move(program)), home_(std::move(home)) {}

  // Runs command(request), detached as above, with its output in a new
  // file under request.log_dir (mode 0600; the oldest beyond
  // kDeployLogsKept are removed), and waits for it, passing each line of
  // the log to request.progress. This process ignores SIGPIPE and SIGHUP
  // from then on, so that it too outlives its pusher and can let git
  // accept the refs. A non-zero exit is a Remote error.
  Status deploy(const PushDeployRequest& request) override;

  // PROGRAM --home HOME deploy -f SRC/quarry.yml --commit SHA --by KEYNAME
  Argv command(const PushDeployRequest& request) const;

 private:
  std::string program_;
  std::string home_;
};

// The newest deploy log in `log_dir` (a path), or empty when there is none.
std::string newest_deploy_log(const std::string& log_dir);

}  // namespace quarry
