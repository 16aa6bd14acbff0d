// store_bench: store operations per second, DirStore and EtcdStore side by
// side in one run (get, put, compare-and-swap, lock+unlock), and the time
// until another HQ leads after the leader dies (etcd: default lease; dir:
// flock). etcd is a 3-member cluster this program starts on loopback ports
// and stops. Ratios are etcd over dir (ops/s), so 1.0 means "as fast".
// Options: --json, --ops N (per operation and store, default 300).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "core/file_io.h"
#include "store/dir_leadership.h"
#include "store/dir_store.h"
#include "store/etcd_leadership.h"
#include "store/etcd_store.h"
#include "store/store_url.h"
#include "tests/e2e/store/etcd_lab.h"

using namespace quarry;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// Runs `op` n times; ops per second, or -1 when an op failed.
double rate(int n, const std::function<bool(int)>& op) {
  auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    if (!op(i)) return -1;
  }
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  return n / secs;
}

std::map<std::string, double> measure(Store& store, int n) {
  std::map<std::string, double> out;
  std::string value(512, 'v');  // about a release record
  (void)store.put("bench/key", value);
  out["put"] = rate(n, [&](int i) { return store.put("bench/k" + std::to_string(i % 50), value).has_value(); });
  out["get"] = rate(n, [&](int i) {
    auto v = store.get("bench/k" + std::to_string(i % 50));
    return v && v->has_value();
  });
  out["cas"] = rate(n, [&](int) {
    auto v = store.get_versioned("bench/key");
    if (!v) return false;
    auto done = put_if(store, "bench/key", value, v->revision);
    return done && *done;
  });
  out["lock_unlock"] = rate(n / 3, [&](int i) {
    auto held = store.lock("bench/lock" + std::to_string(i % 5), "bench", std::chrono::milliseconds(5000));
    return held.has_value();  // released when `held` goes out of scope
  });
  return out;
}

// Milliseconds until `b` leads after the leader (a child process) was killed.
double dir_takeover(const std::string& root) {
  int ready[2];
  if (pipe(ready) != 0) return -1;
  pid_t child = fork();
  if (child == 0) {
    DirStore s(root);
    DirLeadership a(s, unix_now);
    auto t = a.campaign("hq-a");
    if (write(ready[1], t && *t ? "y" : "n", 1) < 0) _exit(1);
    pause();
    _exit(0);
  }
  char c = 'n';
  if (read(ready[0], &c, 1) != 1 || c != 'y') return -1;
  DirStore s(root);
  DirLeadership b(s, unix_now);
  auto killed = Clock::now();
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  while (Clock::now() - killed < std::chrono::seconds(10)) {
    auto t = b.campaign("hq-b");
    if (t && *t) return std::chrono::duration<double, std::milli>(Clock::now() - killed).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

double etcd_takeover(const EtcdOptions& o) {
  EtcdStore sa(o), sb(o);
  EtcdLeadership a(sa, kDefaultLeaderTtl, unix_now), b(sb, kDefaultLeaderTtl, unix_now);
  auto t = a.campaign("hq-a");
  if (!t || !*t) return -1;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // mid-lease, as in real life
  auto killed = Clock::now();
  a.abandon();
  while (Clock::now() - killed < std::chrono::seconds(15)) {
    auto got = b.campaign("hq-b");
    if (got && *got) return std::chrono::duration<double, std::milli>(Clock::now() - killed).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // an HQ's campaign period
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  bool json = false;
  int ops = 300;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0) json = true;
    else if (std::strcmp(argv[i], "--ops") == 0 && i + 1 < argc) ops = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: store_bench [--json] [--ops N]\n");
      return 2;
    }
  }
  if (ops < 10 || ops > 100000) {
    std::fprintf(stderr, "store_bench: --ops must be 10..100000\n");
    return 2;
  }
  e2e::EtcdLab lab;
  if (auto s = lab.start(3); !s) {
    std::fprintf(stderr, "store_bench: cannot start etcd: %s\n", s.error().message.c_str());
    return 1;
  }
  auto root = make_temp_dir("quarry-store-bench");
  if (!root) return 1;
  DirStore dir(*root);
  EtcdStore etcd(lab.options());
  auto d = measure(dir, ops);
  auto e = measure(etcd, ops);
  double dir_take = dir_takeover(*root);
  auto takeover_opts = lab.options();
  takeover_opts.prefix = "/bench-takeover/";
  double etcd_take = etcd_takeover(takeover_opts);
  (void)remove_all(*root);

  nlohmann::json out;
  out["name"] = "store_bench";
  out["ops"] = ops;
  out["dir"] = d;
  out["etcd"] = e;
  for (const auto& [op, v] : d) out["ratios"]["etcd_over_dir_" + op] = v > 0 && e[op] > 0 ? e[op] / v : -1.0;
  out["takeover_ms"] = {{"dir", dir_take}, {"etcd", etcd_take}};
  out["lease_seconds"] = kDefaultLeaderTtl.count();
  out["aims"] = {{"etcd_takeover_ms_below", 5000}, {"etcd_takeover_met", etcd_take > 0 && etcd_take < 5000}};
  if (json) {
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("store_bench: %d ops each; etcd = 3 members on loopback, JSON gateway over libcurl\n", ops);
  std::printf("%-12s %12s %12s %10s\n", "op", "dir ops/s", "etcd ops/s", "etcd/dir");
  for (const auto& [op, v] : d)
    std::printf("%-12s %12.0f %12.0f %10.3f\n", op.c_str(), v, e[op], v > 0 ? e[op] / v : -1.0);
  std::printf("leader takeover after the leader died: dir (flock) %.0f ms, etcd (lease %llds) %.0f ms (aim < 5000)\n",
              dir_take, (long long)kDefaultLeaderTtl.count(), etcd_take);
  return 0;
}
