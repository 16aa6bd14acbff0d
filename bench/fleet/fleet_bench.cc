// The control loop at fleet scale, simulated: N servers (10,000) running M
// containers (1,000,000) of S stacks (1,000), all in memory: a MemoryStore
// holding the servers, releases and books, FakeDocker playing every
// server's engine behind a shell that answers each server's observe query
// with a canned copy of its `docker ps` output made before timing. Three
// passes of the real ControlLoop are measured, each for CPU time
// (getrusage, every thread), wall time and memory (peak RSS during the
// pass over the RSS before it):
//   first    the loop's first pass (no health or observation recorded yet)
//   steady   the next pass: nothing to do (--repeat N: N of them, their mean)
//   failures 1% of the containers dead (half exited, half gone) and one
//            server down: restarts, replacements and moves carried out
// The floor, measured in the same run: the observe step alone (every
// server's query answered from the canned copy and parsed), which any pass
// must do. Aims: the steady pass under 1 s of CPU, and at most 3x its floor.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>

#include "bench/common/bench_report.h"
#include "compiler/compile.h"
#include "compiler/instruction_json.h"
#include "control/control_loop.h"
#include "control/observer.h"
#include "grid/clock.h"
#include "launcher/docker_commands.h"
#include "store/store_json.h"
#include "tests/fakes/fake_docker.h"
#include "tests/fakes/memory_store.h"

namespace quarry {
namespace {

struct Options {
  int servers = 10000;
  int containers = 1000000;
  int stacks = 1000;
  bool json = false;
  bool failures = true;  // --steady: no failures pass (to profile the others)
  int repeat = 1;         // --repeat N: the steady pass N times (their mean; to profile it)
};

// Answers the observe query (`docker ps`) of each server from a copy of
// FakeDocker's answer made earlier; any other command goes to FakeDocker
// and drops that server's copy (the next query makes a new one).
class CannedShell : public RemoteShell {
 public:
  explicit CannedShell(FakeDocker& docker) : docker_(docker) {}

  Result<ProcessResult> run(const Endpoint& host, const Command& cmd) override {
    if (cmd.argv.size() < 2 || cmd.argv[1] != "ps") {
      drop(host.name);
      return docker_.run(host, cmd);
    }
    {
      std::lock_guard lock(mu_);
      if (auto it = canned_.find(host.name); it != canned_.end()) return it->second;
    }
    auto r = docker_.run(host, cmd);
    if (r) {
      std::lock_guard lock(mu_);
      canned_[host.name] = *r;
    }
    return r;
  }
  void drop(const std::string& host) {
    std::lock_guard lock(mu_);
    canned_.erase(host);
  }
  std::size_t bytes() const {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& [h, r] : canned_) n += r.out.size();
    return n;
  }

 private:
  FakeDocker& docker_;
  mutable std::mutex mu_;
  std::map<std::string, ProcessResult> canned_;
};

// Places round robin over the servers, skipping those to avoid. Keeps no
// books (so no slice is ever orphaned).
class RoundRobinPlacer : public Placer {
 public:
  explicit RoundRobinPlacer(std::vector<std::string> ids) : ids_(std::move(ids)) {}
  Result<std::string> place(const Slice& slice) override { return place_avoiding(slice, {}); }
  Result<std::string> place_avoiding(const Slice& slice, const std::set<std::string>& avoid) override {
    std::lock_guard lock(mu_);
    for (std::size_t tries = 0; tries < ids_.size(); ++tries) {
      const auto& id = ids_[next_++ % ids_.size()];
      if (!avoid.count(id)) return id;
    }
    return fail_remote("no server can take " + slice.id);
  }
  Status release(const std::string&) override { return {}; }

 private:
  std::mutex mu_;
  std::vector<std::string> ids_;
  std::size_t next_ = 0;
};

std::string server_id(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "s%05d", i);
  return buf;
}
std::string stack_name(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "st%04d", i);
  return buf;
}

// The RSS now and its peak since the last reset, in MB (Linux /proc).
double status_mb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024.0;
  }
  return 0;
}
void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

