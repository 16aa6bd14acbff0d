// A real etcd cluster on loopback ports for tests and the store benchmark:
// N members (etcd-server 3.4) with data under a fresh temporary directory,
// started by start() and stopped (SIGKILL, data removed) by the destructor.
// Members can be killed, paused (SIGSTOP) and restarted to play failures.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

#include "core/error.h"
#include "store/etcd_client.h"

namespace quarry::e2e {

class EtcdLab {
 public:
  EtcdLab() = default;
  ~EtcdLab();
  EtcdLab(const EtcdLab&) = delete;
  EtcdLab& operator=(const EtcdLab&) = delete;

  // Why etcd cannot run here (no etcd binary), or empty.
  static std::string missing_prerequisite();

  // Starts `members` members and waits until they have a leader (10 s at most).
  Status start(int members);
  // "127.0.0.1:P1,127.0.0.1:P2,..." and "etcd://..." of every member.
  std::string endpoints() const;
  std::string url() const { return "etcd://" + endpoints(); }
  EtcdOptions options() const;

  Status kill(int member);     // SIGKILL, waits for it and, while a majority lives, for a new leader
  Status wait_quorum_read(int seconds);
  Status restart(int member);  // starts it again on its data; waits until it has a leader
  int size() const { return static_cast<int>(members_.size()); }

 private:
  struct Member {
    std::string name;
    int client_port = 0;
    int peer_port = 0;
    pid_t pid = -1;
  };
  Status spawn(Member& m, bool fresh);
  Status wait_ready(const Member& m, int seconds);

  std::string dir_;
  std::string cluster_;  // --initial-cluster
  std::vector<Member> members_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_loopback_port();

}  // namespace quarry::e2e
