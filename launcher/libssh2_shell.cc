#include "launcher/libssh2_shell.h"

#include <algorithm>

namespace quarry {

Libssh2Shell::Libssh2Shell(Libssh2Options options, HostKeyPolicy& host_keys)
    : options_(std::move(options)), host_keys_(host_keys) {
  options_.sessions_per_host = std::max<std::size_t>(options_.sessions_per_host, 1);
  options_.max_in_flight = std::max<std::size_t>(options_.max_in_flight, 1);
}

Libssh2Shell::~Libssh2Shell() = default;

std::shared_ptr<Libssh2Shell::HostPool> Libssh2Shell::pool_for(const Endpoint& host) {
  std::string key = host.name + "\n" + host.address + "\n" + std::to_string(host.port) + "\n" + host.user;
  std::lock_guard lock(mu_);
  auto& pool = pools_[key];
  if (!pool) pool = std::make_shared<HostPool>();
  return pool;
}

void Libssh2Shell::enter_flight() {
  std::unique_lock lock(mu_);
  flight_cv_.wait(lock, [&] { return in_flight_ < options_.max_in_flight; });
  ++in_flight_;
}

void Libssh2Shell::leave_flight() {
  {
    std::lock_guard lock(mu_);
    --in_flight_;
  }
  flight_cv_.notify_one();
}

Result<Libssh2Shell::Lease> Libssh2Shell::acquire(HostPool& pool, const Endpoint& host) {
  std::unique_lock lock(pool.mu);
  pool.cv.wait(lock, [&] { return !pool.idle.empty() || pool.open < options_.sessions_per_host; });
  Lease lease;
  lease.generation = pool.generation;
  if (!pool.idle.empty()) {
    lease.session = std::move(pool.idle.back());
    pool.idle.pop_back();
    lease.reused = true;
    return lease;
  }
  ++pool.open;
  lock.unlock();
  auto session = SshSession::open(host, options_.key, host_keys_, options_.connect_timeout);
  if (!session) {
    lock.lock();
    --pool.open;
    lock.unlock();
    pool.cv.notify_one();
    return fail(session.error());
  }
  ++opened_;
  lease.session = std::move(*session);
  return lease;
}

void Libssh2Shell::give_back(HostPool& pool, Lease lease) {
  std::unique_ptr<SshSession> closing;
  {
    std::lock_guard lock(pool.mu);
    if (lease.session->usable() && lease.generation == pool.generation) {
      pool.idle.push_back(std::move(lease.session));
    } else {
      closing = std::move(lease.session);
      --pool.open;
    }
  }
  pool.cv.notify_one();
  // `closing` disconnects here, outside the pool's lock.
}

Result<ProcessResult> Libssh2Shell::run(const Endpoint& host, const Command& cmd) {
  if (cmd.argv.empty()) return fail(describe_endpoint(host) + ": empty command", ErrorKind::Usage);
  std::string text = shell_join(cmd.argv);
  auto pool = pool_for(host);
  for (int attempt = 0;; ++attempt) {
    auto lease = acquire(*pool, host);
    if (!lease) return fail(lease.error());
    // The flight slot is taken only with a session in hand, so a thread
    // queued for a busy host never holds back commands to other hosts.
    enter_flight();
    auto outcome = lease->session->exec(text, cmd);
    leave_flight();
    bool retry = outcome.not_started && lease->reused && attempt == 0;
    give_back(*pool, std::move(*lease));
    if (!retry) return std::move(outcome.result);
    ++reconnects_;
  }
}

void Libssh2Shell::drop(const Endpoint& host) {
  auto pool = pool_for(host);
  std::vector<std::unique_ptr<SshSession>> closing;
  {
    std::lock_guard lock(pool->mu);
    ++pool->generation;
    closing = std::move(pool->idle);
    pool->idle.clear();
    pool->open -= closing.size();
  }
  pool->cv.notify_all();
}

Libssh2Shell::Stats Libssh2Shell::stats() const {
  Stats s;
  s.sessions_opened = opened_.load();
  s.reconnects = reconnects_.load();
  std::lock_guard lock(mu_);
  for (const auto& [key, pool] : pools_) {
    std::lock_guard pool_lock(pool->mu);
    s.sessions_open += pool->open;
  }
  return s;
}

}  // namespace quarry
