#include "control/executor.h"

#include <future>
#include <mutex>
#include <type_traits>

#include "core/log.h"
#include "core/text.h"
#include "launcher/launcher.h"
#include "launcher/parallel.h"
#include "launcher/stack_records.h"

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

// One apply: the state, the plan and what it did so far, with one member
// per phase.
class ApplyRun {
 public:
  ApplyRun(const ControlEnv& env, const StackState& st, const ControlPlan& plan, const LaunchOptions& options,
           const PlannerSettings& settings)
      : env_(env),
        st_(st),
        plan_(plan),
        settings_(settings),
        now_(env.clock->now_ms()),
        options_(with_avoided(options, plan)),
        launcher_(LaunchDeps{env.store, env.shell, env.placer, env.shipper, env.router, env.prober}, options_) {
    out_.restarts = st.restarts;
    for (const auto& key : plan.stable) out_.restarts.erase(key);
  }

  void free_slices();
  bool forget_lost();
  void remove_and_restart();
  bool start_missing();
  void route();
  // The router update alone (a thread of its own during phases 2 and 3):
  // its Status and its time.
  std::pair<Status, std::int64_t> unroute();
  Status weigh_started();
  // The books' changes so far, in one write (the router reads them from
  // the store).
  Status flush() { return launcher_.flush_records(); }
  void book(const char* name, std::int64_t ms) { out_.timings_ms.emplace_back(name, ms); }
  // Runs `phase` and books its time under `name`.
  template <typename F>
  auto timed(const char* name, F phase) {
    std::int64_t t0 = env_.clock->now_ms();
    auto book = [&] { out_.timings_ms.emplace_back(name, env_.clock->now_ms() - t0); };
    if constexpr (std::is_void_v<decltype(phase())>) {
      phase();
      book();
    } else {
      auto r = phase();
      book();
      return r;
    }
  }
  // The outcome, with the error of the router update that ran alongside.
  ExecOutcome take(const Status& unrouted, const Status& books) {
    if (!unrouted) out_.errors.push_back("router: " + unrouted.error().message);
    if (!books) out_.errors.push_back("books of " + st_.stack + ": " + books.error().message);
    return std::move(out_);
  }

 private:
  static LaunchOptions with_avoided(LaunchOptions o, const ControlPlan& plan) {
    o.avoid_servers.insert(plan.avoid.begin(), plan.avoid.end());
    o.batch_records = true;
    return o;
  }
  void event(std::string kind, std::string server, std::string text) {
    out_.events.push_back(Event{0, now_, std::move(kind), st_.stack, std::move(server), std::move(text)});
  }
  void failed(const ControlAction& a, const Error& e) {
    std::string line = action_name(a.kind) + " " + (a.process.empty() ? a.container : who(a)) + ": " +
                       split_lines(e.message).front();
    out_.errors.push_back(line);
    event("failed", a.server, line);
  }
  // Books a restart attempt with its backoff.
  RestartState& book_restart(const ControlAction& a) {
    auto& rs = out_.restarts[replica_key(a.process, a.index)];
    rs.restarts += 1;
    rs.last_ms = now_;
    rs.next_ms = now_ + backoff_delay_ms(rs.restarts, settings_);
    return rs;
  }
  void crashloop_check(const ControlAction& a, RestartState& rs);
  void remove(const ControlAction& a);
  void restart(const ControlAction& a);
  void count_deaths(const ControlAction& a);
  void start(const ControlAction& a, bool& routed);

  const ControlEnv& env_;
  const StackState& st_;
  const ControlPlan& plan_;
  const PlannerSettings& settings_;
  const std::int64_t now_;
  LaunchOptions options_;
  Launcher launcher_;
  ExecOutcome out_;
  std::mutex mu_;  // out_ during the parallel starts
};

// After `crashloop_after` deaths in a row: crashloop, with the log's tail.
void ApplyRun::crashloop_check(const ControlAction& a, RestartState& rs) {
  if (rs.restarts < settings_.crashloop_after || rs.crashloop) return;
  rs.crashloop = true;
  auto srv = load_server(*env_.store, a.server);
  if (srv && *srv) rs.last_logs = log_tail(*env_.shell, endpoint_of(**srv), a.container, 5);
  event("crashloop", a.server,
        who(a) + " died " + std::to_string(rs.restarts) + " times in a row; backing off. last lines:\n" + rs.last_logs);
}

