#include "control/executor.h"

#include <mutex>

#include "core/log.h"
#include "core/text.h"
#include "launcher/launcher.h"
#include "launcher/parallel.h"

namespace quarry {

namespace {

// The record of the container an action names: by server and name, since a
// moved replica's stale twin on a server that came back has the same name.
const ContainerRecord* find_record(const StackState& st, const ControlAction& a) {
  for (const auto& r : st.books) {
    if (r.name == a.container && r.server == a.server) return &r;
  }
  return nullptr;
}

const DesiredRelease* release_of(const StackState& st, int number) {
  for (const auto& d : st.desired) {
    if (d.number == number) return &d;
  }
  return nullptr;
}

// The router weight a new replica gets: the one it replaces, else a
// sibling's of the same release, else 1 for a node with domains.
int weight_for(const StackState& st, const ControlAction& a, const Instruction& in) {
  if (in.process.is_service || in.process.domains.empty()) return 0;
  if (const auto* r = find_record(st, a); r && r->weight > 0) return r->weight;
  for (const auto& r : st.books) {
    if (r.node == a.process && r.release == a.release && r.weight > 0) return r.weight;
  }
  return 1;
}

std::string who(const ControlAction& a) { return a.process + "#" + std::to_string(a.index); }

}  // namespace

ExecOutcome PlanExecutor::apply(const StackState& st, const ControlPlan& plan) {
  ExecOutcome out;
  out.restarts = st.restarts;
  const std::int64_t now = env_.clock->now_ms();
  auto event = [&](std::string kind, std::string server, std::string text) {
    out.events.push_back(Event{0, now, std::move(kind), st.stack, std::move(server), std::move(text)});
  };
  auto failed = [&](const ControlAction& a, const Error& e) {
    std::string line = action_name(a.kind) + " " + (a.process.empty() ? a.container : who(a)) + ": " +
                       split_lines(e.message).front();
    out.errors.push_back(line);
    event("failed", a.server, line);
  };
  for (const auto& key : plan.stable) out.restarts.erase(key);
  // After `crashloop_after` deaths in a row: crashloop, with the log's tail.
  auto crashloop_check = [&](const ControlAction& a, RestartState& rs) {
    if (rs.restarts < settings_.crashloop_after || rs.crashloop) return;
    rs.crashloop = true;
    auto srv = load_server(*env_.store, a.server);
    if (srv && *srv) rs.last_logs = log_tail(*env_.shell, endpoint_of(**srv), a.container, 5);
    event("crashloop", a.server, who(a) + " died " + std::to_string(rs.restarts) +
                                     " times in a row; backing off. last lines:\n" + rs.last_logs);
  };

  LaunchOptions options = options_;
  options.avoid_servers.insert(plan.avoid.begin(), plan.avoid.end());
  Launcher launcher(LaunchDeps{env_.store, env_.shell, env_.placer, env_.shipper, env_.router, env_.prober}, options);

  // 1. Slices no record holds go back to the grid (their replicas are
  // started below), and what lost servers ran stops taking traffic at once.
  for (const auto& a : plan.actions) {
    if (a.kind != ActionKind::Free) continue;
    if (auto s = env_.placer->release(a.container); !s) failed(a, s.error());
    else event("freed", "", a.container + ": " + a.reason);
  }
  bool reroute = false;
  for (const auto& a : plan.actions) {
    if (a.kind != ActionKind::Move && a.kind != ActionKind::Forget && a.kind != ActionKind::Replace) continue;
    const auto* r = find_record(st, a);
    if (!r) continue;
    if (auto s = launcher.forget(st.stack, {*r}); !s) failed(a, s.error());
    reroute = reroute || r->weight > 0;
    if (a.kind == ActionKind::Forget) event("forgot", a.server, r->name + ": " + a.reason);
  }
  if (reroute) {
    if (auto s = launcher.sync_router(); !s) out.errors.push_back("router: " + s.error().message);
  }

  // 2. Removals and restarts in place.
  for (const auto& a : plan.actions) {
    if (a.kind == ActionKind::Remove) {
      Status s;
      if (const auto* r = find_record(st, a)) {
        s = launcher.remove_containers({*r});
      } else {
        auto srv = load_server(*env_.store, a.server);
        if (!srv || !*srv) continue;
        s = remove_container(*env_.shell, endpoint_of(**srv), a.container, options.stop_grace_s);
      }
      if (!s) failed(a, s.error());
      else event("removed", a.server, a.container + ": " + a.reason);
    } else if (a.kind == ActionKind::Restart) {
      const auto* r = find_record(st, a);
      if (!r) continue;
      auto& rs = out.restarts[replica_key(a.process, a.index)];
      rs.restarts += 1;
      rs.last_ms = now;
      rs.next_ms = now + backoff_delay_ms(rs.restarts, settings_);
      auto s = launcher.restart(*r);
      if (!s) {
        failed(a, s.error());
        continue;
      }
      rs.engine_restarts = 0;  // docker start resets docker's count
      event("restarted", a.server, who(a) + " " + a.reason + "; restart " + std::to_string(rs.restarts));
      crashloop_check(a, rs);
    } else if (a.kind == ActionKind::Hold && a.died) {
      auto& rs = out.restarts[replica_key(a.process, a.index)];
      auto srv = load_server(*env_.store, a.server);
      if (!srv || !*srv) continue;
      auto count = engine_restart_count(*env_.shell, endpoint_of(**srv), a.container);
      if (!count) {
        failed(a, count.error());
        continue;
      }
      int deaths = *count >= rs.engine_restarts ? *count - rs.engine_restarts : *count;
      rs.engine_restarts = *count;
      if (deaths <= 0) continue;
      rs.restarts += deaths;
      rs.last_ms = now;
      event("died", a.server, who(a) + " " + a.reason + "; " + std::to_string(rs.restarts) + " death(s) in a row");
      crashloop_check(a, rs);
    } else if (a.kind == ActionKind::Hold && a.service && a.reason.find("is down") != std::string::npos) {
      event("service-down", a.server, who(a) + ": " + a.reason);
    }
  }

  // 3. Starts, in parallel.
  std::vector<const ControlAction*> starts;
  for (const auto& a : plan.actions) {
    if (a.kind == ActionKind::Start || a.kind == ActionKind::Replace || a.kind == ActionKind::Move) starts.push_back(&a);
  }
  std::mutex mu;
  bool routed = false;
  parallel_for(starts.size(), options.parallel, [&](std::size_t k) {
    const ControlAction& a = *starts[k];
    const auto* d = release_of(st, a.release);
    const auto* in = d ? d->find(a.process) : nullptr;
    auto img = d ? d->images.find(a.process) : std::map<std::string, BuiltImage>::const_iterator{};
    if (!in || img == d->images.end()) {
      std::lock_guard lock(mu);
      failed(a, Error{"release " + std::to_string(a.release) + " has no " + a.process, ErrorKind::User});
      return;
    }
    int weight = weight_for(st, a, *in);
    auto rec = launcher.start_replica(*in, a.release, img->second, a.index, weight);
    std::lock_guard lock(mu);
    if (!rec) {
      failed(a, rec.error());
      return;
    }
    out.started += 1;
    routed = routed || weight > 0;
    if (a.kind == ActionKind::Replace) {
      auto& rs = out.restarts[replica_key(a.process, a.index)];
      rs.restarts += 1;
      rs.last_ms = now;
      rs.next_ms = now + backoff_delay_ms(rs.restarts, settings_);
    }
    std::string text = a.kind == ActionKind::Move ? who(a) + " moved from " + a.server + " to " + rec->server + " (" +
                                                        a.reason + ")"
                     : a.kind == ActionKind::Replace ? who(a) + " " + a.reason + "; started again on " + rec->server
                                                     : who(a) + " started on " + rec->server + " (" + a.reason + ")";
    event(a.kind == ActionKind::Move ? "moved" : a.kind == ActionKind::Replace ? "replaced" : "started", rec->server,
          text);
  });
  if (routed) {
    if (auto s = launcher.sync_router(); !s) out.errors.push_back("router: " + s.error().message);
  }

  return out;
}

}  // namespace quarry
