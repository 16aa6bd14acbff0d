// How fast the control loop heals a lost server, with the default settings:
// a local cluster of 3 app servers and a router, the hello stack (2 web
// replicas, a counter service), `quarry hq serve` running. Each run cuts the
// link of a server holding a web replica (not the service) while requests
// flow through the router, and times
//   detection  cut -> `quarry servers` says down
//   repair     down -> 2 web replicas observed running elsewhere, routed
//   heal       cut -> full scale (detection + repair)
// and counts failed requests after detection. The server is restored and
// its stale containers removed before the next run. The peer is Nomad's
// default: a heartbeat TTL of at least 10 s plus a 10 s grace before it
// replaces allocations (20 s), a figure from its documentation, not run here.
//   heal_bench [--runs N] [--json] [--log FILE]   (FILE: the loop's log, kept)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/text.h"
#include "tests/e2e/control/serve_process.h"
#include "tests/e2e/release/quarry_lab.h"

using namespace quarry;

namespace {

using Clock = std::chrono::steady_clock;
constexpr double kNomadDefaultS = 20.0;

const char* const kManifest =
    "name: hello\n"
    "services:\n"
    "  counter:\n    build: .\n    command: --mode counter --port 9000 --data /data\n    port: 9000\n"
    "    memory: 64\n    volumes: [/data]\n"
    "nodes:\n"
    "  web:\n    build: .\n    command: --port 8080\n    port: 8080\n    domains: [hello.quarry.test]\n"
    "    scale: 2\n    memory: 128\n    depends_on: [counter]\n"
    "    health: {path: /up, timeout: 2s, interval: 200ms, retries: 25}\n";

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

struct Bench {
  QuarryLab& lab;

  nlohmann::json json_of(const Argv& args) {
    auto r = lab.quarry(args);
    if (!r || !r->ok()) return nlohmann::json();
    return nlohmann::json::parse(r->out, nullptr, false);
  }
  std::string health(const std::string& id) {
    for (const auto& s : json_of({"servers", "--json"})) {
      if (s.value("id", "") == id) return s["health"].value("state", "");
    }
    return "";
  }
  bool full_scale(const std::string& not_on) {
    int ok = 0;
    for (const auto& c : json_of({"ps", "hello", "--json"})) {
      if (c.value("node", "") != "web") continue;
      if (c["observed"].value("state", "") != "running" || c.value("server", "") == not_on || c.value("weight", 0) < 1) {
        return false;
      }
      ++ok;
    }
    return ok == 2;
  }
  std::string web_only_server() {
    std::string counter;
    auto ps = json_of({"ps", "hello", "--json"});
    for (const auto& c : ps) {
      if (c.value("node", "") == "counter") counter = c.value("server", "");
    }
    for (const auto& c : ps) {
      if (c.value("node", "") == "web" && c.value("server", "") != counter) return c.value("server", "");
    }
    return "";
  }
  bool wait(const std::function<bool()>& ok, double seconds) {
    auto t0 = Clock::now();
    while (since(t0) < seconds) {
      if (ok()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
};

}  // namespace

int main(int argc, char** argv) {
  int runs = 3;
  bool json = false;
  std::string log;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) json = true;
    else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    else if (!std::strcmp(argv[i], "--log") && i + 1 < argc) log = argv[++i];
    else {
      std::fprintf(stderr, "usage: heal_bench [--runs N] [--json] [--log FILE]\n");
      return 2;
    }
  }
  if (geteuid() != 0) {
    std::fprintf(stderr, "heal_bench: needs root (network namespaces)\n");
    return 1;
  }
  QuarryLab lab(LabOptions{QUARRY_BIN_DEFAULT, QUARRY_SOURCE_DEFAULT, 3, 1024, 512});
  if (auto s = lab.up(); !s) {
    std::fprintf(stderr, "heal_bench: cluster: %s\n", s.error().message.c_str());
    return 1;
  }
  auto file = lab.stage_app("hello", kManifest);
  auto dep = file ? lab.quarry({"deploy", "-f", *file}) : Result<ProcessResult>(std::unexpected(file.error()));
  if (!dep || !dep->ok()) {
    std::fprintf(stderr, "heal_bench: deploy failed: %s\n", dep ? (dep->out + dep->err).c_str() : dep.error().message.c_str());
    return 1;
  }
  ServeProcess serve(QUARRY_BIN_DEFAULT, lab.home(), log.empty() ? lab.home() + "/serve.log" : log);
  if (!serve.start()) return 1;
  Bench b{lab};
  if (!b.wait([&] { return b.full_scale(""); }, 30)) {
    std::fprintf(stderr, "heal_bench: the loop never observed full scale\n");
    return 1;
  }
  std::vector<double> detect, repair, heal;
  std::vector<int> failed_after;
  int failed_total = 0, sent_total = 0;
  for (int run = 0; run < runs; ++run) {
    std::string lost = b.web_only_server();
    LoadLoop loop(lab.router_ip(), "hello.quarry.test", "", 20000, 5);
    loop.start();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto t0 = Clock::now();
    if (auto r = lab.quarry({"cluster", "fault", lost, "down"}); !r || !r->ok()) return 1;
    bool down = b.wait([&] { return b.health(lost) == "down"; }, 30);
    double d = since(t0);
    int failed_at_detect = loop.failed();
    bool healed = down && b.wait([&] { return b.full_scale(lost); }, 60);
    double h = since(t0);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    loop.stop();
    if (!healed) {
      std::fprintf(stderr, "heal_bench: run %d did not heal (server %s)\n", run + 1, lost.c_str());
      return 1;
    }
    detect.push_back(d);
    heal.push_back(h);
    repair.push_back(h - d);
    failed_after.push_back(loop.failed() - failed_at_detect);
    failed_total += loop.failed();
    sent_total += loop.sent();
    if (!json) {
      std::printf("run %d: %s cut; down after %.2f s, full scale after %.2f s; %d of %d requests failed (%d after detection)\n",
                  run + 1, lost.c_str(), d, h, loop.failed(), loop.sent(), failed_after.back());
      for (const auto& f : loop.failures()) std::printf("  %s\n", f.c_str());
    }
    (void)lab.quarry({"cluster", "fault", lost, "up"});
    b.wait([&] { return b.health(lost) == "up"; }, 30);
    std::this_thread::sleep_for(std::chrono::seconds(2));  // its stale containers go
  }
  serve.stop();
  int worst_after = *std::max_element(failed_after.begin(), failed_after.end());
  nlohmann::json out = {
      {"name", "heal_bench"},
      {"runs", runs},
      {"seconds", {{"detection_median", median(detect)}, {"repair_median", median(repair)}, {"heal_median", median(heal)}}},
      {"failed_requests", {{"total", failed_total}, {"sent", sent_total}, {"after_detection_max", worst_after}}},
      {"ratios", {{"heal_vs_nomad_default", median(heal) / kNomadDefaultS}}},
      {"aims", {{"heal_vs_nomad_default", "<= 0.5"}, {"heal_seconds", 10}, {"failed_after_detection", 0}}},
      {"peer", "nomad defaults: heartbeat TTL >= 10 s + 10 s grace = 20 s (documented, not run)"}};
  if (json) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("median over %d runs: detection %.2f s, repair %.2f s, heal %.2f s (aim 10 s); Nomad's defaults: >= %.0f s "
                "(ratio %.2f)\nfailed requests after detection: at most %d per run (aim 0); %d of %d in all\n",
                runs, median(detect), median(repair), median(heal), kNomadDefaultS, median(heal) / kNomadDefaultS,
                worst_after, failed_total, sent_total);
  }
  return 0;
}
