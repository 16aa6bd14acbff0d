// The commands that manage a quarry-owned nginx on the router, as argv (pure:
// nothing here runs anything). Layout under the prefix PREFIX:
//   PREFIX/gen/GENERATION/   rendered generations (nginx.conf + conf.d/)
//   PREFIX/live              symlink to gen/GENERATION: the serving config
//   PREFIX/run/nginx.pid     PREFIX/logs/{error,access}.log   PREFIX/tmp/
// nginx runs as `nginx -p PREFIX/ -e PREFIX/logs/error.log -c PREFIX/live/nginx.conf`,
// so a reload re-reads whatever `live` points to, and switching `live` is one
// rename. Values reach shell scripts only as positional parameters ("$1").
#pragma once

#include <string>

#include "core/error.h"
#include "core/quote.h"

namespace quarry {

class NginxCommands {
 public:
  // `prefix` must be an absolute path of [A-Za-z0-9._/+@-] without "..";
  // `nginx` is the program to run on the router.
  static Result<NginxCommands> create(std::string prefix, std::string nginx = "nginx");

  const std::string& prefix() const { return prefix_; }
  std::string generation_dir(const std::string& generation) const;
  std::string pid_file() const { return prefix_ + "/run/nginx.pid"; }

  Argv prepare() const;                                     // mkdir -p run logs tmp gen; prints the live generation
  Argv read_live() const;                                   // prints the live generation
  // A fresh generation directory holding the ustar archive on stdin: the
  // whole rendering in one command, however many stacks it routes.
  Argv stage(const std::string& generation) const;
  Argv test(const std::string& generation) const;           // nginx -t on a staged generation
  Argv switch_live(const std::string& generation) const;    // atomic symlink swap
  Argv remove_generation(const std::string& generation) const;
  // Other generations go; so does any of `workers` (pids from is_running
  // before a reload) still serving as a worker rather than shutting down:
  // nginx can miss telling a worker that was still starting to quit when
  // a reload comes right after a start, and that worker would serve the old
  // configuration for good.
  Argv prune(const std::string& keep_a, const std::string& keep_b, const std::vector<std::string>& workers = {}) const;
  // Exit 0 when the pid file's process lives; prints its children's pids.
  Argv is_running() const;
  Argv start() const;
  Argv reload() const;
  Argv stop() const;                                        // graceful quit via the pid file
  // Headers of GET / with `Host: domain` at address:port (curl).
  Argv probe(const std::string& domain, const std::string& address, int port) const;

 private:
  NginxCommands(std::string prefix, std::string nginx) : prefix_(std::move(prefix)), nginx_(std::move(nginx)) {}
  Argv nginx_argv(const std::string& conf) const;

  std::string prefix_;
  std::string nginx_;
};

}  // namespace quarry
