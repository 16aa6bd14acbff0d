// Deploys a stack of 16 containers (web x8 and worker x8, 400 MB each, so
// two per server) onto 8 local servers and times, side by side:
//   quarry     `quarry deploy` of the stack; the image is already on the
//              servers (a warm-up deploy built and shipped it, timed apart)
//              and the containers of the run before were removed by hand,
//              so every run starts all 16
//   floor      the same docker runs, each sent straight to its server's
//              engine socket on this machine, all 16 at once
//   ansible    one ad-hoc shell task per server over SSH (-f 16, pipelining
//              on: ansible at its fastest) running that server's two
//              docker runs
// and the latency of one remote command over a pooled libssh2 session
// against a fresh ssh process. Every run starts from no containers; server
// creation is not timed. The cluster is torn down at the end.
//   deploy_bench [--runs N] [--json]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "bench/common/bench_cluster.h"
#include "bench/common/bench_report.h"
#include "core/file_io.h"
#include "core/text.h"
#include "launcher/host_keys.h"
#include "launcher/libssh2_shell.h"
#include "store/dir_store.h"
#include "tests/e2e/deploy/e2e_cluster.h"

using namespace quarry;
using namespace quarry::e2e;
using quarry::bench::die;
using quarry::bench::each_parallel;
using quarry::bench::engine;

