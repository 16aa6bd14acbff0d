// RemoteShell over SSH (libssh2): the shell that reaches real servers.
//
// Sessions are pooled per endpoint (name, address, port, user) and reused
// across run() calls: connecting and authenticating happen once per pooled
// session, not once per command. Each command runs on its own channel of a
// session that no other thread is using at the time (libssh2 sessions are
// not thread-safe), so one host takes at most `sessions_per_host` commands at
// once and the rest wait their turn. Across all hosts at most `max_in_flight`
// commands execute at once (a command holding a session waits for a slot).
//
// The command text is shell_join(cmd.argv), run by the login shell of
// host.user. stdin comes from cmd.stdin_data or is streamed from
// cmd.stdin_source in chunks (an image tarball is never held whole).
//
// Host keys are checked through a HostKeyPolicy before authenticating.
//
// Failures: an Error of kind Remote whose message starts with the host,
// "s1 (10.77.0.5:22): connect: Connection refused". A pooled session found
// dead (the server restarted) before a command reached it is replaced once,
// transparently. A command that outlives cmd.timeout gives exit code 124
// with timed_out set; its session is dropped, and the remote process is not
// signalled beyond losing its connection.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "launcher/host_keys.h"
#include "launcher/remote_shell.h"
#include "launcher/ssh_session.h"

namespace quarry {

struct Libssh2Options {
  SshKeyFiles key;                             // the HQ's key (keys/ in the store)
  std::size_t sessions_per_host = 4;           // at least 1
  std::size_t max_in_flight = 64;              // commands executing at once over all hosts, at least 1
  std::chrono::milliseconds connect_timeout{10000};  // TCP + handshake + authentication
};

class Libssh2Shell : public RemoteShell {
 public:
  // `host_keys` must outlive the shell.
  Libssh2Shell(Libssh2Options options, HostKeyPolicy& host_keys);
  // Closes every pooled session. No run() may be in progress.
  ~Libssh2Shell() override;
  Libssh2Shell(const Libssh2Shell&) = delete;
  Libssh2Shell& operator=(const Libssh2Shell&) = delete;

  // Thread-safe. Waits (without bound) for a free slot and session; the
  // command's own timeout starts once it has a session.
  Result<ProcessResult> run(const Endpoint& host, const Command& cmd) override;

  // Closes the idle sessions to `host` (after its key was re-trusted, or it
  // was destroyed); sessions in use are closed when they are returned.
  void drop(const Endpoint& host);

  struct Stats {
    std::size_t sessions_opened = 0;  // successful connects, ever
    std::size_t reconnects = 0;       // dead pooled sessions replaced
    std::size_t sessions_open = 0;    // currently open (idle or in use)
  };
  Stats stats() const;

 private:
  struct HostPool {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::unique_ptr<SshSession>> idle;
    std::size_t open = 0;        // idle + in use + being connected
    std::uint64_t generation = 0;  // bumped by drop(): older sessions are not returned to idle
  };
  struct Lease {
    std::unique_ptr<SshSession> session;
    bool reused = false;
    std::uint64_t generation = 0;
  };

  std::shared_ptr<HostPool> pool_for(const Endpoint& host);
  Result<Lease> acquire(HostPool& pool, const Endpoint& host);
  void give_back(HostPool& pool, Lease lease);
  void enter_flight();
  void leave_flight();

  Libssh2Options options_;
  HostKeyPolicy& host_keys_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<HostPool>> pools_;
  std::condition_variable flight_cv_;
  std::size_t in_flight_ = 0;
  std::atomic<std::size_t> opened_{0};
  std::atomic<std::size_t> reconnects_{0};
};

}  // namespace quarry
