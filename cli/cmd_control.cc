// The control plane's commands: hq serve (the reconcile loop), events (its
// journal) and cluster fault (cut a local server off, to watch a stack heal).
#include <atomic>
#include <csignal>
#include <ctime>
#include <iostream>
#include <thread>
#include <unistd.h>

#include "cli/cluster.h"
#include "cli/command.h"
#include "cli/router_sync.h"
#include "control/control_loop.h"
#include "control/leader_loop.h"
#include "control/events.h"
#include "core/log.h"
#include "core/subprocess.h"
#include "core/text.h"
#include "store/fenced_store.h"
#include "store/store_url.h"

namespace quarry {

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

struct ServeArgs {
  bool once = false;
  bool dry = false;
  std::string id;       // this HQ's name among the HQs (default: the host name)
  std::string address;  // where peers reach it (default: the host name)
};

void print_report(const PassReport& r, bool json) {
  if (json) {
    nlohmann::json events = nlohmann::json::array(), plans = nlohmann::json::object();
    for (const auto& e : r.events) events.push_back(to_json(e));
    for (const auto& [stack, p] : r.plans) plans[stack] = control_plan_json(p);
    std::cout << nlohmann::json{{"servers", {{"up", r.servers_up}, {"suspect", r.servers_suspect}, {"down", r.servers_down}}},
                                {"actions", r.actions}, {"skipped_stacks", r.skipped_stacks},
                                {"steady_stacks", r.steady_stacks}, {"events", events},
                                {"errors", r.errors}, {"plans", plans}}
                     .dump()
              << "\n"
              << std::flush;
    return;
  }
  for (const auto& e : r.events) std::cout << render_event(e) << "\n";
  for (const auto& e : r.errors) log_warn(e);
  if (!r.events.empty() || r.actions > 0) {
    // Where a pass that saw or did something spent its time.
    std::string line = "pass timings:";
    for (const auto& [phase, ms] : r.timings_ms) line += " " + phase + "=" + std::to_string(ms) + "ms";
    log_info(line);
  }
  std::cout << std::flush;
}

std::string this_host() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || !*name) return "hq";
  return name;
}

// The control loop of this HQ, built when it first leads: the cluster's
// parts are built over ctx.store(), which is then the fenced store.
struct LeaderWork {
  Context& ctx;
  const LoopSettings& settings;
  std::unique_ptr<FencedStore> fenced;
  std::unique_ptr<Cluster> cluster;
  std::unique_ptr<ControlLoop> loop;

  Status begin(const LeaderTerm& term) {
    if (!fenced) {
      fenced = std::make_unique<FencedStore>(ctx.shared_store(), term);
      ctx.use_store(fenced.get());
    }
    fenced->set_term(term);
    if (loop) return {};
    cluster = std::make_unique<Cluster>(ctx);
    cluster->set_connect_timeout(std::chrono::milliseconds(settings.observe_timeout_ms));
    auto env = cluster->control_env();
    if (!env) return std::unexpected(env.error());
    LaunchOptions options;
    options.drain_ms = 500;
    // What the loop starts sees the replicated files and the hosts entries,
    // as what a deploy starts does.
    Cluster* c = cluster.get();
    options.files_root = [c](const ServerRecord& s) { return c->network().files_root_of(s); };
    options.extra_hosts = [c] { return c->network().host_entries(); };
    loop = std::make_unique<ControlLoop>(*env, settings, options);
    return {};
  }
};

Status serve(Context& ctx, const ServeArgs& a) {
  auto settings = load_loop_settings(ctx.store());
  if (!settings) return std::unexpected(settings.error());
  settings->act = !a.dry;
  // One loop among all the HQs sharing the store: the one that leads
  // (store/leadership.h); every write of its passes is fenced on its term.
  auto leadership = make_leadership(ctx.shared_store(), kDefaultLeaderTtl,
                                    [] { return static_cast<std::int64_t>(std::time(nullptr)); });
  if (!leadership) return std::unexpected(leadership.error());
  static const SystemClock clock;
  LeaderWork work{ctx, *settings, nullptr, nullptr, nullptr};
  std::optional<Error> pass_failed;
  LeaderLoopSettings ls{a.id.empty() ? this_host() : a.id, a.address.empty() ? this_host() : a.address,
                        settings->interval_ms, 250};
  LeaderLoopHooks hooks{[&](const LeaderTerm& t) { return work.begin(t); },
                        [&] {
                          auto report = work.loop->pass();
                          if (!report) {
                            log_warn("pass failed: " + report.error().message);
                            pass_failed = report.error();
                          } else {
                            print_report(*report, ctx.options().json);
                          }
                        },
                        [](const std::string& line) { log_info("==> " + line); }};
  LeaderLoop leader(**leadership, ctx.shared_store(), clock, ls, hooks);
  if (a.once) {
    auto led = leader.step();
    auto resigned = (*leadership)->resign();
    if (!led) return std::unexpected(led.error());
    if (!*led) {
      auto who = (*leadership)->leader();
      return fail("another `quarry hq serve` leads the control loop" +
                  (who && *who ? ": HQ " + (*who)->hq_id + " (term " + std::to_string((*who)->term) + ")" : std::string()));
    }
    if (pass_failed) return std::unexpected(*pass_failed);
    return resigned;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  log_info("==> quarry hq serve as HQ " + ls.hq_id + " on " + ctx.shared_store().url() + ": a pass every " +
           std::to_string(settings->interval_ms) + " ms while it leads (pid " + std::to_string(getpid()) + ")");
  auto sleep = [](std::int64_t ms) {
    for (std::int64_t slept = 0; slept < ms && !g_stop; slept += 50) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<std::int64_t>(50, ms - slept)));
    }
  };
  return leader.serve(g_stop, sleep);
}

