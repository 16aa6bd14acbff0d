#include "bench/common/bench_cluster.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "core/text.h"

namespace quarry::bench {

namespace {
// Held here, not in main, so that die() (std::exit runs no destructor of
// main's locals) still takes the cluster down.
std::unique_ptr<e2e::TestCluster> g_cluster;
std::string g_bench = "bench";
}  // namespace

void stop_cluster() { g_cluster.reset(); }

void die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", g_bench.c_str(), what.c_str());
  stop_cluster();
  std::exit(1);
}

Result<e2e::TestCluster*> start_cluster(const ClusterSpec& spec) {
  g_bench = spec.bench;
  setenv("QUARRY_BIN", spec.quarry_bin.c_str(), 0);
  setenv("QUARRY_SOURCE_DIR", spec.source_dir.c_str(), 0);
  if (auto why = e2e::TestCluster::missing_prerequisite(); !why.empty()) return fail(why);
  if (g_cluster) return fail("one cluster per bench process");
  g_cluster = std::make_unique<e2e::TestCluster>();  // its destructor runs `quarry cluster down`
  if (auto s = g_cluster->start(spec.servers, spec.server_memory_mb, spec.grid_json, spec.router); !s) {
    stop_cluster();
    return std::unexpected(s.error());
  }
  return g_cluster.get();
}

ProcessResult run_or_die(const Argv& argv, std::map<std::string, std::string> env) {
  ProcessOptions o;
  o.env = std::move(env);
  o.timeout = std::chrono::minutes(5);
  auto r = run_process(argv, o);
  if (!r) die(shell_join(argv) + ": " + r.error().message);
  return *r;
}

Argv engine(const e2e::ServerInfo& s, const Argv& args) {
  Argv a = {"docker", "-H", "unix://" + s.dir + "/docker.sock"};
  a.insert(a.end(), args.begin(), args.end());
  return a;
}

void each_parallel(std::size_t n, const std::function<void(std::size_t)>& work) {
  std::vector<std::thread> threads;
  threads.reserve(n);
  for (std::size_t i = 0; i < n; ++i) threads.emplace_back([&work, i] { work(i); });
  for (auto& t : threads) t.join();
}

void clear_stack(const std::vector<e2e::ServerInfo>& servers, const std::string& stack) {
  each_parallel(servers.size(), [&](std::size_t i) {
    auto ids = run_or_die(engine(servers[i], {"ps", "-aq", "--filter", "label=quarry.stack=" + stack}));
    Argv rm = engine(servers[i], {"rm", "-f"});
    for (auto& id : split_lines(trim(ids.out))) {
      if (!id.empty()) rm.push_back(id);
    }
    if (rm.size() > 5) run_or_die(rm);
  });
}

}  // namespace quarry::bench
