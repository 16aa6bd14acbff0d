// A real OpenSSH server on loopback for end-to-end tests and benchmarks.
//
// start() makes a temporary directory holding an ed25519 host key, a client
// key, authorized_keys, known_hosts and sshd_config; makes sure the login
// user exists (created idempotently with /bin/sh as its shell, a usable
// password field for key logins under `UsePAM no`, and the docker group when
// there is one); and runs `/usr/sbin/sshd -D -e -f CONFIG` as a child on
// 127.0.0.1 and a free port, returning once it accepts connections.
// stop() ends that child by its PID; the destructor also removes the
// directory, and the account when start() created it. Needs root (useradd, sshd). Not thread-safe.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

#include "core/error.h"
#include "core/quote.h"
#include "launcher/remote_shell.h"

namespace quarry {

struct SshdOptions {
  std::string user = "quarry-e2e";
  // Extra sshd_config lines, e.g. "SetEnv DOCKER_HOST=unix:///tmp/x/docker.sock".
  std::vector<std::string> extra_config;
};

class SshdFixture {
 public:
  explicit SshdFixture(SshdOptions options = {}) : options_(std::move(options)) {}
  ~SshdFixture();
  SshdFixture(const SshdFixture&) = delete;
  SshdFixture& operator=(const SshdFixture&) = delete;

  // Prepares everything and starts sshd; on failure nothing keeps running.
  Status start();
  // Stops sshd and its connections' processes, as a server going down
  // would (SIGTERM, then SIGKILL after 5 s); safe when not running.
  void stop();
  // Stops and starts again on the same port; with `new_host_key` the server
  // gets a fresh host key first (a rebuilt server).
  Status restart(bool new_host_key);

  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  const std::string& user() const { return options_.user; }
  const std::string& dir() const { return dir_; }
  std::string client_key() const { return dir_ + "/client_ed25519"; }
  std::string client_public_key() const { return dir_ + "/client_ed25519.pub"; }
  // The server's current host key blob (SSH wire format), for pinning.
  Result<std::string> host_key_blob() const;
  // An endpoint for this server: 127.0.0.1, port(), user().
  Endpoint endpoint(const std::string& name = "sshd-e2e") const;
  // An OpenSSH client command running shell_join(remote) here: the client key, this
  // server's known_hosts, BatchMode, no connection sharing.
  Argv ssh_argv(const Argv& remote) const;
  // sshd's log so far (its -e output), for failure messages.
  std::string log() const;

 private:
  Status ensure_user();
  Status make_keys(bool host_only);
  Status write_config();
  Status launch();

  SshdOptions options_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  bool made_user_ = false;  // start() created the account: the destructor removes it
};

// A free TCP port on 127.0.0.1 (bound and released: a tiny race is possible).
Result<int> free_loopback_port();

}  // namespace quarry