struct EventArgs {
  std::string stack;
  bool follow = false;
};

Status events(Context& ctx, const EventArgs& a) {
  std::uint64_t last = 0;
  bool json = ctx.options().json;
  auto print = [&](const std::vector<Event>& list) {
    for (const auto& e : list) {
      last = std::max(last, e.seq);
      if (json && a.follow) std::cout << to_json(e).dump() << "\n";
      else if (!json) std::cout << render_event(e) << "\n";
    }
    std::cout << std::flush;
  };
  auto list = read_events(ctx.store(), a.stack);
  if (!list) return std::unexpected(list.error());
  if (json && !a.follow) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& e : *list) arr.push_back(to_json(e));
    std::cout << arr.dump(2) << "\n";
    return {};
  }
  if (list->empty() && !a.follow && !json) std::cout << "no events (quarry hq serve records them)\n";
  print(*list);
  if (!a.follow) return {};
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  while (!g_stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto more = read_events(ctx.store(), a.stack, last);
    if (!more) return std::unexpected(more.error());
    print(*more);
  }
  return {};
}

struct FaultArgs {
  std::string server;
  std::string what;
};

// The local cloud's server SERVER: namespace q-C-N, host-side veth qv-C-N.
Status fault(Context& ctx, const FaultArgs& a) {
  auto rec = load_server(ctx.store(), a.server);
  if (!rec) return std::unexpected(rec.error());
  if (!*rec) return fail("no server '" + a.server + "' (see quarry servers)");
  if ((*rec)->provider != "local" || !starts_with((*rec)->provider_ref, "q-")) {
    return fail("server " + a.server + " is not on the local cloud: faults are for the local cloud only");
  }
  const std::string ns = (*rec)->provider_ref;
  const std::string veth = "qv-" + ns.substr(2);
  const Argv ssh_drop = {"ip", "netns", "exec", ns, "iptables", "-w", "-I", "INPUT", "-p", "tcp", "--dport",
                         std::to_string((*rec)->ssh_port), "-j", "DROP", "-m", "comment", "--comment", "quarry-fault"};
  if (a.what == "down") {
    // The link is cut: nothing reaches it, its containers keep running.
    if (auto r = run_checked({"ip", "link", "set", veth, "down"}); !r) return std::unexpected(r.error());
  } else if (a.what == "partition") {
    // The HQ cannot reach it (SSH dropped) while the router still can.
    if (auto r = run_checked(ssh_drop); !r) return std::unexpected(r.error());
  } else if (a.what == "up") {
    if (auto r = run_checked({"ip", "link", "set", veth, "up"}); !r) return std::unexpected(r.error());
    Argv del = ssh_drop;
    del[6] = "-D";
    while (run_process(del).value_or(ProcessResult{1, "", "", false}).ok()) {
    }
  } else {
    return fail("unknown fault '" + a.what + "': down, up or partition", ErrorKind::Usage);
  }
  std::cout << a.server << ": " << a.what << "\n";
  return {};
}

}  // namespace

void register_control_commands(Registry& r) {
  auto* hq = r.app().get_subcommand("hq");
  auto sa = std::make_shared<ServeArgs>();
  auto* serve_cmd = r.add(*hq, "serve", "Run the control loop: keep every stack at its desired state (foreground)",
                          [sa](Context& c) { return serve(c, *sa); });
  serve_cmd->add_flag("--once", sa->once, "Run one pass and exit");
  serve_cmd->add_flag("--dry-run", sa->dry, "Observe and plan, change nothing");
  serve_cmd->add_option("--id", sa->id, "This HQ's name among the HQs sharing the store (default: the host name)");
  serve_cmd->add_option("--address", sa->address, "Where the other HQs reach this one (default: the host name)");
  r.json_flag(serve_cmd);

  auto ea = std::make_shared<EventArgs>();
  auto* ev = r.add(r.app(), "events", "What the control loop observed and did, with times",
                   [ea](Context& c) { return events(c, *ea); });
  ev->add_option("stack", ea->stack, "Only this stack's events");
  ev->add_flag("-f,--follow", ea->follow, "Keep printing new events");
  r.json_flag(ev);

  auto fa = std::make_shared<FaultArgs>();
  auto* cluster = r.app().get_subcommand("cluster");
  auto* fault_cmd = r.add(*cluster, "fault", "Cut a local-cloud server off (down, partition) or restore it (up)",
                          [fa](Context& c) { return fault(c, *fa); });
  fault_cmd->add_option("SERVER", fa->server, "The server's id")->required();
  fault_cmd->add_option("FAULT", fa->what, "down | up | partition")->required();
}

}  // namespace quarry
