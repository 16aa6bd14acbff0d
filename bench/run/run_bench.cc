// run_bench: `quarry run -d` + `quarry stop` against docker-compose 1.29's
// `up -d` + `down`, side by side, on one private docker engine.
//
// The stack (6 containers, one image built once for both, FROM scratch with
// the static examples/hello binary):
//   counter  service, 1 container, named volume at /data, port 9000
//   web      node, 3 replicas, port 8080, health GET /up, depends on counter
//   worker   node, 2 replicas, port 8081, health GET /up, depends on counter
// Every port is published on 127.0.0.1 (a free host port each). No domains,
// so quarry starts no entry point: both tools do the same work.
//
// "Up" ends when every web and worker replica answers GET /up with 200:
// quarry waits for that itself (its health gate, probing every 50 ms); for
// compose, whose healthcheck cannot run inside a FROM scratch image, the
// bench polls the published ports every 50 ms right after `up -d` returns. "Down" removes the
// containers and the network and keeps the named volume, for both.
//
// Beside them, each round, the engine's floor: the same containers by plain
// docker commands (floor_round), which tells what of quarry's time is the
// engine's own work (each container start on a user-defined network sets up
// docker's embedded DNS in it: a dozen iptables runs, one at a time across
// containers).
// The engine runs in its own network namespace (tests/e2e/run/docker_lab.h);
// the bench joins that namespace so that its probes, quarry and compose all
// see the same 127.0.0.1. Run as root. quarry runs with --timings, and the
// last round's phase tables (of run -d and of stop) are printed at the end.
//   run_bench [ROUNDS] [--json]     (ROUNDS default 3; the aim is 0.6x or better)
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <regex>
#include <thread>

#include "core/file_io.h"
#include "bench/common/bench_report.h"
#include "core/subprocess.h"
#include "core/text.h"
#include "tests/e2e/run/docker_lab.h"

using namespace quarry;
using Clock = std::chrono::steady_clock;

namespace {

const char* kQuarryYml = R"(name: bench
services:
  counter:
    image: quarry-bench/hello:1
    command: --mode counter --port 9000 --data /data
    port: 9000
    memory: 64
    volumes: [/data]
nodes:
  web:
    image: quarry-bench/hello:1
    command: --port 8080
    port: 8080
    scale: 3
    memory: 64
    health: {path: /up, interval: 50ms, retries: 100}
    depends_on: [counter]
  worker:
    image: quarry-bench/hello:1
    command: --port 8081
    port: 8081
    scale: 2
    memory: 64
    health: {path: /up, interval: 50ms, retries: 100}
    depends_on: [counter]
)";

const char* kComposeYml = R"(version: "2.4"
services:
  counter:
    image: quarry-bench/hello:1
    command: ["--mode", "counter", "--port", "9000", "--data", "/data"]
    ports: ["127.0.0.1::9000"]
    mem_limit: 64m
    volumes: ["counter-data:/data"]
  web:
    image: quarry-bench/hello:1
    command: ["--port", "8080"]
    ports: ["127.0.0.1::8080"]
    mem_limit: 64m
    environment: {COUNTER_HOST: counter, COUNTER_PORT: "9000"}
    depends_on: [counter]
  worker:
    image: quarry-bench/hello:1
    command: ["--port", "8081"]
    ports: ["127.0.0.1::8081"]
    mem_limit: 64m
    environment: {COUNTER_HOST: counter, COUNTER_PORT: "9000"}
    depends_on: [counter]
volumes:
  counter-data: {}
)";

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

bool http_up(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string req = "GET /up HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      char buf[64] = {};
      ok = read(fd, buf, sizeof buf - 1) > 12 && std::string(buf).rfind("HTTP/1.1 200", 0) == 0;
    }
  }
  close(fd);
  return ok;
}

Result<ProcessResult> must(const Argv& argv, const std::map<std::string, std::string>& env) {
  ProcessOptions o;
  o.env = env;
  o.timeout = std::chrono::minutes(5);
  return run_checked(argv, o);
}

struct QuarryRound {
  double up = 0, down = 0;
  std::string up_timings, down_timings;  // quarry's own profile (--timings)
};

Result<QuarryRound> quarry_round(const std::string& file, const std::map<std::string, std::string>& env) {
  const std::string bin = std::getenv("QUARRY_BIN") ? std::getenv("QUARRY_BIN") : QUARRY_BIN_DEFAULT;
  QuarryRound out;
  auto t0 = Clock::now();
  auto up = must({bin, "-q", "run", "-d", "--timings", "-f", file}, env);
  if (!up) return std::unexpected(up.error());
  out.up = seconds_since(t0);
  t0 = Clock::now();
  auto down = must({bin, "-q", "stop", "--timings", "-f", file}, env);
  if (!down) return std::unexpected(down.error());
  out.down = seconds_since(t0);
  out.up_timings = up->err;
  out.down_timings = down->err;
  return out;
}

