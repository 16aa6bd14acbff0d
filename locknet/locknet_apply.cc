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

LocknetPlan with_family(LocknetPlan plan, IpFamily f) {
  plan.family = f;
  return plan;
}

}  // namespace

Result<LocknetState> Locknet::state(const Endpoint& host, const LocknetPlan& plan) {
  if (!is_chain_name(plan.chain) || !is_chain_name(plan.docker_chain))
    return fail("locknet: invalid chain name '" + plan.chain + "'");
  Command cmd;
  cmd.argv = {plan.family == IpFamily::V4 ? options_.iptables : options_.ip6tables, "-w", "5", "-t", "filter", "-S"};
  cmd.timeout = std::chrono::seconds(30);
  auto r = run_ok(*shell_, host, cmd);
  if (!r) return fail(r.error());
  return parse_locknet_state(r->out, plan);
}

Status Locknet::restore(const Endpoint& host, IpFamily family, const std::string& rules) {
  Command cmd;
  cmd.argv = {family == IpFamily::V4 ? options_.iptables_restore : options_.ip6tables_restore, "-w", "5", "--noflush"};
  cmd.stdin_data = rules;
  cmd.timeout = std::chrono::seconds(30);
  if (auto r = run_ok(*shell_, host, cmd); !r) return fail(r.error());
  return {};
}

Status Locknet::lock(const Endpoint& host, const LocknetPlan& plan) {
  if (auto check = render_rules(plan); !check) return fail(check.error());
  auto st = state(host, plan);
  if (!st) return fail(st.error());
  auto rules = render_locknet(plan, *st);
  if (!rules) return fail(rules.error());
  return restore(host, plan.family, *rules);
}

Status Locknet::unlock(const Endpoint& host, const LocknetPlan& plan) {
  auto st = state(host, plan);
  if (!st) return fail(st.error());
  if (!st->chain_exists && !st->docker_chain_exists && st->jumps == 0 && st->docker_jumps == 0) return {};
  auto rules = render_unlock(plan, *st);
  if (!rules) return fail(rules.error());
  return restore(host, plan.family, *rules);
}

LocknetPlan plan_for(const LockTarget& target, const std::vector<LockTarget>& set, const LocknetPlan& base) {
  LocknetPlan plan = base;
  for (const auto& t : set) plan.peers.push_back(t.address);
  plan.router = base.router || target.router;
  return plan;
}

Status lock_hosts(Locknet& locknet, const std::vector<LockTarget>& targets, const LocknetPlan& base) {
  // Validate once, before any host changes.
  for (const auto& t : targets)
    if (auto check = render_rules(plan_for(t, targets, base)); !check) return fail(check.error());
  return for_each_host(targets, [&](const LockTarget& t) -> Status {
    auto plan = plan_for(t, targets, base);
    for (IpFamily f : {IpFamily::V4, IpFamily::V6})
      if (auto s = locknet.lock(t.endpoint, with_family(plan, f)); !s) return s;
    return {};
  });
}

Status unlock_hosts(Locknet& locknet, const std::vector<LockTarget>& targets, const LocknetPlan& base) {
  if (!is_chain_name(base.chain) || !is_chain_name(base.docker_chain))
    return fail("locknet: invalid chain name '" + base.chain + "'");
  return for_each_host(targets, [&](const LockTarget& t) -> Status {
    for (IpFamily f : {IpFamily::V4, IpFamily::V6})
      if (auto s = locknet.unlock(t.endpoint, with_family(base, f)); !s) return s;
    return {};
  });
}

}  // namespace quarry
