// A local cluster driven through the built quarry binary, for the release
// e2e tests and the router benchmark: a temporary home (short path, mode
// 0755, so the servers' SSH users can read below it), app servers and one
// router made with `quarry servers add`, example stacks staged from
// examples/hello, plain HTTP through the router, and a bounded load loop.
// The destructor runs `quarry cluster down` and removes the home, also
// after a failure half way.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/subprocess.h"

namespace quarry {

struct LabOptions {
  std::string binary;      // the quarry binary ($QUARRY_BIN)
  std::string source_dir;  // the source root ($QUARRY_SOURCE_DIR), for examples/hello
  int app_servers = 3;
  int app_memory_mb = 1024;
  int router_memory_mb = 512;
};

struct HttpReply {
  int status = 0;
  std::string headers;
  std::string body;
};

// GET `path` from address:port with `Host: host` (HTTP/1.1, Connection:
// close), within `timeout_ms` for the whole exchange.
Result<HttpReply> http_get(const std::string& address, int port, const std::string& host, const std::string& path,
                           int timeout_ms = 5000);

class QuarryLab {
 public:
  explicit QuarryLab(LabOptions options) : options_(std::move(options)) {}
  ~QuarryLab();
  QuarryLab(const QuarryLab&) = delete;
  QuarryLab& operator=(const QuarryLab&) = delete;

  // Makes the home (grid policy "spread", no autosize) and the servers.
  Status up();
  // `quarry --home HOME args...`; stdout and stderr kept apart.
  Result<ProcessResult> quarry(const Argv& args, int timeout_s = 300);
  // A copy of examples/hello (binary and Dockerfile) with `manifest` as its
  // quarry.yml, in HOME/../apps/NAME; returns the manifest's path.
  Result<std::string> stage_app(const std::string& name, const std::string& manifest);

  const std::string& home() const { return home_; }
  const std::string& router_ip() const { return router_ip_; }
  const std::string& router_id() const { return router_id_; }

 private:
  LabOptions options_;
  std::string root_;  // temporary; holds home/ and apps/
  std::string home_;
  std::string router_ip_;
  std::string router_id_;
  bool servers_made_ = false;
};

// The start-up the QuarryLab suites share (e2e_control, e2e_release): the
// prerequisites of every cluster suite (e2e::TestCluster::
// missing_prerequisite, tests/e2e/deploy/e2e_cluster.h), then a lab of 3
// app servers of 1024 MB and a 512 MB router, up. `cannot_run` says why
// there is none; every case then fails with it. In lab_start.cc.
struct StartedLab {
  std::unique_ptr<QuarryLab> lab;
  std::string cannot_run;
};
StartedLab start_lab();

// Sends GET / with one Host header to the router in a thread, one request
// after another with `pause_ms` between them, until stop() or `max`
// requests. A request fails on a connect or read error, a status other than
// 200, or a body not starting with `expect_prefix`.
class LoadLoop {
 public:
  LoadLoop(std::string address, std::string host, std::string expect_prefix = {}, int max = 6000, int pause_ms = 5);
  ~LoadLoop();
  void start();
  void stop();
  int sent() const { return sent_; }
  int failed() const { return failed_; }
  // Up to ten failures, "request N: what".
  std::vector<std::string> failures() const;
  // How many replies carried each body (first line).
  std::map<std::string, int> bodies() const;
  double seconds() const { return seconds_; }

 private:
  void run();
  std::string address_, host_, expect_;
  int max_, pause_ms_;
  std::atomic<bool> stop_{false};
  std::atomic<int> sent_{0}, failed_{0};
  double seconds_ = 0;
  mutable std::mutex mu_;
  std::vector<std::string> failures_;
  std::map<std::string, int> bodies_;
  std::thread thread_;
};

// The N of "(release N)" in a hello reply; 0 when absent.
int release_of(const std::string& body);

}  // namespace quarry
