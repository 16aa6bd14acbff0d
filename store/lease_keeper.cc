#include "store/lease_keeper.h"

namespace quarry {

namespace {
std::int64_t ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
}  // namespace

LeaseKeeper::LeaseKeeper(EtcdStore& store, std::int64_t lease, std::chrono::seconds ttl,
                         std::chrono::steady_clock::time_point granted_at)
    : store_(store), lease_(lease), ttl_(ttl), deadline_ns_(ns(granted_at + ttl)) {
  thread_ = std::thread([this] { run(); });
}

LeaseKeeper::~LeaseKeeper() {
  {
    std::lock_guard guard(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (revoke_ && !lost_) (void)store_.revoke_lease(lease_);
}

bool LeaseKeeper::held() const {
  return !lost_ && ns(std::chrono::steady_clock::now()) < deadline_ns_.load();
}

void LeaseKeeper::abandon() {
  revoke_ = false;
  {
    std::lock_guard guard(mu_);
    stop_ = true;
  }
  cv_.notify_all();
}

void LeaseKeeper::run() {
  auto period = std::chrono::duration_cast<std::chrono::milliseconds>(ttl_) / 3;
  std::unique_lock lock(mu_);
  while (!stop_ && !lost_) {
    if (cv_.wait_for(lock, period, [this] { return stop_; })) break;
    lock.unlock();
    auto sent = std::chrono::steady_clock::now();
    auto left = store_.keep_alive(lease_);
    if (left && *left <= 0) lost_ = true;
    else if (left) deadline_ns_ = ns(sent + std::chrono::seconds(*left));
    // A failed renewal changes nothing: the old deadline still bounds held().
    lock.lock();
  }
}

}  // namespace quarry
