// The latency of one remote command (`true`): a pooled libssh2 session
// (Libssh2Shell) against a fresh OpenSSH client process per command, both
// against a real sshd this program starts on loopback. Prints the median and
// 95th percentile of each and their ratio.
//   ssh_bench [N] [--json]     N commands each (default 200)
// The aim: the pooled session at least 5x faster than a fresh process
// (what makes one remote command per container cheap).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "bench/common/bench_report.h"
#include "core/subprocess.h"
#include "launcher/libssh2_shell.h"
#include "tests/e2e/support/sshd_fixture.h"

using namespace quarry;

namespace {

// Accepts exactly the fixture's host key: pinned out of band.
class OneKnownKey : public HostKeyPolicy {
 public:
  explicit OneKnownKey(std::string blob) : blob_(std::move(blob)) {}
  Status verify(std::string_view server, std::string_view key_blob) override {
    if (key_blob == blob_) return {};
    return fail_remote("host key for " + std::string(server) + " changed");
  }

 private:
  std::string blob_;
};

struct Figures {
  double median_ms, p95_ms;
};

Figures figures(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * static_cast<double>(ms.size())))]; };
  return {at(0.5), at(0.95)};
}

template <class F>
std::vector<double> time_each(int n, F run) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (!run()) {
      std::fprintf(stderr, "ssh_bench: command %d failed\n", i);
      std::exit(1);
    }
    out.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const bool json = bench::wants_json(argc, argv);
  int n = 200;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) != "--json") n = std::atoi(argv[i]);
  if (n <= 0) n = 200;
  SshdFixture sshd;
  if (auto s = sshd.start(); !s) {
    std::fprintf(stderr, "ssh_bench: %s\n", s.error().message.c_str());
    return 1;
  }
  auto blob = sshd.host_key_blob();
  if (!blob) {
    std::fprintf(stderr, "ssh_bench: %s\n", blob.error().message.c_str());
    return 1;
  }
  OneKnownKey keys(*blob);
  Libssh2Options options;
  options.key.private_key = sshd.client_key();
  Libssh2Shell shell(options, keys);
  Command cmd;
  cmd.argv = {"true"};
  auto endpoint = sshd.endpoint("bench");
  // The first command opens the pooled session; it is not part of the figures.
  if (!shell.run(endpoint, cmd)) return 1;
  auto pooled_ms = time_each(n, [&] {
    auto r = shell.run(endpoint, cmd);
    return r && r->ok();
  });
  auto ssh_argv = sshd.ssh_argv({"true"});
  auto fresh_ms = time_each(n, [&] {
    auto r = run_process(ssh_argv);
    return r && r->ok();
  });
  auto pooled = figures(pooled_ms), fresh = figures(fresh_ms);
  if (json) {
    bench::Report r("ssh_bench");
    r.ratio("fresh/pooled", fresh.median_ms / pooled.median_ms, ">= 5");
    r.figure("pooled_ms", bench::Samples{pooled_ms});
    r.figure("fresh_ms", bench::Samples{fresh_ms});
    r.figure("pooled_p95_ms", pooled.p95_ms);
    r.figure("fresh_p95_ms", fresh.p95_ms);
    r.extra("commands") = n;
    r.print();
    return 0;
  }
  std::printf("ssh: one remote `true`, N=%d each, sshd on 127.0.0.1 (OpenSSH, ed25519)\n", n);
  std::printf("  libssh2 pooled session   median %7.2f ms   p95 %7.2f ms\n", pooled.median_ms, pooled.p95_ms);
  std::printf("  fresh ssh process        median %7.2f ms   p95 %7.2f ms\n", fresh.median_ms, fresh.p95_ms);
  std::printf("  ratio (fresh / pooled)   median %7.1fx     p95 %7.1fx\n", fresh.median_ms / pooled.median_ms,
              fresh.p95_ms / pooled.p95_ms);
  std::printf("  sessions opened: %zu\n", shell.stats().sessions_opened);
  return 0;
}
