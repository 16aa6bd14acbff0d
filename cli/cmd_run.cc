// The stack on this machine for development: run, stop (docs/run.md).
// The orchestration is launcher/local_run.h; this file builds the real
// pieces (LocalShell, DirStore, the local nginx entry point), prints, and
// handles the foreground: logs, Ctrl-C, a second Ctrl-C.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <optional>
#include <thread>

#include "cli/command.h"
#include "cli/manifest_input.h"
#include "cli/router_sync.h"
#include "core/file_io.h"
#include "core/log.h"
#include "core/text.h"
#include "grid/clock.h"
#include "launcher/local_placer.h"
#include "launcher/local_run.h"
#include "launcher/local_shell.h"
#include "launcher/phase_timings.h"
#include "router/router_apply.h"
#include "store/dir_store.h"

namespace quarry {

namespace {

constexpr const char* kNginx = "/usr/sbin/nginx";
const Endpoint kLocalEndpoint{kLocalServer, "127.0.0.1", 0, ""};

struct RunArgs {
  std::string file = "quarry.yml";
  std::string name;
  std::vector<std::string> nodes;
  std::vector<std::string> scales;
  bool detach = false;
  int entry_port = 0;
  std::string stack;  // stop: instead of -f
  bool force = false;
  bool timings = false;  // the phases after the bring-up (run) or the stop
};

// The local entry point: nginx on 127.0.0.1:PORT sending each web node's
// domains round-robin to its replicas' published ports, applied like the
// cluster's router (render, nginx -t, reload, verify). Started on the first
// sync that has routes.
class LocalEntryPoint : public RouterHook {
 public:
  LocalEntryPoint(Store& store, RemoteShell& shell, std::string stack, std::string prefix, int port)
      : store_(store), shell_(shell), stack_(std::move(stack)), prefix_(std::move(prefix)), port_(port) {}

  Status sync() override {
    auto servers = load_servers(store_);
    if (!servers) return std::unexpected(servers.error());
    auto routes = load_routes(store_, stack_);
    if (!routes) return std::unexpected(routes.error());
    auto containers = load_containers(store_, stack_);
    if (!containers) return std::unexpected(containers.error());
    std::map<std::string, RouteList> by_stack;
    if (!routes->empty()) by_stack[stack_] = *routes;
    auto config = router_config(*servers, by_stack, {{stack_, *containers}});
    config.listen_address = "127.0.0.1";
    config.listen_port = port_;
    auto nginx = router();
    if (!nginx) return std::unexpected(nginx.error());
    auto up = nginx->running();
    if (!up) return std::unexpected(up.error());
    if (config.routes.empty() && !*up) return {};
    RouterConfig base;
    base.listen_address = config.listen_address;
    base.listen_port = port_;
    if (auto s = nginx->ensure_running(base); !s) return std::unexpected(s.error().context("local entry point"));
    if (auto s = nginx->apply(config); !s) return std::unexpected(s.error().context("local entry point"));
    return {};
  }

  Result<NginxRouter> router() {
    NginxRouter::Options o;
    o.prefix = prefix_;
    o.nginx = kNginx;
    return NginxRouter::create(shell_, kLocalEndpoint, o);
  }