double cpu_s() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Measure {
  double cpu = 0, wall = 0, rss_before = 0, peak = 0, rss_after = 0;
  double extra() const { return peak - rss_before; }
};

template <class F>
Measure measure(F&& f) {
  Measure m;
  reset_peak();
  m.rss_before = status_mb("VmRSS");
  double c0 = cpu_s();
  auto w0 = std::chrono::steady_clock::now();
  f();
  m.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  m.cpu = cpu_s() - c0;
  m.peak = status_mb("VmHWM");
  m.rss_after = status_mb("VmRSS");
  return m;
}

nlohmann::json to_json(const Measure& m) {
  return {{"cpu_s", m.cpu}, {"wall_s", m.wall}, {"rss_before_mb", m.rss_before}, {"peak_rss_mb", m.peak},
          {"rss_after_mb", m.rss_after}, {"extra_mb", m.extra()}};
}

class Fleet {
 public:
  explicit Fleet(const Options& o) : o_(o), shell_(docker_) {}

  Status build() {
    std::vector<std::string> ids;
    for (int i = 0; i < o_.servers; ++i) {
      ServerRecord r;
      r.id = server_id(i);
      r.provider = "manual";
      r.ip = "10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256);
      r.memory_mb = 65536;
      r.cpu = 32;
      if (auto s = save_server(store_, r); !s) return s;
      ids.push_back(r.id);
      servers_.push_back(r);
    }
    placer_ = std::make_unique<RoundRobinPlacer>(ids);
    int per = o_.containers / o_.stacks;
    long n = 0;
    for (int k = 0; k < o_.stacks; ++k) {
      if (auto s = build_stack(stack_name(k), per, n); !s) return s;
    }
    return {};
  }

  // Every server's observe answer made now, so that a pass only copies it.
  void warm() {
    for (const auto& s : servers_) {
      Command c;
      c.argv = observe_command();
      (void)shell_.run(endpoint_of(s), c);
    }
  }

  // The observe step alone: every query answered and parsed.
  std::size_t observe_only() {
    auto seen = observe_servers(shell_, servers_, std::chrono::milliseconds(2000), clock_.now_ms());
    std::size_t n = 0;
    for (const auto& [id, r] : seen) n += r.containers.size();
    return n;
  }

  // The next pass of one long-lived loop, as `quarry hq serve` runs them.
  Result<PassReport> pass() {
    clock_.advance_ms(1000);
    if (!loop_) {
      ControlEnv env;
      env.clock = &clock_;
      env.store = &store_;
      env.shell = &shell_;
      env.placer = placer_.get();
      LaunchOptions options;
      options.drain_ms = 0;
      options.stop_grace_s = 1;
      loop_ = std::make_unique<ControlLoop>(env, LoopSettings{}, options);
    }
    return loop_->pass();
  }

  // 1% of the containers die (every 100th: exited, and every 200th also
  // removed), and one server (holding none of those) goes down: it has been
  // silent long enough that this pass calls it down.
  int fail_some() {
    int dead = 0;
    const std::string lost = servers_.back().id;
    for (std::size_t i = 0; i < placed_.size(); i += 100) {
      const auto& [server, name] = placed_[i];
      if (server == lost) continue;
      docker_.kill(server, name, i % 200 == 0);
      shell_.drop(server);
      ++dead;
    }
    docker_.cut(lost);
    shell_.drop(lost);
    ServerHealth h;
    h.server = lost;
    h.state = Health::Suspect;
    h.last_contact_ms = clock_.now_ms() - 60000;
    h.since_ms = h.last_contact_ms;
    h.checked_ms = clock_.now_ms();
    (void)save_health(store_, h);
    warm();
    return dead;
  }

  std::size_t canned_bytes() const { return shell_.bytes(); }

