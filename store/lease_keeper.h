// Keeps one etcd lease alive from a thread: renews it every ttl/3 and knows,
// by this process's monotonic clock, until when the lease is surely still
// held (the start of the last successful renewal plus the TTL). Once a
// renewal reports the lease gone, or that deadline passes, held() is false
// for good. The destructor stops the thread and revokes the lease.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "store/etcd_store.h"

namespace quarry {

class LeaseKeeper {
 public:
  // `granted_at`: when the grant request was sent (the lease runs from then at the latest).
  LeaseKeeper(EtcdStore& store, std::int64_t lease, std::chrono::seconds ttl,
              std::chrono::steady_clock::time_point granted_at);
  ~LeaseKeeper();
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  bool held() const;
  std::int64_t lease() const { return lease_; }
  // Stops renewing without revoking: the lease runs out by itself (a holder that died).
  void abandon();

 private:
  void run();

  EtcdStore& store_;
  std::int64_t lease_;
  std::chrono::seconds ttl_;
  std::atomic<std::int64_t> deadline_ns_;
  std::atomic<bool> lost_{false};
  std::atomic<bool> revoke_{true};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace quarry
