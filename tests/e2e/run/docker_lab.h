// A private docker engine for the `quarry run` test and bench: a fresh
// network namespace (loopback only, so nothing it publishes reaches past
// 127.0.0.1 of that namespace and no other engine's iptables policy can get
// in the way) with its own dockerd, data and exec roots under a temporary
// directory. Commands that must see the namespace's 127.0.0.1 (quarry,
// curl, docker-compose) run through in_ns(). Everything it made is removed
// by the destructor: the engine (by its PID), leftover mounts, the
// directory, the namespace.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>

#include "core/error.h"
#include "core/quote.h"
#include "core/subprocess.h"

namespace quarry {

class DockerLab {
 public:
  // Starts the engine; fails naming what did not work (and the tail of
  // dockerd's log).
  static Result<std::unique_ptr<DockerLab>> start(const std::string& name_prefix);
  ~DockerLab();
  DockerLab(const DockerLab&) = delete;
  DockerLab& operator=(const DockerLab&) = delete;

  const std::string& dir() const { return dir_; }             // the lab's temporary directory
  std::string docker_host() const { return "unix://" + dir_ + "/docker.sock"; }
  std::string netns_path() const { return "/run/netns/" + netns_; }

  // argv prefixed so that it runs inside the namespace.
  Argv in_ns(const Argv& argv) const;
  // Runs argv inside the namespace with DOCKER_HOST set (plus `env`).
  ProcessResult run(const Argv& argv, const std::map<std::string, std::string>& env = {}) const;
  // docker ARGS... against the lab's engine; trimmed stdout.
  std::string docker(const Argv& args) const;

  // Starts argv inside the namespace in the background with stdout and
  // stderr to `log_path`; returns its PID (0 on failure).
  pid_t spawn(const Argv& argv, const std::string& log_path, const std::map<std::string, std::string>& env = {}) const;
  // Waits for a spawned PID; its exit code, or -1 after `timeout_s`.
  static int wait_exit(pid_t pid, int timeout_s);

 private:
  DockerLab() = default;
  void stop();
  std::string dir_;
  std::string netns_;
  pid_t dockerd_ = 0;
};

}  // namespace quarry