// 1a. Slices no record holds go back to the grid (their replicas are
// started below).
void ApplyRun::free_slices() {
  for (const auto& a : plan_.actions) {
    if (a.kind != ActionKind::Free) continue;
    if (auto s = env_.placer->release(a.container); !s) failed(a, s.error());
    else event("freed", "", a.container + ": " + a.reason);
  }
}

// 1b. What lost servers ran is forgotten; true when a routed replica was,
// so the router must stop sending to it at once.
bool ApplyRun::forget_lost() {
  bool reroute = false;
  for (const auto& a : plan_.actions) {
    if (a.kind != ActionKind::Move && a.kind != ActionKind::Forget && a.kind != ActionKind::Replace) continue;
    const auto* r = find_record(st_, a);
    if (!r) continue;
    if (auto s = launcher_.forget(st_.stack, {*r}); !s) failed(a, s.error());
    reroute = reroute || r->weight > 0;
    if (a.kind == ActionKind::Forget) event("forgot", a.server, r->name + ": " + a.reason);
  }
  return reroute;
}

void ApplyRun::remove(const ControlAction& a) {
  Status s;
  if (const auto* r = find_record(st_, a)) {
    s = launcher_.remove_containers({*r});
  } else {
    auto srv = load_server(*env_.store, a.server);
    if (!srv || !*srv) return;
    s = remove_container(*env_.shell, endpoint_of(**srv), a.container, options_.stop_grace_s);
  }
  if (!s) failed(a, s.error());
  else event("removed", a.server, a.container + ": " + a.reason);
}

void ApplyRun::restart(const ControlAction& a) {
  const auto* r = find_record(st_, a);
  if (!r) return;
  auto& rs = book_restart(a);
  if (auto s = launcher_.restart(*r); !s) {
    failed(a, s.error());
    return;
  }
  rs.engine_restarts = 0;  // docker start resets docker's count
  event("restarted", a.server, who(a) + " " + a.reason + "; restart " + std::to_string(rs.restarts));
  crashloop_check(a, rs);
}

// A replica docker's restart policy restarts: its deaths since the last
// pass, from docker's RestartCount.
void ApplyRun::count_deaths(const ControlAction& a) {
  auto& rs = out_.restarts[replica_key(a.process, a.index)];
  auto srv = load_server(*env_.store, a.server);
  if (!srv || !*srv) return;
  auto count = engine_restart_count(*env_.shell, endpoint_of(**srv), a.container);
  if (!count) {
    failed(a, count.error());
    return;
  }
  int deaths = *count >= rs.engine_restarts ? *count - rs.engine_restarts : *count;
  rs.engine_restarts = *count;
  if (deaths <= 0) return;
  rs.restarts += deaths;
  rs.last_ms = now_;
  event("died", a.server, who(a) + " " + a.reason + "; " + std::to_string(rs.restarts) + " death(s) in a row");
  crashloop_check(a, rs);
}

// 2. Removals and restarts in place.
void ApplyRun::remove_and_restart() {
  for (const auto& a : plan_.actions) {
    if (a.kind == ActionKind::Remove) remove(a);
    else if (a.kind == ActionKind::Restart) restart(a);
    else if (a.kind == ActionKind::Hold && a.died) count_deaths(a);
    else if (a.kind == ActionKind::Hold && a.service && a.reason.find("is down") != std::string::npos) {
      event("service-down", a.server, who(a) + ": " + a.reason);
    }
  }
}

