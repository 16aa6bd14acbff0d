// A ServerLedger in memory, for tests of ServerFleet. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cloud/server_ledger.h"

namespace quarry {

struct MemoryLedger : ServerLedger {
  std::recursive_mutex mu;
  std::map<std::string, LedgerEntry> pending;
  std::map<std::string, Server> servers;
  std::vector<std::string> gone;
  Result<std::vector<LedgerEntry>> entries() override {
    std::lock_guard lock(mu);
    std::vector<LedgerEntry> out;
    for (auto& [k, e] : pending) out.push_back(e);
    return out;
  }
  Status put(const LedgerEntry& e) override {
    std::lock_guard lock(mu);
    pending[e.token] = e;
    return {};
  }
  Status drop(const std::string& t) override {
    std::lock_guard lock(mu);
    pending.erase(t);
    return {};
  }
  Result<std::vector<Server>> ready() override {
    std::lock_guard lock(mu);
    std::vector<Server> out;
    for (auto& [k, s] : servers) out.push_back(s);
    return out;
  }
  Status record_ready(const Server& s) override {
    std::lock_guard lock(mu);
    servers[s.id] = s;
    return {};
  }
  Status mark_gone(const Server& s) override {
    std::lock_guard lock(mu);
    gone.push_back(s.id);
    return {};
  }
  Status forget(const Server& s) override {
    std::lock_guard lock(mu);
    servers.erase(s.id);
    return {};
  }
};

}  // namespace quarry