 private:
  Status build_stack(const std::string& name, int replicas, long& n) {
    Stack s;
    s.name = name;
    Process p;
    p.name = "web";
    p.image = "app";
    p.memory_mb = 64;
    p.scale = replicas;
    s.nodes = {p};
    s.manifest_hash = "h";
    auto list = compile(s, {});
    const Instruction* deploy = nullptr;
    for (const auto& in : list.instructions) {
      if (in.op == Op::Deploy) deploy = &in;
    }
    if (!deploy) return fail("compile gave no deploy of " + name);
    ReleaseRecord rec;
    rec.number = 1;
    rec.stack = name;
    rec.status = "deployed";
    const std::string tag = "quarry/" + name + "_web:r1";
    rec.spec = {{"instructions", nlohmann::json::parse(to_json(list))},
                {"images", {{"web", {{"tag", tag}, {"id", "sha256:" + std::string(64, 'a')}}}}}};
    if (auto st = save_release(store_, rec); !st) return st;
    std::vector<ContainerRecord> books;
    books.reserve(static_cast<std::size_t>(replicas));
    for (int i = 1; i <= replicas; ++i, ++n) {
      ContainerPlacement at;
      at.release = 1;
      at.index = i;
      ContainerRecord r;
      r.stack = name;
      r.node = "web";
      r.index = i;
      r.release = 1;
      r.server = servers_[static_cast<std::size_t>(n % o_.servers)].id;
      r.name = container_name(*deploy, at);
      char id[65];
      std::snprintf(id, sizeof id, "%064lx", static_cast<unsigned long>(n + 1));
      r.id = id;
      r.image = tag;
      r.memory_mb = 64;
      r.state = "running";
      r.started_at = 1;
      FakeDocker::Container c;
      c.name = r.name;
      c.image = tag;
      c.id = r.id;
      c.labels = {{std::string(kLabelStack), name}, {std::string(kLabelNode), "web"},
                  {std::string(kLabelRelease), "1"}, {std::string(kLabelIndex), std::to_string(i)},
                  {std::string(kLabelKind), "node"}};
      docker_.put(r.server, std::move(c));
      placed_.emplace_back(r.server, r.name);
      books.push_back(std::move(r));
    }
    return save_containers(store_, name, books);
  }