// One replica started, health-gated (called in parallel).
void ApplyRun::start(const ControlAction& a, bool& routed) {
  const auto* d = release_of(st_, a.release);
  const auto* in = d ? d->find(a.process) : nullptr;
  auto img = d ? d->images.find(a.process) : std::map<std::string, BuiltImage>::const_iterator{};
  if (!in || img == d->images.end()) {
    std::lock_guard lock(mu_);
    failed(a, Error{"release " + std::to_string(a.release) + " has no " + a.process, ErrorKind::User});
    return;
  }
  // Unrouted until it passed its gate: the router update of phase 1 may
  // run meanwhile, and must not send traffic to it yet.
  int weight = weight_for(st_, a, *in);
  auto rec = launcher_.start_replica(*in, a.release, img->second, a.index, 0);
  std::lock_guard lock(mu_);
  if (!rec) {
    failed(a, rec.error());
    return;
  }
  out_.started += 1;
  rec->weight = weight;
  out_.started_records.push_back(*rec);
  routed = routed || weight > 0;
  if (a.kind == ActionKind::Replace) book_restart(a);
  std::string text = a.kind == ActionKind::Move ? who(a) + " moved from " + a.server + " to " + rec->server + " (" +
                                                      a.reason + ")"
                   : a.kind == ActionKind::Replace ? who(a) + " " + a.reason + "; started again on " + rec->server
                                                   : who(a) + " started on " + rec->server + " (" + a.reason + ")";
  event(a.kind == ActionKind::Move ? "moved" : a.kind == ActionKind::Replace ? "replaced" : "started", rec->server,
        text);
}

// 3. What is missing (start, replace, move), in parallel; true when a
// routed replica started.
bool ApplyRun::start_missing() {
  std::vector<const ControlAction*> starts;
  for (const auto& a : plan_.actions) {
    if (a.kind == ActionKind::Start || a.kind == ActionKind::Replace || a.kind == ActionKind::Move) starts.push_back(&a);
  }
  bool routed = false;
  parallel_for(starts.size(), options_.parallel, [&](std::size_t k) { start(*starts[k], routed); });
  return routed;
}

void ApplyRun::route() {
  if (auto s = launcher_.sync_router(); !s) out_.errors.push_back("router: " + s.error().message);
}

std::pair<Status, std::int64_t> ApplyRun::unroute() {
  std::int64_t t0 = env_.clock->now_ms();
  auto s = launcher_.sync_router();
  return {s, env_.clock->now_ms() - t0};
}

// The started replicas get their router weights, now that they are healthy.
Status ApplyRun::weigh_started() {
  std::map<std::string, int> weight;
  for (const auto& r : out_.started_records) {
    if (r.weight > 0) weight[r.server + "/" + r.name] = r.weight;
  }
  if (weight.empty()) return {};
  auto recs = launcher_.records(st_.stack);
  if (!recs) return std::unexpected(recs.error());
  return (*recs)->update([&](const ContainerRecord& r) { return weight.count(r.server + "/" + r.name) > 0; },
                      [&](ContainerRecord& r) { r.weight = weight[r.server + "/" + r.name]; });
}

}  // namespace

ExecOutcome PlanExecutor::apply(const StackState& st, const ControlPlan& plan) {
  ApplyRun run(env_, st, plan, options_, settings_);
  run.timed("free", [&] { run.free_slices(); });
  bool reroute = run.timed("forget", [&] { return run.forget_lost(); });
  // The books are written once per phase, not once per action: here what
  // was forgotten, before the router reads them.
  Status forgotten = run.flush();
  // The router stops sending to what was forgotten while the rest goes on.
  std::future<std::pair<Status, std::int64_t>> unrouted;
  if (reroute && forgotten) unrouted = std::async(std::launch::async, [&] { return run.unroute(); });
  run.timed("fix", [&] { run.remove_and_restart(); });
  bool routed = run.timed("start", [&] { return run.start_missing(); });
  Status unroute_status;
  if (unrouted.valid()) {
    auto [s, ms] = unrouted.get();
    run.book("unroute", ms);
    unroute_status = s;
  }
  if (routed) {
    if (auto s = run.weigh_started(); !s) unroute_status = s;
  }
  // What was removed, restarted and started (with its weight), in one
  // write (with what the first write failed to write).
  Status books = run.flush();
  if (routed && books) run.timed("route", [&] { run.route(); });
  return run.take(unroute_status, forgotten ? books : forgotten);
}

}  // namespace quarry
