// store_deploy_bench: one deploy of the demo stack (examples/hello: a web
// node, 2 replicas behind the router) through the directory store and
// through a 3-member etcd on loopback, in one run on one local cluster
// (a router and 2 servers). The cluster is made on the directory store and
// copied into etcd with `quarry store migrate`; then stack "hello-dir" is
// deployed through the directory and "hello-etcd" through etcd, alternately,
// each deploy a new release (the env changes: build from cache, image
// already on the servers, 2 replicas replaced behind health gates). Each
// store's first deploy (build, ship) is a warm-up timed apart. The ratio is
// etcd over dir of the median deploy time (aim: within 1.2x).
// Each deploy renders the router from its own store, so the other stack's
// vhost comes and goes; only deploy times are measured.
//   store_deploy_bench [--runs N] [--json]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bench/common/bench_cluster.h"
#include "bench/common/bench_report.h"
#include "tests/e2e/deploy/e2e_cluster.h"
#include "tests/e2e/store/etcd_lab.h"

using namespace quarry;
using namespace quarry::e2e;

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "store_deploy_bench: %s\n", why.c_str());
  std::exit(1);
}

std::string manifest(const std::string& store, int run) {
  return "name: hello-" + store + "\n"
         "env:\n"
         "  GREETING: \"run " + std::to_string(run) + "\"\n"
         "nodes:\n"
         "  web:\n"
         "    build: .\n"
         "    command: --port 8080\n"
         "    port: 8080\n"
         "    domains: [hello-" + store + ".quarry.test]\n"
         "    scale: 2\n"
         "    memory: 64\n"
         "    health: /up\n";
}

// One deploy through `store_url` (empty: the directory); seconds. On a
// failure, what the store's grid and servers say too.
Result<double> deploy(TestCluster& c, const std::string& store, const std::string& store_url, int run) {
  if (store_url.empty()) unsetenv("QUARRY_STORE");
  else setenv("QUARRY_STORE", store_url.c_str(), 1);
  if (auto s = c.write_manifest(manifest(store, run)); !s) return std::unexpected(s.error());
  auto start = Clock::now();
  auto r = c.quarry({"deploy", "-f", c.manifest(), "--drain", "300"});
  double s = std::chrono::duration<double>(Clock::now() - start).count();
  if (!r.ok()) {
    auto grid = c.quarry({"grid"});
    auto servers = c.quarry({"servers"});
    unsetenv("QUARRY_STORE");
    return fail("deploy through " + store + " failed: exit " + std::to_string(r.exit_code) + "\n" + r.err +
                "\ngrid:\n" + grid.out + grid.err + "\nservers:\n" + servers.out + servers.err);
  }
  unsetenv("QUARRY_STORE");
  return s;
}

struct Figures {
  double first_dir = 0, first_etcd = 0;
  bench::Samples dir_s, etcd_s;
};

// Alternates deploys through the two stores; the lab and the cluster stay
// the caller's, so they are torn down whatever happens here.
Status measure(TestCluster& c, const EtcdLab& etcd, int runs, Figures& f) {
  auto migrated = c.quarry({"store", "migrate", "--to", etcd.url()});
  if (!migrated.ok()) return fail("store migrate: " + migrated.err);
  std::fprintf(stderr, "store_deploy_bench: cluster on dir and etcd; warm-up deploys\n");
  auto first_dir = deploy(c, "dir", "", 0);
  if (!first_dir) return std::unexpected(first_dir.error());
  auto first_etcd = deploy(c, "etcd", etcd.url(), 0);
  if (!first_etcd) return std::unexpected(first_etcd.error());
  f.first_dir = *first_dir;
  f.first_etcd = *first_etcd;
  for (int i = 1; i <= runs; ++i) {
    auto d = deploy(c, "dir", "", i);
    if (!d) return std::unexpected(d.error());
    auto e = deploy(c, "etcd", etcd.url(), i);
    if (!e) return std::unexpected(e.error());
    f.dir_s.add(*d);
    f.etcd_s.add(*e);
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 3;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) json = true;
    else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    else die("usage: store_deploy_bench [--runs N] [--json]");
  }
  unsetenv("QUARRY_STORE");
  if (auto why = EtcdLab::missing_prerequisite(); !why.empty()) die(why);
  Figures f;
  {
    EtcdLab etcd;  // stopped after the cluster is down
    Status done = etcd.start(3);
    if (done) {
      // Its teardown runs `quarry cluster down` on the directory store.
      auto c = bench::start_cluster({"store_deploy_bench", QUARRY_BENCH_BIN, QUARRY_BENCH_SOURCE_DIR, 2, 1024,
                                     R"({"policy": "spread", "autosize": false})", true});
      done = c ? measure(**c, etcd, runs, f) : Status(std::unexpected(c.error()));
      unsetenv("QUARRY_STORE");
      bench::stop_cluster();
    }
    unsetenv("QUARRY_STORE");
    if (!done) {
      std::fprintf(stderr, "store_deploy_bench: %s\n", done.error().message.c_str());
      return 1;
    }
  }
  const auto& dir_s = f.dir_s;
  const auto& etcd_s = f.etcd_s;
  double first_dir = f.first_dir, first_etcd = f.first_etcd;
  double ratio = etcd_s.median() / dir_s.median();
  if (json) {
    bench::Report r("store_deploy_bench");
    r.ratio("etcd/dir deploy", ratio, "<= 1.2");
    r.figure("dir_deploy_s", dir_s);
    r.figure("etcd_deploy_s", etcd_s);
    r.figure("dir_first_deploy_s", first_dir);
    r.figure("etcd_first_deploy_s", first_etcd);
    r.extra("runs") = runs;
    r.extra("etcd_members") = 3;
    r.print();
    return 0;
  }
  std::printf("store_deploy_bench: a deploy of hello (web x2, new release) on 2 local servers; median of %d [min .. max]\n",
              runs);
  std::printf("  through dir    %6.2f s  [%.2f .. %.2f]   first (build, ship): %.2f s\n", dir_s.median(), dir_s.min(),
              dir_s.max(), first_dir);
  std::printf("  through etcd   %6.2f s  [%.2f .. %.2f]   first (build, ship): %.2f s\n", etcd_s.median(), etcd_s.min(),
              etcd_s.max(), first_etcd);
  std::printf("  etcd / dir     %6.2fx   (aim: within 1.2x)\n", ratio);
  return 0;
}
