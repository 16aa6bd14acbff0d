#include "control/control_loop.h"

#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "control/executor.h"
#include "control/link_refresh.h"
#include "control/observer.h"
#include "control/stack_state.h"
#include "core/log.h"
#include "core/text.h"
#include "store/store_json.h"

namespace quarry {

Result<LoopSettings> load_loop_settings(Store& store) {
  LoopSettings s;
  auto doc = get_json(store, "etc/control.json");
  if (!doc) return std::unexpected(doc.error());
  if (!*doc) return s;
  try {
    const auto& j = **doc;
    s.interval_ms = j.value("interval_ms", s.interval_ms);
    s.observe_timeout_ms = j.value("observe_timeout_ms", s.observe_timeout_ms);
    s.health.down_after_ms = j.value("down_after_ms", s.health.down_after_ms);
    s.planner.backoff_base_ms = j.value("backoff_base_ms", s.planner.backoff_base_ms);
    s.planner.backoff_max_ms = j.value("backoff_max_ms", s.planner.backoff_max_ms);
    s.planner.crashloop_after = j.value("crashloop_after", s.planner.crashloop_after);
  } catch (const nlohmann::json::exception&) {
    return fail(store.locate("etc/control.json") + ": a setting has the wrong type (numbers in milliseconds)");
  }
  if (s.interval_ms < 100 || s.observe_timeout_ms < 100 || s.health.down_after_ms < 0 || s.planner.backoff_base_ms < 0 ||
      s.planner.crashloop_after < 1) {
    return fail(store.locate("etc/control.json") + ": interval_ms and observe_timeout_ms must be at least 100, "
                "crashloop_after at least 1, the rest not negative");
  }
  return s;
}

namespace {

// Every stack's containers, grouped once, so that each stack's work costs
// its own size, not the cluster's: by stack, then in the servers' order
// (by id) and as each reported them, pointing into `containers`.
std::map<std::string, ObservedRefs> group_by_stack(
    const std::map<std::string, std::vector<ObservedContainer>>& containers) {
  std::map<std::string, ObservedRefs> by_stack;
  // A stack's entry found by hashing its name, not by walking the tree per
  // container; a server lists a stack's containers together, mostly.
  std::unordered_map<std::string_view, ObservedRefs*> index;
  for (const auto& [server, list] : containers) {
    ObservedRefs* last = nullptr;
    const std::string* last_stack = nullptr;
    for (const auto& c : list) {
      if (!last_stack || *last_stack != c.stack) {
        auto found = index.find(c.stack);
        if (found == index.end()) {
          auto& entry = *by_stack.try_emplace(c.stack).first;
          found = index.emplace(entry.first, &entry.second).first;  // views the map's own key
        }
        last = found->second;
        last_stack = &c.stack;
      }
      last->push_back(&c);
    }
  }
  return by_stack;
}

}  // namespace

Result<bool> ControlLoop::save_observation_of(const std::string& stack, const PassSnapshot& snapshot,
                                              const ObservedRefs& mine) {
  auto before = observations_.last(*env_.store, stack);
  auto answered = [&](const std::string& server) { return snapshot.answered->count(server) > 0; };
  // Compared with what the store holds before anything is copied: a steady
  // stack copies nothing.
  if (before && observations_.holds(stack, mine, answered)) return true;
  StackObservation o;
  o.at_ms = snapshot.now_ms;
  o.containers.reserve(mine.size());
  for (const auto* c : mine) o.containers.push_back(*c);
  // What a silent server ran last is kept, with the age it has.
  if (before) {
    for (const auto& c : (*before)->containers) {
      if (!answered(c.server)) o.containers.push_back(c);
    }
  }
  auto saved = observations_.save(*env_.store, stack, std::move(o));
  if (!saved) return std::unexpected(saved.error());
  return false;
}

Status ControlLoop::note_started(const std::string& stack, const std::vector<ContainerRecord>& started) {
  if (started.empty()) return {};
  auto last = observations_.last(*env_.store, stack);
  if (!last) return std::unexpected(last.error());
  StackObservation o = **last;
  const std::int64_t now = env_.clock->now_ms();
  for (const auto& r : started) {
    std::erase_if(o.containers, [&](const ObservedContainer& c) { return c.server == r.server && c.name == r.name; });
    ObservedContainer c;
    c.server = r.server;
    c.name = r.name;
    c.stack = stack;
    c.node = r.node;
    c.release = r.release;
    c.index = r.index;
    c.state = "running";
    c.status = "Up (passed its health check when started)";
    c.running = true;
    c.last_seen_ms = now;
    o.containers.push_back(std::move(c));
  }
  auto saved = observations_.save(*env_.store, stack, std::move(o));
  if (!saved) return std::unexpected(saved.error());
  return {};
}

Status ControlLoop::reconcile_stack(const std::string& stack, const PassSnapshot& snapshot,
                                    const ObservedRefs& mine, bool held, PassReport& report) {
  const std::int64_t now_ms = snapshot.now_ms;
  std::string refresh_why;
  {
    auto lock = env_.store->lock("stacks/" + stack + "/deploy", "the control loop", std::chrono::milliseconds(0));
    if (!lock) {
      report.skipped_stacks += 1;
      return {};
    }
    // The stack's inputs are read before its state: a change in between is
    // seen again next pass. The grid's slices come before the books, so a
    // slice placed and recorded in between is not taken for an orphan.
    auto inputs = read_stack_inputs(*env_.store, stack, env_.placer);
    if (!inputs) return std::unexpected(inputs.error());
    inputs->observation = observations_.revision(stack);
    if (const auto* kept = steady_.reusable(stack, *inputs, held, now_ms)) {
      report.plans[stack] = *kept;
      report.steady_stacks += 1;
      return {};
    }
    steady_.forget(stack);
    auto state = read_stack_state(*env_.store, stack, snapshot, observed_by_server(mine));
    if (!state) return std::unexpected(state.error());
    state->slices = inputs->slices;
    auto plan = plan_stack(*state, settings_.planner);
    steady_.planned(stack, std::move(*inputs), plan, plan_valid_until(*state, settings_.planner));
    report.plans[stack] = plan;
    if (!settings_.act) {
      books_.give_back(stack, std::move(state->books));
      return {};
    }
    PlanExecutor executor(env_, options_, settings_.planner);
    auto outcome = executor.apply(*state, plan);
    for (const auto& [phase, ms] : outcome.timings_ms) report.timings_ms.emplace_back(stack + ":" + phase, ms);
    if (auto s = note_started(stack, outcome.started_records); !s) report.errors.push_back(s.error().message);
    for (const auto& a : plan.actions) report.actions += a.kind != ActionKind::Hold;
    report.events.insert(report.events.end(), outcome.events.begin(), outcome.events.end());
    report.errors.insert(report.errors.end(), outcome.errors.begin(), outcome.errors.end());
    auto nodes = refresh_nodes(plan);
    if (!nodes.empty() && env_.redeploy) {
      // The attempt is booked before it runs: a redeploy that fails is
      // retried after the backoff, not every pass.
      auto& rs = outcome.restarts[kRefreshKey];
      rs.restarts += 1;
      rs.last_ms = now_ms;
      rs.next_ms = now_ms + backoff_delay_ms(rs.restarts, settings_.planner);
      for (const auto& a : plan.actions) {
        if (a.kind == ActionKind::Refresh) {
          refresh_why = a.process + "#" + std::to_string(a.index) + ": " + a.reason;
          break;
        }
      }
      refresh_why = join(nodes, ", ") + " dial a moved service (" + refresh_why + ")";
    }
    if (outcome.restarts != state->restarts || !plan.stable.empty()) {
      if (auto s = save_restarts(*env_.store, stack, outcome.restarts); !s) return s;
    }
    books_.give_back(stack, std::move(state->books));
  }
  if (refresh_why.empty()) return {};
  // The deploy path takes the stack's lock itself, so it runs after the
  // loop let go of it.
  auto release = env_.redeploy(stack, refresh_why);
  if (!release) return std::unexpected(release.error().context("refresh (" + refresh_why + ")"));
  report.events.push_back(
      Event{0, now_ms, "refreshed", stack, "", "release " + std::to_string(*release) + " is live: " + refresh_why});
  return {};
}

Result<PassReport> ControlLoop::pass() {
  PassReport report;
  ClusterView view;
  view.now_ms = env_.clock->now_ms();
  auto servers = load_servers(*env_.store);
  if (!servers) return std::unexpected(servers.error());
  view.servers = std::move(*servers);
  auto seen = observe_servers(*env_.shell, view.servers, std::chrono::milliseconds(settings_.observe_timeout_ms),
                              view.now_ms);
  auto lap = [&, t0 = view.now_ms](const char* phase) mutable {
    std::int64_t t = env_.clock->now_ms();
    report.timings_ms.emplace_back(phase, t - t0);
    t0 = t;
  };
  // A server that did not answer was silent until the query gave up, not
  // just until the pass began.
  const std::int64_t observed_ms = env_.clock->now_ms();
  lap("observe");
  std::unordered_set<std::string> answered;
  std::map<std::string, std::string> addresses;
  for (const auto& s : view.servers) {
    addresses.emplace(s.id, s.ip);
    auto before = health_.last(*env_.store, s.id);
    if (!before) return std::unexpected(before.error());
    auto& r = seen[s.id];
    auto h = health_after(*before, r.answered, r.error, r.answered ? view.now_ms : observed_ms, settings_.health);
    h.containers = 0;
    if (r.answered) {
      answered.insert(s.id);
      for (const auto& c : r.containers) h.containers += c.running;
      view.containers[s.id] = std::move(r.containers);
    } else {
      h.containers = before->containers;
    }
    if (h.state != before->state || before->checked_ms == 0) {
      if (h.state != Health::Up || before->state != Health::Up) {
        report.events.push_back(Event{0, view.now_ms, "server-" + health_name(h.state), "", s.id,
                                      h.state == Health::Up ? "answers again" : h.reason});
      }
    }
    (h.state == Health::Up ? report.servers_up : h.state == Health::Suspect ? report.servers_suspect
                                                                              : report.servers_down) += 1;
    view.health[s.id] = h;
    if (auto st = health_.save(*env_.store, h); !st) return std::unexpected(st.error());
  }
  steady_.saw_servers(view.servers, view.health, answered);
  lap("health");
  auto by_stack = group_by_stack(view.containers);
  auto listed = list_stacks(*env_.store);
  if (!listed) return std::unexpected(listed.error());
  for (const auto& stack : *listed) by_stack[stack];
  std::map<std::string, ServerHealth> not_up;
  for (const auto& [id, h] : view.health) {
    if (h.state != Health::Up) not_up.emplace(id, h);
  }
  PassSnapshot snapshot{view.now_ms, &addresses, &not_up, &answered, &books_, &desired_};
  for (auto& [stack, mine] : by_stack) {
    if (!is_dns_label(stack)) continue;  // a label no quarry stack can have
    auto held = save_observation_of(stack, snapshot, mine);
    if (!held) report.errors.push_back(held.error().message);
    if (auto s = reconcile_stack(stack, snapshot, mine, held && *held, report); !s) {
      report.errors.push_back(stack + ": " + s.error().message);
      report.events.push_back(Event{0, view.now_ms, "error", stack, "", s.error().message});
    }
  }
  lap("stacks");
  if (settings_.act && env_.grid_tick) {
    if (auto s = env_.grid_tick(); !s) report.errors.push_back("grid: " + s.error().message);
  }
  for (auto* hook : env_.hooks) {
    if (auto s = hook->on_pass(view); !s) {
      report.errors.push_back(hook->name() + ": " + s.error().message);
      report.events.push_back(Event{0, view.now_ms, "hook-failed", "", "", hook->name() + ": " + s.error().message});
    }
  }
  lap("hooks");
  if (auto s = append_events(*env_.store, report.events); !s) return std::unexpected(s.error());
  lap("record");
  return report;
}

Status ControlLoop::serve(const std::atomic<bool>& stop, const std::function<void(std::int64_t)>& sleep,
                          const std::function<void(const PassReport&)>& on_pass) {
  while (!stop.load()) {
    std::int64_t start = env_.clock->now_ms();
    auto report = pass();
    if (!report) log_warn("pass failed: " + report.error().message);
    else if (on_pass) on_pass(*report);
    std::int64_t spent = env_.clock->now_ms() - start;
    if (!stop.load() && spent < settings_.interval_ms) sleep(settings_.interval_ms - spent);
  }
  return {};
}

}  // namespace quarry