namespace {

using Clock = std::chrono::steady_clock;

const char* const kManifest =
    "name: bench\n"
    "nodes:\n"
    "  web:\n"
    "    build: .\n"
    "    command: --port 8080\n"
    "    port: 8080\n"
    "    scale: 8\n"
    "    memory: 400\n"
    "  worker:\n"
    "    build: .\n"
    "    command: --port 8080\n"
    "    scale: 8\n"
    "    memory: 400\n";

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct Figure {
  std::vector<double> s;
  double median() const {
    auto v = s;
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
  }
  double min() const { return s.empty() ? 0 : *std::min_element(s.begin(), s.end()); }
  double max() const { return s.empty() ? 0 : *std::max_element(s.begin(), s.end()); }
};

// The docker run of replica `index` of `node`, as quarry would start it.
Argv docker_run(const std::string& node, int index, const std::string& image) {
  Argv a = {"run", "--detach", "--name", "bench-" + node + "-" + std::to_string(index), "--label",
            "quarry.stack=bench", "--memory", "400m"};
  for (const auto& [k, v] : std::map<std::string, std::string>{
           {"QUARRY_STACK", "bench"}, {"QUARRY_NODE", node}, {"QUARRY_RELEASE", "1"}, {"QUARRY_INDEX", std::to_string(index)}}) {
    a.insert(a.end(), {"--env", k + "=" + v});
  }
  if (node == "web") a.insert(a.end(), {"--publish", "31000:8080"});
  a.insert(a.end(), {image, "--port", "8080"});
  return a;
}

// One `quarry deploy`; its phases per server (--json) go to `phases`.
double quarry_run(TestCluster& c, nlohmann::json* phases = nullptr) {
  auto start = Clock::now();
  auto r = c.quarry({"deploy", "-f", c.manifest(), "--drain", "0", "--json"});
  double t = since(start);
  if (!r.ok()) die("quarry deploy: " + r.err);
  if (phases) *phases = nlohmann::json::parse(r.out, nullptr, false).value("timings", nlohmann::json::object());
  return t;
}

double floor_run(const std::vector<ServerInfo>& servers, const std::string& image) {
  std::vector<std::string> errors(servers.size() * 2);
  auto start = Clock::now();
  each_parallel(errors.size(), [&](std::size_t k) {
    int index = static_cast<int>(k / 2) + 1;
    auto r = bench::run_or_die(engine(servers[k / 2], docker_run(k % 2 ? "worker" : "web", index, image)));
    if (!r.ok()) errors[k] = r.err;
  });
  double t = since(start);
  for (auto& e : errors) {
    if (!e.empty()) die("docker run: " + e);
  }
  return t;
}

std::string ansible_inventory(TestCluster& c, const std::vector<ServerInfo>& servers) {
  std::string inv = "[servers]\n";
  for (std::size_t i = 0; i < servers.size(); ++i) {
    inv += servers[i].id + " ansible_host=" + servers[i].ip + " replica=" + std::to_string(i + 1) + "\n";
  }
  inv += "[servers:vars]\nansible_user=quarry-ssh\nansible_ssh_private_key_file=" + c.home() +
         "/keys/hq_ed25519\nansible_python_interpreter=/usr/bin/python3\n";
  std::string path = c.app_dir() + "/inventory";
  if (auto s = write_file_atomic(path, inv); !s) die(s.error().message);
  return path;
}

double ansible_run(TestCluster& c, const std::string& inventory, const std::string& image) {
  auto one = [&](const std::string& node) {
    Argv a = docker_run(node, 0, image);
    a[3] = "bench-" + node + "-{{ replica }}";
    for (auto& w : a) {
      if (w == "QUARRY_INDEX=0") w = "QUARRY_INDEX={{ replica }}";
    }
    return "docker " + shell_join(a);
  };
  std::string tmp = c.app_dir() + "/ansible";
  std::map<std::string, std::string> env = {
      {"ANSIBLE_HOST_KEY_CHECKING", "False"},
      {"ANSIBLE_PIPELINING", "True"},
      {"ANSIBLE_NOCOLOR", "1"},
      {"ANSIBLE_LOCAL_TEMP", tmp + "/local"},
      {"ANSIBLE_REMOTE_TMP", "/tmp/.qb-ansible-" + std::to_string(getpid())},
      {"ANSIBLE_CONTROL_PATH_DIR", tmp + "/cp"},
      {"ANSIBLE_SSH_ARGS", "-o ControlMaster=auto -o ControlPersist=5s -o UserKnownHostsFile=/dev/null"},
  };
  auto start = Clock::now();
  auto r = bench::run_or_die({"ansible", "servers", "-i", inventory, "-f", "16", "-m", "shell", "-a", one("web") + " && " + one("worker")},
               env);
  double t = since(start);
  if (!r.ok()) die("ansible: " + r.out + r.err);
  return t;
}

struct Latency {
  Figure pooled, fresh;
};

Latency ssh_latency(TestCluster& c, const ServerInfo& s, int n) {
  DirStore store(c.home());
  HostKeyStore keys(store);
  Libssh2Options o;
  o.key = SshKeyFiles{c.home() + "/keys/hq_ed25519", c.home() + "/keys/hq_ed25519.pub", ""};
  Libssh2Shell shell(o, keys);
  Endpoint ep{s.id, s.ip, 22, "quarry-ssh"};
  Command cmd;
  cmd.argv = {"true"};
  if (auto r = shell.run(ep, cmd); !r || !r->ok()) die("libssh2: " + (r ? r->err : r.error().message));
  Latency out;
  for (int i = 0; i < n; ++i) {
    auto start = Clock::now();
    auto r = shell.run(ep, cmd);
    out.pooled.s.push_back(since(start) * 1000);
    if (!r || !r->ok()) die("libssh2 run failed");
  }
  Argv ssh = {"ssh", "-i", c.home() + "/keys/hq_ed25519", "-o", "StrictHostKeyChecking=no", "-o",
              "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "quarry-ssh@" + s.ip, "true"};
  for (int i = 0; i < n; ++i) {
    auto start = Clock::now();
    auto r = bench::run_or_die(ssh);
    out.fresh.s.push_back(since(start) * 1000);
    if (!r.ok()) die("ssh: " + r.err);
  }
  return out;
}

void row(const char* name, const Figure& f) {
  std::printf("  %-44s %7.2f s   [%5.2f .. %5.2f]\n", name, f.median(), f.min(), f.max());
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 3;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) json = true;
    else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    else die("usage: deploy_bench [--runs N] [--json]");
  }
  if (!have_program("ansible")) die("no ansible");
  auto made = Clock::now();
  auto started = bench::start_cluster({"deploy_bench", QUARRY_BENCH_BIN, QUARRY_BENCH_SOURCE_DIR, 8, 1024,
                                         R"({"policy": "spread", "autosize": false})", false});
  if (!started) die(started.error().message);
  TestCluster& c = **started;
  double create_s = since(made);
  if (auto s = c.write_manifest(kManifest); !s) die(s.error().message);
  const auto& servers = c.servers();
  std::fprintf(stderr, "deploy_bench: 8 servers in %.1f s; warm-up deploy\n", create_s);
  double first_s = quarry_run(c);
  auto ps = c.ps("bench");
  if (!ps || ps->size() != 16) die("the warm-up deploy did not start 16 containers");
  std::string image = (*ps)[0].value("image", "");
  // Every run starts from no containers at all.
  Figure quarry_t, floor_t, ansible_t;
  nlohmann::json phases;
  for (int i = 0; i < runs; ++i) {
    bench::clear_stack(servers, "bench");
    quarry_t.s.push_back(quarry_run(c, &phases));
  }
  bench::clear_stack(servers, "bench");
  for (int i = 0; i < runs; ++i) {
    floor_t.s.push_back(floor_run(servers, image));
    bench::clear_stack(servers, "bench");
  }
  auto inventory = ansible_inventory(c, servers);
  for (int i = 0; i < runs; ++i) {
    ansible_t.s.push_back(ansible_run(c, inventory, image));
    bench::clear_stack(servers, "bench");
  }
  auto lat = ssh_latency(c, servers.front(), 50);
  double vs_floor = quarry_t.median() / floor_t.median();
  double ansible_vs = ansible_t.median() / quarry_t.median();
  if (json) {
    bench::Report r("deploy_bench");
    r.ratio("quarry/floor", vs_floor, "<= 1.3");
    r.ratio("ansible/quarry", ansible_vs, ">= 3");
    r.figure("quarry_s", bench::Samples{quarry_t.s});
    r.figure("floor_s", bench::Samples{floor_t.s});
    r.figure("ansible_s", bench::Samples{ansible_t.s});
    r.figure("first_deploy_s", first_s);
    r.figure("ssh_pooled_ms", bench::Samples{lat.pooled.s});
    r.figure("ssh_fresh_ms", bench::Samples{lat.fresh.s});
    r.extra("containers") = 16;
    r.extra("servers") = 8;
    r.extra("runs") = runs;
    r.extra("quarry_phases") = phases;  // the last quarry run's, per server
    r.print();
    bench::stop_cluster();
    return 0;
  }
  std::printf("deploy_bench: 16 containers (web x8, worker x8) onto 8 local servers; median of %d runs [min .. max]\n",
              runs);
  row("quarry deploy (images already shipped)", quarry_t);
  row("floor: 16 docker runs straight to the engines", floor_t);
  row("ansible ad-hoc shell (-f 16, pipelining)", ansible_t);
  std::printf("  quarry / floor     %5.2fx   (aim: within 1.3x)\n", vs_floor);
  std::printf("  ansible / quarry   %5.2fx   (aim: several times)\n", ansible_vs);
  std::printf("  first quarry deploy (build on the HQ, ship to 8 servers, start 16): %.2f s\n", first_s);
  std::printf("ssh: one remote `true` to %s, N=50 each\n", servers.front().id.c_str());
  std::printf("  libssh2 pooled session   median %7.2f ms\n", lat.pooled.median());
  std::printf("  fresh ssh process        median %7.2f ms   (%.1fx)\n", lat.fresh.median(),
              lat.fresh.median() / lat.pooled.median());
  std::printf("the last quarry deploy's phases (quarry deploy --timings):\n%s\n", phases.dump(1).c_str());
  bench::stop_cluster();
  return 0;
}
