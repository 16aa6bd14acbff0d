// scale_bench: many servers and containers at once, on this machine.
//
//   scale_bench [--servers N] [--containers M] [--json]     (default 32 and 64)
//
// Creates N local servers (`quarry servers add -n N`: each a network
// namespace with its own sshd and dockerd, through the local cloud), then
// deploys one stack of M containers (web and worker, M/2 replicas each,
// spread two to a server) with `quarry deploy`, and times, side by side:
//   create     `servers add -n N`: time per server created
//   first      the first deploy: build on the HQ, ship to every server, start M
//   quarry     a deploy of the same stack when every server has the image and
//              no container runs (removed by hand): start M, per container
//   floor      the same M docker runs sent straight to each server's engine
//              socket on this machine, all at once
// and the HQ's peak memory: the largest resident set (VmHWM) of the quarry
// process during the first deploy. Everything is removed at the end
// (`quarry cluster down`). Needs root, sshd, dockerd, nginx; run it alone
// (flock /tmp/quarry-e2e.lock).
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <thread>

#include "bench/common/bench_cluster.h"
#include "bench/common/bench_report.h"
#include "core/file_io.h"
#include "core/text.h"
#include "tests/e2e/deploy/e2e_cluster.h"

using namespace quarry;
using namespace quarry::e2e;
using quarry::bench::die;
using quarry::bench::each_parallel;
using quarry::bench::engine;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

std::string manifest(int containers) {
  std::string half = std::to_string(containers / 2);
  return "name: scale\n"
         "nodes:\n"
         "  web:\n    build: .\n    command: --port 8080\n    port: 8080\n    scale: " + half +
         "\n    memory: 200\n"
         "  worker:\n    build: .\n    command: --port 8080\n    scale: " + half + "\n    memory: 200\n";
}

// VmHWM of a live process, in kB (0 once it is gone).
long peak_rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

struct Timed {
  double seconds = 0;
  int exit_code = -1;
  long peak_kb = 0;
};

// Runs argv, sampling the process's VmHWM every 10 ms until it exits.
Timed run_watched(const Argv& argv) {
  std::vector<char*> c;
  for (const auto& a : argv) c.push_back(const_cast<char*>(a.c_str()));
  c.push_back(nullptr);
  auto start = Clock::now();
  pid_t pid = fork();
  if (pid < 0) die("fork failed");
  if (pid == 0) {
    dup2(STDERR_FILENO, STDOUT_FILENO);  // quarry's lines go with the progress, not into --json
    execv(c[0], c.data());
    _exit(127);
  }
  Timed t;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    t.peak_kb = std::max(t.peak_kb, peak_rss_kb(pid));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  t.seconds = since(start);
  t.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return t;
}

