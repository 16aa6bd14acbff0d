#include "locknet/locknet_keeper.h"

#include <nlohmann/json.hpp>

#include <thread>

#include "core/text.h"

namespace quarry {

namespace {

template <typename F>
void in_parallel(std::size_t n, F one) {
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (std::size_t i = 0; i < n; ++i) threads.emplace_back([&, i] { one(i); });
  for (auto& t : threads) t.join();
}

}  // namespace

LockReport LocknetKeeper::check_one(const LockTarget& target, const std::vector<LockTarget>& set) {
  LockReport r;
  r.server = target.endpoint.name;
  r.address = target.address;
  r.router = target.router;
  for (IpFamily f : {IpFamily::V4, IpFamily::V6}) {
    auto plan = plan_for(target, set, base_);
    plan.family = f;
    auto rules = render_rules(plan);
    if (!rules) {
      r.error = rules.error().message;
      return r;
    }
    auto st = locknet_.state(target.endpoint, plan);
    if (!st) {
      r.error = st.error().message;
      return r;
    }
    bool match = rules_match(*rules, *st);
    if (f == IpFamily::V4) {
      r.ipv4 = match;
      r.docker = st->docker_user;
    } else {
      r.ipv6 = match;
    }
  }
  return r;
}

std::vector<LockReport> LocknetKeeper::check(const std::vector<LockTarget>& set) {
  std::vector<LockReport> out(set.size());
  in_parallel(set.size(), [&](std::size_t i) { out[i] = check_one(set[i], set); });
  return out;
}

Result<std::vector<LockReport>> LocknetKeeper::repair(const std::vector<LockTarget>& set) {
  auto reports = check(set);
  std::vector<std::string> errors(set.size());
  in_parallel(set.size(), [&](std::size_t i) {
    auto& r = reports[i];
    if (r.ok()) return;
    auto plan = plan_for(set[i], set, base_);
    for (IpFamily f : {IpFamily::V4, IpFamily::V6}) {
      if (r.error.empty() && (f == IpFamily::V4 ? r.ipv4 : r.ipv6)) continue;
      plan.family = f;
      if (auto s = locknet_.lock(set[i].endpoint, plan); !s) {
        errors[i] = s.error().message;
        return;
      }
    }
  });
  std::vector<LockReport> repaired;
  std::vector<std::string> failed;
  for (std::size_t i = 0; i < set.size(); ++i) {
    if (!errors[i].empty()) failed.push_back(errors[i]);
    else if (!reports[i].ok()) repaired.push_back(reports[i]);
  }
  if (!failed.empty()) return fail_remote("locknet: " + join(failed, "; "));
  return repaired;
}

std::string reports_json(const std::vector<LockReport>& reports) {
  auto out = nlohmann::json::array();
  for (const auto& r : reports) {
    out.push_back({{"server", r.server}, {"address", r.address}, {"router", r.router}, {"ipv4", r.ipv4},
                   {"ipv6", r.ipv6}, {"docker", r.docker}, {"ok", r.ok()}, {"error", r.error}});
  }
  return out.dump(2) + "\n";
}

}  // namespace quarry
