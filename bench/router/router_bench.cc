// router_bench: what the router costs and whether deploys drop requests.
//
//   router_bench [--redeploys N] [--wrk-seconds S] [--json]
//
// Makes its own local cluster (2 app servers and a router), deploys the
// hello example with 4 web replicas, then
//   1. measures requests per second through nginx with wrk
//      (wrk -t2 -c32 -dSs -H 'Host: hello.quarry.test' http://ROUTER/), and
//   2. runs N consecutive redeploys (default 10) while a client loop sends
//      one request after another through the router, counting failures.
// Needs root, nginx, wrk; QUARRY_BIN and QUARRY_SOURCE_DIR override the
// build's own paths. The cluster is taken down at the end, also on failure.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "bench/common/bench_report.h"
#include "core/subprocess.h"
#include "core/text.h"
#include "tests/e2e/release/quarry_lab.h"

using namespace quarry;

namespace {

const char* const kDomain = "hello.quarry.test";

std::string manifest(int n) {
  return "name: hello\nenv:\n  GREETING: \"bench " + std::to_string(n) +
         "\"\n"
         "services:\n"
         "  counter:\n    build: .\n    command: --mode counter --port 9000 --data /data\n    port: 9000\n"
         "    memory: 64\n    volumes: [/data]\n"
         "nodes:\n"
         "  web:\n    build: .\n    command: --port 8080\n    port: 8080\n    domains: [hello.quarry.test]\n"
         "    scale: 4\n    memory: 64\n    depends_on: [counter]\n"
         "    health: {path: /up, timeout: 2s, interval: 500ms, retries: 20}\n";
}

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// The figure after `label` in wrk's output ("Requests/sec:   1234.56").
std::string wrk_figure(const std::string& out, const std::string& label) {
  for (const auto& line : split_lines(out)) {
    auto t = trim(line);
    if (t.starts_with(label)) return trim(t.substr(label.size()));
  }
  return "";
}

int run(int redeploys, int wrk_seconds, bool json) {
  FILE* out = json ? stderr : stdout;  // with --json the report alone is on stdout
  if (geteuid() != 0) {
    std::cerr << "router_bench: needs root (network namespaces)\n";
    return 2;
  }
  QuarryLab lab(LabOptions{env_or("QUARRY_BIN", QUARRY_BIN_DEFAULT), env_or("QUARRY_SOURCE_DIR", QUARRY_SOURCE_DEFAULT),
                           2, 1024, 512});
  auto t0 = std::chrono::steady_clock::now();
  if (auto s = lab.up(); !s) {
    std::cerr << "router_bench: " << s.error().message << "\n";
    return 1;
  }
  auto deploy = [&](int n) -> bool {
    auto file = lab.stage_app("bench" + std::to_string(n), manifest(n));
    if (!file) {
      std::cerr << "router_bench: " << file.error().message << "\n";
      return false;
    }
    auto r = lab.quarry({"deploy", "-f", *file});
    if (!r || !r->ok()) {
      std::cerr << "router_bench: deploy " << n << " failed:\n" << (r ? r->out + r->err : r.error().message) << "\n";
      return false;
    }
    return true;
  };
  if (!deploy(0)) return 1;
  double setup_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(out, "cluster: 2 app servers + router, hello web x4 (set up in %.1f s)\n", setup_s);

  ProcessOptions o;
  o.timeout = std::chrono::seconds(wrk_seconds + 30);
  auto wrk = run_process({"wrk", "-t2", "-c32", "-d" + std::to_string(wrk_seconds) + "s", "-H",
                          std::string("Host: ") + kDomain, "http://" + lab.router_ip() + "/"},
                         o);
  if (!wrk || !wrk->ok()) {
    std::cerr << "router_bench: wrk failed: " << (wrk ? wrk->err : wrk.error().message) << "\n";
    return 1;
  }
  auto non2xx = wrk_figure(wrk->out, "Non-2xx or 3xx responses:");
  auto socket_errors = wrk_figure(wrk->out, "Socket errors:");
  std::fprintf(out, "throughput: %s requests/s through the router (wrk -t2 -c32 -d%ds; non-2xx: %s; socket errors: %s)\n",
              wrk_figure(wrk->out, "Requests/sec:").c_str(), wrk_seconds, non2xx.empty() ? "0" : non2xx.c_str(),
              socket_errors.empty() ? "none" : socket_errors.c_str());
  std::fprintf(out, "latency: %s\n", wrk_figure(wrk->out, "Latency").c_str());

  LoadLoop loop(lab.router_ip(), kDomain, "bench ", 1000000, 2);
  loop.start();
  std::vector<double> times;
  bool ok = true;
  for (int i = 1; i <= redeploys && ok; ++i) {
    auto start = std::chrono::steady_clock::now();
    ok = deploy(i);
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  loop.stop();
  double sum = 0, worst = 0;
  for (double t : times) {
    sum += t;
    worst = std::max(worst, t);
  }
  std::fprintf(out, "redeploys: %zu of %d done, %.1f s each on average (slowest %.1f s)\n", times.size(), redeploys,
              times.empty() ? 0.0 : sum / static_cast<double>(times.size()), worst);
  std::fprintf(out, "under load: %d requests, %d failed (client loop, one request at a time, %.1f s)\n", loop.sent(),
              loop.failed(), loop.seconds());
  for (const auto& f : loop.failures()) std::fprintf(out, "  %s\n", f.c_str());
  if (json) {
    bench::Report r("router_bench");
    r.ratio("failed/requests", loop.sent() > 0 ? static_cast<double>(loop.failed()) / loop.sent() : 1.0, "<= 0");
    r.figure("requests_per_second", std::atof(wrk_figure(wrk->out, "Requests/sec:").c_str()));
    r.figure("redeploy_s", bench::Samples{times});
    r.extra("redeploys") = redeploys;
    r.extra("requests") = loop.sent();
    r.extra("failed") = loop.failed();
    r.print();
  }
  return ok && loop.failed() == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  int redeploys = 10, wrk_seconds = 10;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--json") json = true;
    else if (flag == "--redeploys" && i + 1 < argc) redeploys = std::atoi(argv[++i]);
    else if (flag == "--wrk-seconds" && i + 1 < argc) wrk_seconds = std::atoi(argv[++i]);
    else {
      std::cerr << "usage: router_bench [--redeploys N] [--wrk-seconds S] [--json]\n";
      return 2;
    }
  }
  return run(redeploys, wrk_seconds, json);
}