  Options o_;
  MemoryStore store_;
  FakeDocker docker_;
  CannedShell shell_;
  ManualClock clock_{1'000'000'000};
  std::vector<ServerRecord> servers_;
  std::unique_ptr<RoundRobinPlacer> placer_;
  std::unique_ptr<ControlLoop> loop_;
  std::vector<std::pair<std::string, std::string>> placed_;  // (server, name) of every container
};

int count(const PassReport& r, ActionKind k) {
  int n = 0;
  for (const auto& [stack, plan] : r.plans) n += plan.count(k);
  return n;
}

int run(const Options& o) {
  Fleet fleet(o);
  auto setup = measure([&] {
    if (auto s = fleet.build(); !s) {
      std::fprintf(stderr, "fleet_bench: %s\n", s.error().message.c_str());
      std::exit(1);
    }
    fleet.warm();
  });
  std::size_t seen = 0;
  auto floor = measure([&] { seen = fleet.observe_only(); });
  if (seen != static_cast<std::size_t>(o.containers / o.stacks) * static_cast<std::size_t>(o.stacks)) {
    std::fprintf(stderr, "fleet_bench: observed %zu containers, expected %d\n", seen, o.containers);
    return 1;
  }
  Result<PassReport> first, steady, failed;
  auto m_first = measure([&] { first = fleet.pass(); });
  auto m_steady = measure([&] {
    for (int i = 0; i < o.repeat && (i == 0 || steady); ++i) steady = fleet.pass();
  });
  m_steady.cpu /= o.repeat;
  m_steady.wall /= o.repeat;
  if (!first || !steady) {
    std::fprintf(stderr, "fleet_bench: pass failed: %s\n", (!first ? first : steady).error().message.c_str());
    return 1;
  }
  if (steady->actions != 0 || !steady->errors.empty()) {
    std::fprintf(stderr, "fleet_bench: the steady pass acted (%d actions, %zu errors)\n", steady->actions,
                 steady->errors.size());
    return 1;
  }
  if (!o.failures) {
    std::printf("steady pass: %.3f s CPU, %.3f s wall, %d of %zu stacks' plans reused; observe floor %.3f s CPU\n",
                m_steady.cpu, m_steady.wall, steady->steady_stacks, steady->plans.size(), floor.cpu);
    return 0;
  }
  int dead = fleet.fail_some();
  auto m_failed = measure([&] { failed = fleet.pass(); });
  if (!failed) {
    std::fprintf(stderr, "fleet_bench: pass failed: %s\n", failed.error().message.c_str());
    return 1;
  }
  bench::Report report("fleet");
  report.ratio("steady_cpu_s", m_steady.cpu, "<= 1");
  report.ratio("steady/observe", m_steady.cpu / std::max(floor.cpu, 1e-9), "<= 3");
  report.figure("observe_cpu_s", floor.cpu);
  report.extra("scale") = {{"servers", o.servers}, {"containers", o.containers}, {"stacks", o.stacks},
                           {"canned_mb", static_cast<double>(fleet.canned_bytes()) / 1e6}};
  report.extra("setup") = to_json(setup);
  report.extra("observe") = to_json(floor);
  report.extra("first") = to_json(m_first);
  report.extra("steady") = to_json(m_steady);
  report.extra("steady")["plans_reused"] = steady->steady_stacks;
  auto f = to_json(m_failed);
  f["dead"] = dead;
  f["restart"] = count(*failed, ActionKind::Restart);
  f["replace"] = count(*failed, ActionKind::Replace);
  f["move"] = count(*failed, ActionKind::Move);
  f["actions"] = failed->actions;
  f["errors"] = failed->errors.size();
  f["servers_down"] = failed->servers_down;
  report.extra("failures") = f;
  if (o.json) {
    report.print();
    return 0;
  }
  std::printf("fleet: %d servers, %d containers in %d stacks (canned ps answers: %.0f MB)\n", o.servers,
              o.containers, o.stacks, static_cast<double>(fleet.canned_bytes()) / 1e6);
  auto line = [](const char* what, const Measure& m) {
    std::printf("  %-9s cpu %7.3f s  wall %7.3f s  rss %7.0f MB, peak %7.0f MB (+%.0f MB)\n", what, m.cpu, m.wall,
                m.rss_before, m.peak, m.extra());
  };
  line("setup", setup);
  line("observe", floor);
  line("first", m_first);
  line("steady", m_steady);
  line("failures", m_failed);
  std::printf("  failures: %d dead, %d restart, %d replace, %d move, %d actions, %zu errors, %d down\n", dead,
              count(*failed, ActionKind::Restart), count(*failed, ActionKind::Replace),
              count(*failed, ActionKind::Move), failed->actions, failed->errors.size(), failed->servers_down);
  for (std::size_t i = 0; i < failed->errors.size() && i < 3; ++i) std::printf("    %s\n", failed->errors[i].c_str());
  std::printf("  steady pass: %.3f s CPU (aim < 1 s), %.2fx the observe floor (aim <= 3); %d of %zu stacks' plans "
              "reused\n",
              m_steady.cpu, m_steady.cpu / std::max(floor.cpu, 1e-9), steady->steady_stacks, steady->plans.size());
  return 0;
}

}  // namespace
}  // namespace quarry

int main(int argc, char** argv) {
  quarry::Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](int& out) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "fleet_bench: %s needs a number\n", a.c_str());
        std::exit(2);
      }
      out = std::atoi(argv[++i]);
    };
    if (a == "--json") o.json = true;
    else if (a == "--steady") o.failures = false;
    else if (a == "--servers") value(o.servers);
    else if (a == "--containers") value(o.containers);
    else if (a == "--stacks") value(o.stacks);
    else if (a == "--repeat") value(o.repeat);
    else {
      std::fprintf(stderr,
                   "usage: fleet_bench [--servers N] [--containers N] [--stacks N] [--steady] [--repeat N] "
                   "[--json]\n");
      return 2;
    }
  }
  if (o.servers < 2 || o.stacks < 1 || o.containers < o.stacks || o.repeat < 1 || o.servers > 100000 ||
      o.containers > 10000000) {
    std::fprintf(stderr, "fleet_bench: need 2..100000 servers, stacks..10000000 containers, --repeat >= 1\n");
    return 2;
  }
  return quarry::run(o);
}