// Polls the published web and worker ports of the containers `filter`
// selects until all five answer GET /up.
Status wait_answering(const DockerLab& lab, const std::string& filter, const std::string& who) {
  auto ps = lab.docker({"ps", "--filter", filter, "--format", "{{.Ports}}"});
  std::vector<int> ports;
  std::regex re(R"(127\.0\.0\.1:(\d+)->(8080|8081)/tcp)");
  for (auto it = std::sregex_iterator(ps.begin(), ps.end(), re); it != std::sregex_iterator(); ++it) {
    ports.push_back(std::stoi((*it)[1]));
  }
  if (ports.size() != 5) return fail_remote(who + " published " + std::to_string(ports.size()) + " ports, not 5: " + ps);
  auto deadline = Clock::now() + std::chrono::seconds(60);
  for (int p : ports) {
    while (!http_up(p)) {
      if (Clock::now() > deadline) return fail_remote(who + ": port " + std::to_string(p) + " never answered");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  return {};
}

Result<std::pair<double, double>> compose_round(const DockerLab& lab, const std::string& file,
                                                const std::map<std::string, std::string>& env) {
  Argv base = {"docker-compose", "--no-ansi", "-p", "benchc", "-f", file};
  auto with = [&](Argv more) {
    Argv a = base;
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  auto t0 = Clock::now();
  if (auto r = must(with({"up", "-d", "--scale", "web=3", "--scale", "worker=2"}), env); !r) {
    return std::unexpected(r.error());
  }
  if (auto s = wait_answering(lab, "label=com.docker.compose.project=benchc", "compose"); !s) {
    return std::unexpected(s.error());
  }
  double up = seconds_since(t0);
  t0 = Clock::now();
  if (auto r = must(with({"down"}), env); !r) return std::unexpected(r.error());
  return std::pair{up, seconds_since(t0)};
}

// The engine's floor: the same six containers (flags as quarry gives them)
// by plain docker commands: the network, the counter, then the five nodes
// at once, polled like compose's; down by one `docker stop`, one `docker
// rm` and the network's removal. No state, no health gate of its own, no
// program startup beyond the docker client: what the engine itself costs.
Result<std::pair<double, double>> floor_round(const DockerLab& lab, const std::map<std::string, std::string>& env) {
  const Argv flags = {"--label", "bench.floor=1", "--network", "benchf", "--memory", "64m", "--init",
                      "--restart", "unless-stopped"};
  auto run = [&](const std::string& name, Argv more) {
    Argv a = {"docker", "run", "--detach", "--name", name};
    a.insert(a.end(), flags.begin(), flags.end());
    a.insert(a.end(), more.begin(), more.end());
    return must(a, env);
  };
  auto t0 = Clock::now();
  if (auto r = must({"docker", "network", "create", "benchf"}, env); !r) return std::unexpected(r.error());
  if (auto r = run("benchf_counter", {"--volume", "benchf-counter-data:/data", "--publish", "127.0.0.1::9000",
                                      "quarry-bench/hello:1", "--mode", "counter", "--port", "9000", "--data", "/data"});
      !r) {
    return std::unexpected(r.error());
  }
  const std::vector<std::pair<std::string, std::string>> nodes = {
      {"web_1", "8080"}, {"web_2", "8080"}, {"web_3", "8080"}, {"worker_1", "8081"}, {"worker_2", "8081"}};
  std::vector<Status> started(nodes.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    threads.emplace_back([&, i] {
      auto r = run("benchf_" + nodes[i].first, {"--env", "COUNTER_PORT=9000", "--publish", "127.0.0.1::" + nodes[i].second,
                                                "quarry-bench/hello:1", "--port", nodes[i].second});
      if (!r) started[i] = std::unexpected(r.error());
    });
  }
  for (auto& t : threads) t.join();
  for (auto& s : started) {
    if (!s) return std::unexpected(s.error());
  }
  if (auto s = wait_answering(lab, "label=bench.floor=1", "floor"); !s) return std::unexpected(s.error());
  double up = seconds_since(t0);
  t0 = Clock::now();
  Argv names = {"benchf_counter"};
  for (const auto& n : nodes) names.push_back("benchf_" + n.first);
  Argv stop = {"docker", "stop"}, rm = {"docker", "rm"};
  stop.insert(stop.end(), names.begin(), names.end());
  rm.insert(rm.end(), names.begin(), names.end());
  for (const auto& argv : {stop, rm, Argv{"docker", "network", "rm", "benchf"}}) {
    if (auto r = must(argv, env); !r) return std::unexpected(r.error());
  }
  return std::pair{up, seconds_since(t0)};
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 3;
  const bool json = bench::wants_json(argc, argv);
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) != "--json") rounds = std::max(1, std::atoi(argv[i]));
  const std::string src = std::getenv("QUARRY_SOURCE_DIR") ? std::getenv("QUARRY_SOURCE_DIR") : QUARRY_SOURCE_DIR_DEFAULT;
  auto lab = DockerLab::start("quarry-run-bench");
  if (!lab) {
    std::cerr << "run_bench: " << lab.error().message << "\n";
    return 3;
  }
  const auto& L = **lab;
  int ns = open(L.netns_path().c_str(), O_RDONLY);
  if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
    std::cerr << "run_bench: cannot join " << L.netns_path() << " (run as root)\n";
    return 3;
  }
  close(ns);
  std::string app = L.dir() + "/app";
  auto bin = read_file(src + "/examples/hello/hello");
  auto df = read_file(src + "/examples/hello/Dockerfile");
  if (!bin || !df) {
    std::cerr << "run_bench: build the `hello` target first (examples/hello/hello)\n";
    return 1;
  }
  bool staged = make_dirs(app) && write_file_atomic(app + "/hello", *bin, 0755) &&
                write_file_atomic(app + "/Dockerfile", *df) && write_file_atomic(app + "/quarry.yml", kQuarryYml) &&
                write_file_atomic(app + "/docker-compose.yml", kComposeYml);
  std::map<std::string, std::string> env = {{"DOCKER_HOST", L.docker_host()}, {"QUARRY_HOME", L.dir() + "/home"}};
  if (auto b = must({"docker", "build", "--quiet", "--tag", "quarry-bench/hello:1", app}, env); !staged || !b) {
    std::cerr << "run_bench: staging the image failed" << (b ? "" : ": " + b.error().message) << "\n";
    return 3;
  }
  bench::Samples q_up, q_down, c_up, c_down, q_total, c_total, f_up, f_down, f_total;
  QuarryRound last;
  for (int i = 0; i < rounds; ++i) {
    auto q = quarry_round(app + "/quarry.yml", env);
    if (!q) {
      std::cerr << "run_bench: quarry: " << q.error().message << "\n";
      return 3;
    }
    auto c = compose_round(L, app + "/docker-compose.yml", env);
    if (!c) {
      std::cerr << "run_bench: compose: " << c.error().message << "\n";
      return 3;
    }
    auto f = floor_round(L, env);
    if (!f) {
      std::cerr << "run_bench: floor: " << f.error().message << "\n";
      return 3;
    }
    f_up.add(f->first);
    f_down.add(f->second);
    f_total.add(f->first + f->second);
    last = *q;
    q_up.add(q->up);
    q_down.add(q->down);
    c_up.add(c->first);
    c_down.add(c->second);
    q_total.add(q->up + q->down);
    c_total.add(c->first + c->second);
    std::fprintf(json ? stderr : stdout,
                 "round %d: quarry up %.2fs down %.2fs | compose up %.2fs down %.2fs | floor up %.2fs down %.2fs\n", i + 1,
                 q->up, q->down, c->first, c->second, f->first, f->second);
  }
  double q = q_total.median(), c = c_total.median();
  double ratio = c > 0 ? q / c : 0.0;
  if (json) {
    bench::Report r("run_bench");
    r.ratio("quarry/compose", ratio, "<= 0.6");
    r.figure("up_ratio", c_up.median() > 0 ? q_up.median() / c_up.median() : 0.0);
    r.figure("down_ratio", c_down.median() > 0 ? q_down.median() / c_down.median() : 0.0);
    r.figure("quarry_up_s", q_up);
    r.figure("quarry_down_s", q_down);
    r.figure("compose_up_s", c_up);
    r.figure("compose_down_s", c_down);
    r.figure("floor_up_s", f_up);
    r.figure("floor_down_s", f_down);
    r.figure("quarry/floor", f_total.median() > 0 ? q / f_total.median() : 0.0);
    r.figure("floor/compose", c > 0 ? f_total.median() / c : 0.0);
    r.extra("containers") = 6;
    r.extra("rounds") = rounds;
    r.print();
  } else {
    std::printf("\n6 containers (counter + web x3 + worker x2), median of %d rounds [min .. max], up to healthy + down:\n",
                rounds);
    std::printf("  quarry run -d / quarry stop     up %.2fs  down %.2fs  total %.2fs [%.2f .. %.2f]\n", q_up.median(),
                q_down.median(), q, q_total.min(), q_total.max());
    std::printf("  docker-compose up -d / down     up %.2fs  down %.2fs  total %.2fs [%.2f .. %.2f]\n", c_up.median(),
                c_down.median(), c, c_total.min(), c_total.max());
    std::printf("  docker CLI floor                up %.2fs  down %.2fs  total %.2fs [%.2f .. %.2f]\n", f_up.median(),
                f_down.median(), f_total.median(), f_total.min(), f_total.max());
    std::printf("  ratio quarry/compose: %.2fx (aim: 0.60x or better); quarry/floor %.2fx, floor/compose %.2fx\n", ratio,
                f_total.median() > 0 ? q / f_total.median() : 0.0, c > 0 ? f_total.median() / c : 0.0);
  }
  std::fprintf(json ? stderr : stdout, "\nquarry run -d --timings, last round:\n%s\nquarry stop --timings, last round:\n%s",
               last.up_timings.c_str(), last.down_timings.c_str());
  (void)L.docker({"volume", "rm", "bench-counter-data", "benchc_counter-data", "benchf-counter-data"});
  return 0;
}
