// A Placer and a Prober for launcher and deployer unit tests: replicas go
// round-robin over the servers given, and every probe passes at once; and
// the two servers they place on.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "launcher/launcher.h"
#include "store/store_json.h"

namespace quarry {

class RoundRobinPlacer : public Placer {
 public:
  explicit RoundRobinPlacer(std::vector<std::string> servers) : servers_(std::move(servers)) {}
  Result<std::string> place(const Slice&) override {
    std::lock_guard lock(mu_);
    return servers_[next_++ % servers_.size()];
  }
  Status release(const std::string&) override { return {}; }

 private:
  std::mutex mu_;
  std::vector<std::string> servers_;
  std::size_t next_ = 0;
};

class HealthyProber : public Prober {
 public:
  ProbeAttempt probe(const std::string&, int, const HealthCheck&, int number) override {
    return ProbeAttempt{number, true, "HTTP 200", 1};
  }
  std::string where() const override { return "from the test"; }
};

// s1 (10.0.0.1) and s2 (10.0.0.2), 4 GB and 4 CPUs each.
inline void save_two_servers(Store& store) {
  for (const std::string id : {"s1", "s2"}) {
    ServerRecord r;
    r.id = id;
    r.ip = id == "s1" ? "10.0.0.1" : "10.0.0.2";
    r.memory_mb = 4096;
    r.cpu = 4;
    (void)save_server(store, r);
  }
}

}  // namespace quarry
