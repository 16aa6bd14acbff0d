// Where health probes come from. A new container must answer where its
// traffic will come from: the router host when the cluster has one (the HQ
// may reach a server by a path the router does not), else the HQ itself.
//   HqProber      probe_once (health.h) from this process
//   RemoteProber  curl on another host, through the RemoteShell seam
// Both give the same ProbeAttempt shape, so a failure's history reads alike.
// Thread-safe: a deploy probes many replicas at once.
#pragma once

#include <string>
#include <vector>

#include "launcher/health.h"
#include "launcher/remote_shell.h"

namespace quarry {

class Prober {
 public:
  virtual ~Prober() = default;
  // One attempt against address:port (the check's path, or a TCP connect
  // when it has none), attempt number `number`.
  virtual ProbeAttempt probe(const std::string& address, int port, const HealthCheck& check, int number) = 0;
  // "from the HQ", "from router s4": said in health-check errors.
  virtual std::string where() const = 0;
};

class HqProber final : public Prober {
 public:
  ProbeAttempt probe(const std::string& address, int port, const HealthCheck& check, int number) override {
    return probe_once(address, port, check, number);
  }
  std::string where() const override { return "from the HQ"; }
};

// The curl command a RemoteProber runs (pure, for tests): a GET of `path`
// printing "HTTP_CODE TIME_CONNECT", or with an empty path a GET of "/"
// whose only use is to see whether the TCP connect succeeded.
Argv remote_probe_argv(const std::string& address, int port, const std::string& path, int timeout_ms);

// Reads what remote_probe_argv printed (exit code, stdout, stderr) into an
// attempt's ok and detail (pure, for tests).
void read_remote_probe(const ProcessResult& result, const HealthCheck& check, ProbeAttempt& attempt);

class RemoteProber final : public Prober {
 public:
  RemoteProber(RemoteShell& shell, Endpoint host) : shell_(shell), host_(std::move(host)) {}
  ProbeAttempt probe(const std::string& address, int port, const HealthCheck& check, int number) override;
  std::string where() const override { return "from router " + host_.name; }

 private:
  RemoteShell& shell_;
  Endpoint host_;
};

// Up to check.retries attempts through `prober`, check.interval_ms apart,
// until one succeeds (wait_healthy with the probes coming from `prober`).
// Between the first and the second, extra quick probes fill the first
// interval (quick_probe_delays_ms): a new replica mostly listens within
// milliseconds of docker run, and a deploy should not wait a whole interval
// for it. They are extra: the check never fails sooner than before.
HealthReport wait_healthy(Prober& prober, const std::string& address, int port, const HealthCheck& check);

// The delays of the quick probes within the first interval: from
// kQuickProbeFirstMs, doubling, while their sum stays below `interval_ms`
// (20, 40, 80, 160, 320 for 1000). Pure.
inline constexpr int kQuickProbeFirstMs = 20;
std::vector<int> quick_probe_delays_ms(int interval_ms);

}  // namespace quarry
