#include "locknet/locknet_apply.h"

#include <functional>
#include <thread>

#include "core/text.h"

namespace quarry {

namespace {

// Runs `one` for every target on its own thread; joins the failures.
Status for_each_host(const std::vector<LockTarget>& targets, const std::function<Status(const LockTarget&)>& one) {
  std::vector<Status> results(targets.size());
  std::vector<std::thread> threads;
  threads.reserve(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i)
    threads.emplace_back([&, i] { results[i] = one(targets[i]); });
  for (auto& t : threads) t.join();
  std::vector<std::string> errors;
  for (const auto& r : results)
    if (!r) errors.push_back(r.error().message);
  if (errors.empty()) return {};
  return fail_remote("locknet: " + join(errors, "; "));
}

}  // namespace

LocknetState parse_locknet_state(const std::string& iptables_s, const std::string& chain) {
  LocknetState s;
  for (const auto& line : split_lines(iptables_s)) {
    auto l = trim(line);
    if (l == "-N " + chain) s.chain_exists = true;
    if (l == "-A INPUT -j " + chain) ++s.jumps;
  }
  return s;
}

Result<LocknetState> Locknet::state(const Endpoint& host, const std::string& chain) {
  if (!is_chain_name(chain)) return fail("locknet: invalid chain name '" + chain + "'");
  Command cmd;
  cmd.argv = {options_.iptables, "-w", "5", "-t", "filter", "-S"};
  cmd.timeout = std::chrono::seconds(30);
  auto r = run_ok(*shell_, host, cmd);
  if (!r) return fail(r.error());
  return parse_locknet_state(r->out, chain);
}

Status Locknet::restore(const Endpoint& host, const std::string& rules) {
  Command cmd;
  cmd.argv = {options_.iptables_restore, "-w", "5", "--noflush"};
  cmd.stdin_data = rules;
  cmd.timeout = std::chrono::seconds(30);
  if (auto r = run_ok(*shell_, host, cmd); !r) return fail(r.error());
  return {};
}

Status Locknet::lock(const Endpoint& host, const LocknetPlan& plan) {
  if (auto check = render_locknet(plan); !check) return fail(check.error());
  auto st = state(host, plan.chain);
  if (!st) return fail(st.error());
  auto rules = render_locknet(plan, st->jumps);
  if (!rules) return fail(rules.error());
  return restore(host, *rules);
}

Status Locknet::unlock(const Endpoint& host, const std::string& chain) {
  auto st = state(host, chain);
  if (!st) return fail(st.error());
  if (!st->chain_exists && st->jumps == 0) return {};
  auto rules = render_unlock(chain, st->jumps, st->chain_exists);
  if (!rules) return fail(rules.error());
  return restore(host, *rules);
}

Status lock_hosts(Locknet& locknet, const std::vector<LockTarget>& targets, const LocknetPlan& base) {
  LocknetPlan shared = base;
  for (const auto& t : targets) shared.peers.push_back(t.address);
  // Validate once, before any host changes.
  if (auto check = render_locknet(shared); !check) return fail(check.error());
  return for_each_host(targets, [&](const LockTarget& t) {
    LocknetPlan plan = shared;
    plan.router = base.router || t.router;
    return locknet.lock(t.endpoint, plan);
  });
}

Status unlock_hosts(Locknet& locknet, const std::vector<LockTarget>& targets, const std::string& chain) {
  if (!is_chain_name(chain)) return fail("locknet: invalid chain name '" + chain + "'");
  return for_each_host(targets, [&](const LockTarget& t) { return locknet.unlock(t.endpoint, chain); });
}

}  // namespace quarry