// The floor: server k gets replica k+1 of web and of worker, as quarry places them.
double floor_run(const std::vector<ServerInfo>& servers, const std::string& image, int containers) {
  std::vector<std::string> errors(static_cast<std::size_t>(containers));
  auto start = Clock::now();
  each_parallel(errors.size(), [&](std::size_t k) {
    const auto& s = servers[(k / 2) % servers.size()];
    std::string node = k % 2 ? "worker" : "web";
    Argv a = {"run", "--detach", "--init", "--name", "floor-" + node + "-" + std::to_string(k / 2 + 1), "--label",
              "quarry.stack=scale", "--memory", "200m", "--restart", "unless-stopped"};
    if (node == "web") a.insert(a.end(), {"--publish", std::to_string(30000 + k) + ":8080"});
    a.insert(a.end(), {image, "--port", "8080"});
    auto r = bench::run_or_die(engine(s, a));
    if (!r.ok()) errors[k] = r.err;
  });
  double t = since(start);
  for (auto& e : errors)
    if (!e.empty()) die("docker run: " + e);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  int n_servers = 32, n_containers = 64;
  const bool json = bench::wants_json(argc, argv);
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) continue;
    if (!std::strcmp(argv[i], "--servers") && i + 1 < argc) n_servers = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--containers") && i + 1 < argc) n_containers = std::max(2, std::atoi(argv[++i]));
    else die("usage: scale_bench [--servers N] [--containers M] [--json]");
  }
  n_containers -= n_containers % 2;
  FILE* out = json ? stderr : stdout;
  auto made = Clock::now();
  std::string grid = R"({"policy": "spread", "autosize": false, "max": )" + std::to_string(n_servers + 8) + "}";
  auto started =
      bench::start_cluster({"scale_bench", QUARRY_BENCH_BIN, QUARRY_BENCH_SOURCE_DIR, n_servers, 512, grid, false});
  if (!started) die(started.error().message);
  TestCluster& c = **started;
  double create_s = since(made);
  const auto& servers = c.servers();
  if (static_cast<int>(servers.size()) != n_servers) die("the cloud made " + std::to_string(servers.size()) + " servers");
  std::fprintf(out, "scale_bench: %d servers in %.1f s (%.2f s each); first deploy of %d containers\n", n_servers,
               create_s, create_s / n_servers, n_containers);
  if (auto s = c.write_manifest(manifest(n_containers)); !s) die(s.error().message);
  Argv deploy = {std::getenv("QUARRY_BIN"), "--home", c.home(), "-q", "deploy", "-f", c.manifest(), "--drain", "0"};
  auto first = run_watched(deploy);
  if (first.exit_code != 0) die("the first quarry deploy failed (exit " + std::to_string(first.exit_code) + ")");
  auto ps = c.ps("scale");
  if (!ps || static_cast<int>(ps->size()) != n_containers) die("the first deploy did not start every container");
  std::string image = (*ps)[0].value("image", "");
  bench::clear_stack(servers, "scale");
  auto warm = run_watched(deploy);
  if (warm.exit_code != 0) die("the second quarry deploy failed (exit " + std::to_string(warm.exit_code) + ")");
  bench::clear_stack(servers, "scale");
  double floor_s = floor_run(servers, image, n_containers);
  bench::clear_stack(servers, "scale");
  double ratio = warm.seconds / floor_s;
  if (json) {
    bench::Report r("scale_bench");
    r.ratio("quarry/floor", ratio, "<= 1.3");
    r.figure("servers", n_servers);
    r.figure("containers", n_containers);
    r.figure("create_s_per_server", create_s / n_servers);
    r.figure("first_deploy_s", first.seconds);
    r.figure("first_deploy_s_per_container", first.seconds / n_containers);
    r.figure("deploy_s", warm.seconds);
    r.figure("deploy_s_per_container", warm.seconds / n_containers);
    r.figure("floor_s", floor_s);
    r.figure("hq_peak_rss_mb_first", static_cast<double>(first.peak_kb) / 1024.0);
    r.figure("hq_peak_rss_mb", static_cast<double>(warm.peak_kb) / 1024.0);
    r.print();
    bench::stop_cluster();
    return 0;
  }
  std::printf("scale_bench: %d servers, %d containers (web x%d, worker x%d)\n", n_servers, n_containers,
              n_containers / 2, n_containers / 2);
  std::printf("  servers add -n %d            %7.2f s   %.3f s per server\n", n_servers, create_s, create_s / n_servers);
  std::printf("  first deploy (build, ship)   %7.2f s   %.3f s per container   HQ peak %.1f MB\n", first.seconds,
              first.seconds / n_containers, static_cast<double>(first.peak_kb) / 1024.0);
  std::printf("  deploy (images there)        %7.2f s   %.3f s per container   HQ peak %.1f MB\n", warm.seconds,
              warm.seconds / n_containers, static_cast<double>(warm.peak_kb) / 1024.0);
  std::printf("  floor: %d docker runs        %7.2f s\n", n_containers, floor_s);
  std::printf("  quarry / floor               %7.2fx  (aim: within 1.3x)\n", ratio);
  bench::stop_cluster();
  return 0;
}