 private:
  Store& store_;
  RemoteShell& shell_;
  std::string stack_;
  std::string prefix_;
  int port_;
};

Status stop_entry_point(RemoteShell& shell, const std::string& root) {
  if (!is_directory(root + "/nginx")) return {};
  NginxRouter::Options o;
  o.prefix = root + "/nginx";
  o.nginx = kNginx;
  auto nginx = NginxRouter::create(shell, kLocalEndpoint, o);
  if (!nginx) return std::unexpected(nginx.error());
  return nginx->stop();
}

LaunchOptions local_options(const std::string& stack, const std::string& root) {
  LaunchOptions o;
  o.network = local_network(stack);
  o.bind_address = "127.0.0.1";
  o.link_by_container_ip = true;
  o.env_dir = root + "/run/env";
  o.first_host_port = first_free_port(20000, port_is_free);
  o.drain_ms = 500;
  return o;
}

std::atomic<int> g_signals{0};

extern "C" void on_signal(int) { g_signals.fetch_add(1); }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool has_domains(const Stack& stack) {
  for (const auto& n : stack.nodes) {
    if (!n.domains.empty() && n.port > 0) return true;
  }
  return false;
}

Result<int> entry_port(const RunArgs& a, const std::optional<LocalState>& state, LocalEntryPoint& entry) {
  if (a.entry_port > 0) {
    bool ours = state && state->entry_port == a.entry_port;
    if (!ours && !port_is_free(a.entry_port)) {
      return fail("port " + std::to_string(a.entry_port) +
                  " on 127.0.0.1 is in use by another program: pick another with --entry-port, or leave it out to get a free one");
    }
    return a.entry_port;
  }
  if (state && state->entry_port > 0) {
    auto nginx = entry.router();
    if (nginx) {
      if (auto up = nginx->running(); up && *up) return state->entry_port;
    }
  }
  int port = first_free_port(8000, port_is_free);
  if (port == 0) return fail_remote("no free port on 127.0.0.1 from 8000 up for the entry point: free one, or give --entry-port");
  return port;
}

void print_summary(const Stack& stack, const LocalRunResult& r, int entry, bool nginx_missing) {
  std::cout << stack.name << ": release " << r.release << " runs locally";
  if (!r.kept.empty()) std::cout << " (unchanged, kept: " << join({r.kept.begin(), r.kept.end()}, ", ") << ")";
  std::cout << "\n";
  for (const auto& c : r.containers) {
    std::string label = c.service ? c.node + " (service)" : c.node + "." + std::to_string(c.index);
    std::cout << "  " << label << std::string(label.size() < 20 ? 20 - label.size() : 1, ' ')
              << (c.host_port ? "http://127.0.0.1:" + std::to_string(c.host_port) : std::string("-")) << "\n";
  }
  for (const auto& n : stack.nodes) {
    if (n.domains.empty() || n.port <= 0) continue;
    if (entry > 0) {
      for (const auto& d : n.domains) {
        std::cout << "  entry " << n.name << std::string(n.name.size() < 14 ? 14 - n.name.size() : 1, ' ')
                  << "http://127.0.0.1:" << entry << " (Host: " << d << ")\n";
      }
    } else if (nginx_missing) {
      std::cout << "  (nginx is not installed: no local entry point for " << join(n.domains, ", ")
                << "; use the ports above, or install nginx — see docs/run.md)\n";
    }
  }
  std::cout.flush();
}

// Waits until `done` holds, watching for signals; a second signal runs
// `force` once. Returns the number of signals seen.
int wait_watching(const std::atomic<bool>& done, const std::function<void()>& force, int forced_at) {
  bool forced = false;
  while (!done.load()) {
    if (!forced && g_signals.load() >= forced_at) {
      forced = true;
      force();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return g_signals.load();
}

Status run(Context& ctx, const RunArgs& a) {
  SystemClock clock;
  PhaseTimings timings(clock);
  auto m = load_manifest(ctx, a.file, a.name);
  if (!m) return std::unexpected(m.error());
  auto stack = select_processes(m->stack, a.nodes);
  if (!stack) return std::unexpected(stack.error());
  if (auto s = apply_scale_overrides(*stack, a.scales); !s) return s;
  const std::string root = local_root(ctx.home(), stack->name);
  const bool first_run = !is_directory(root + "/stacks/" + stack->name);
  if (auto s = make_dirs(root + "/run"); !s) return s;
  DirStore store(root);
  LocalShell shell;
  auto options = local_options(stack->name, root);
  auto state = load_local_state(store);
  if (!state) return std::unexpected(state.error());
  LocalEntryPoint entry(store, shell, stack->name, root + "/nginx", 0);
  bool nginx_missing = !path_exists(kNginx);
  int port = 0;
  if (has_domains(*stack) && !nginx_missing) {
    auto p = entry_port(a, *state, entry);
    if (!p) return std::unexpected(p.error());
    port = *p;
  }
  LocalEntryPoint router(store, shell, stack->name, root + "/nginx", port);
  LocalRunner runner(shell, store, port ? &router : nullptr, options);
  runner.record_timings(&timings);

  LocalState st{stack->name, options.network, port, a.detach ? 0 : static_cast<int>(getpid()), {}};
  for (const auto& n : stack->nodes) st.domains.insert(st.domains.end(), n.domains.begin(), n.domains.end());
  if (auto s = save_local_state(store, st); !s) return s;
  auto teardown = [&](bool force) {
    LocalRunner r(shell, store, nullptr, options);
    if (auto s = r.down(stack->name, force); !s) log_warn(s.error().message);
    if (auto s = stop_entry_point(shell, root); !s) log_warn(s.error().message);
    st.pid = 0;
    st.entry_port = 0;
    (void)save_local_state(store, st);
  };
  // A run that found no engine started nothing: the first run of a stack
  // leaves no state behind, so that `quarry stop` finds no such stack.
  auto no_engine = [&](const Error& e) -> Status {
    if (first_run) (void)remove_all(root);
    return std::unexpected(e);
  };
  if (a.detach) {
    auto r = runner.up(LocalRunRequest{*stack, m->directory});
    if (a.timings) std::cerr << render_timings(timings.summary());
    if (!r && runner.engine_down()) return no_engine(r.error());
    if (!r) return fail(r.error().context("quarry run").message + "\n(what started still runs: `quarry stop -f " + a.file +
                        "` removes it)", r.error().kind);
    print_summary(*stack, *r, port, nginx_missing);
    std::cout << "detached: `quarry stop -f " << a.file << "` stops it, `quarry ps --local` lists it\n";
    return {};
  }

  install_signal_handlers();
  std::atomic<bool> up_done{false};
  Result<LocalRunResult> result = fail("not run");
  std::thread up_thread([&] {
    result = runner.up(LocalRunRequest{*stack, m->directory});
    up_done = true;
  });
  // A second Ctrl-C during the bring-up removes everything at once and quits.
  wait_watching(up_done, [&] {
    log_warn("forced: removing the stack's containers now");
    teardown(true);
    std::fflush(stdout);
    std::_Exit(130);
  }, 2);
  up_thread.join();
  if (a.timings) std::cerr << render_timings(timings.summary());
  if (!result && runner.engine_down()) return no_engine(result.error());
  if (!result) {
    teardown(false);
    return std::unexpected(result.error());
  }
  if (g_signals.load() == 0) {
    print_summary(*stack, *result, port, nginx_missing);
    std::cout << "following the logs; Ctrl-C stops and removes the stack (named volumes are kept)\n";
    std::cout.flush();
  }
  std::atomic<bool> logs_done{false};
  bool color = isatty(STDOUT_FILENO);
  std::thread logs([&] {
    LocalRunner r(shell, store, nullptr, options);
    r.follow_logs(result->containers, color);
    logs_done = true;
  });
  // Until Ctrl-C, or until `quarry stop` elsewhere empties the books.
  for (int tick = 0; g_signals.load() == 0; ++tick) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (tick % 10 != 9) continue;
    auto now = load_containers(store, stack->name);
    if (now && now->empty()) break;
  }
  if (g_signals.load() > 0) log_info("==> stopping " + stack->name + " (Ctrl-C again to force)");
  int seen = g_signals.load();
  std::atomic<bool> down_done{false};
  std::thread down([&] {
    teardown(false);
    down_done = true;
  });
  wait_watching(down_done, [&] {
    log_warn("forced: removing the stack's containers now");
    teardown(true);
  }, seen + 1);
  down.join();
  for (int i = 0; i < 50 && !logs_done.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (!logs_done.load()) {
    // A log stream that outlives its container: nothing left to show.
    std::fflush(stdout);
    std::_Exit(0);
  }
  logs.join();
  return {};
}

Status stop(Context& ctx, const RunArgs& a) {
  std::string stack = a.stack;
  if (stack.empty()) {
    auto m = load_manifest(ctx, a.file, a.name);
    if (!m) return std::unexpected(m.error());
    stack = m->stack.name;
  }
  const std::string root = local_root(ctx.home(), stack);
  if (!is_directory(root + "/stacks/" + stack)) {
    return fail("no local stack '" + stack + "' (quarry ps --local lists them; quarry run starts one)");
  }
  DirStore store(root);
  LocalShell shell;
  auto options = local_options(stack, root);
  LocalRunner runner(shell, store, nullptr, options);
  SystemClock clock;
  PhaseTimings timings(clock);
  runner.record_timings(&timings);
  Step step("stop " + stack);
  auto down = runner.down(stack, a.force);
  if (a.timings) std::cerr << render_timings(timings.summary());
  if (!down) {
    step.failed(down.error().message);
    return down;
  }
  if (auto s = stop_entry_point(shell, root); !s) log_warn(s.error().message);
  auto state = load_local_state(store);
  if (state && *state && (*state)->entry_port != 0) {
    auto st = **state;
    st.entry_port = 0;
    (void)save_local_state(store, st);
  }
  step.done("named volumes of services are kept");
  return {};
}

}  // namespace

void register_run_commands(Registry& r) {
  auto a = std::make_shared<RunArgs>();
  auto* run_cmd = r.add(r.app(), "run", "Run the stack on this machine (docker), from the same quarry.yml",
                        [a](Context& c) { return run(c, *a); });
  run_cmd->add_option("-f,--file", a->file, "The manifest (default quarry.yml)");
  run_cmd->add_option("--name", a->name, "The stack's name when quarry.yml has no name: (default: its directory's)");
  run_cmd->add_option("nodes", a->nodes, "Run only these nodes (and what they depend on)");
  run_cmd->add_flag("-d,--detach", a->detach, "Start and return (quarry stop stops it)");
  run_cmd->add_option("--scale", a->scales, "NODE=N: replicas of a node, over the manifest's scale (repeatable)")
      ->allow_extra_args(false);
  run_cmd->add_option("--entry-port", a->entry_port, "Port of the local entry point on 127.0.0.1 (default: a free one)")
      ->check(CLI::Range(1, 65535));
  run_cmd->add_flag("--timings", a->timings,
                    "After the bring-up, print where its time went: each phase (engine, network, build, reconcile, "
                    "start, link, health, router) with its count and span");

  auto* stop_cmd = r.add(r.app(), "stop", "Stop the stack run locally and remove its containers and network",
                         [a](Context& c) { return stop(c, *a); });
  stop_cmd->add_option("-f,--file", a->file, "The manifest (default quarry.yml)");
  stop_cmd->add_option("--name", a->name, "The stack's name when quarry.yml has no name:");
  stop_cmd->add_option("--stack", a->stack, "The stack's name, instead of reading the manifest");
  stop_cmd->add_flag("--force", a->force, "Remove the containers at once, without a grace time");
  stop_cmd->add_flag("--timings", a->timings,
                     "After the stop, print where its time went: each phase (stop, remove, network) with its span");
}

}  // namespace quarry
