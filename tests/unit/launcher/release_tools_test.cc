// The pure parts of the health gate and of image retention.
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/quote.h"
#include "launcher/health.h"
#include "launcher/image_builder.h"
#include "launcher/image_pruner.h"
#include "launcher/prober.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(release_tools)

BOOST_AUTO_TEST_CASE(remote_probe_command_is_golden) {
  BOOST_TEST(shell_join(remote_probe_argv("10.77.1.2", 20001, "/up", 5000)) ==
             "curl --globoff -sS -o /dev/null -w '%{http_code} %{time_connect}' --connect-timeout 5.000 --max-time 5.000 "
             "-H 'User-Agent: quarry-health' http://10.77.1.2:20001/up");
  // A path without its slash gets one; a TCP check asks for "/".
  BOOST_TEST(remote_probe_argv("h", 1, "up", 1000).back() == "http://h:1/up");
  BOOST_TEST(remote_probe_argv("h", 1, "", 1000).back() == "http://h:1/");
  // A path with curl's range syntax is one literal URL, never a thousand.
  auto argv = remote_probe_argv("h", 1, "/up[1-1000]{a,b}", 1000);
  BOOST_TEST(argv.back() == "http://h:1/up[1-1000]{a,b}");
  BOOST_TEST((std::find(argv.begin(), argv.end(), "--globoff") != argv.end()));
}

BOOST_AUTO_TEST_CASE(image_builds_are_isolated_and_bounded) {
  BOOST_TEST(shell_join(image_build_argv("quarry/blog-web:r7", "/home/quarry/stacks/blog/src")) ==
             "docker build --quiet --network none --memory 2g --memory-swap 2g --cpu-period 100000 "
             "--cpu-quota 100000 --force-rm --tag quarry/blog-web:r7 /home/quarry/stacks/blog/src");
}

struct ProbeCase {
  const char* path;
  int exit_code;
  const char* out;
  bool ok;
  const char* detail_prefix;
};

BOOST_AUTO_TEST_CASE(remote_probe_answers_are_read) {
  const ProbeCase cases[] = {
      {"/up", 0, "200 0.001", true, "GET /up: HTTP 200"},
      {"/up", 0, "404 0.001", false, "GET /up: HTTP 404"},
      {"/up", 7, "000 0.000", false, "GET /up: "},
      {"", 0, "200 0.001", true, "TCP connect"},
      {"", 52, "000 0.002", true, "TCP connect"},  // connected, then no HTTP: still a TCP success
      {"", 7, "000 0.000", false, "connect: "},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("path '" << c.path << "' out '" << c.out << "'") {
      HealthCheck check;
      check.path = c.path;
      ProbeAttempt a;
      read_remote_probe(ProcessResult{c.exit_code, c.out, "curl: (7) Failed to connect", false}, check, a);
      BOOST_TEST(a.ok == c.ok);
      BOOST_TEST(a.detail.rfind(c.detail_prefix, 0) == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(hq_probe_history_names_every_attempt) {
  // A port nobody listens on: every attempt fails, quickly, and is kept.
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(s);
  HealthCheck check;
  check.retries = 3;
  check.interval_ms = 1;
  check.timeout_ms = 500;
  HqProber hq;
  auto report = wait_healthy(hq, "127.0.0.1", port, check);
  BOOST_TEST(!report.healthy);
  BOOST_REQUIRE(report.attempts.size() == 3u);
  auto history = report.history();
  BOOST_TEST(history.find("probe 1: connect: Connection refused") == 0u);
  BOOST_TEST(history.find("probe 3: connect: Connection refused") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(quick_probes_fill_only_the_first_interval) {
  BOOST_TEST(quick_probe_delays_ms(1000) == (std::vector<int>{20, 40, 80, 160, 320}), boost::test_tools::per_element());
  BOOST_TEST(quick_probe_delays_ms(100) == (std::vector<int>{20, 40}), boost::test_tools::per_element());
  BOOST_TEST(quick_probe_delays_ms(20).empty());
  BOOST_TEST(quick_probe_delays_ms(1).empty());
}

namespace {
// Fails its first `failures` probes, then passes.
class ScriptedProber : public Prober {
 public:
  explicit ScriptedProber(int failures) : failures_(failures) {}
  ProbeAttempt probe(const std::string&, int, const HealthCheck&, int number) override {
    bool ok = number > failures_;
    return ProbeAttempt{number, ok, ok ? "HTTP 200" : "connect: Connection refused", 0};
  }
  std::string where() const override { return "from the test"; }

 private:
  int failures_;
};
}  // namespace

BOOST_AUTO_TEST_CASE(a_replica_listening_soon_passes_a_quick_probe_and_a_dead_one_gets_every_retry) {
  HealthCheck check;
  check.interval_ms = 100;  // quick probes after 20 and 40 ms
  check.retries = 2;
  ScriptedProber soon(2);
  auto passed = wait_healthy(soon, "10.0.0.1", 80, check);
  BOOST_TEST(passed.healthy);
  BOOST_TEST(passed.attempts.size() == 3u);
  ScriptedProber dead(1000);
  auto failed = wait_healthy(dead, "10.0.0.1", 80, check);
  BOOST_TEST(!failed.healthy);
  BOOST_TEST(failed.attempts.size() == 4u);  // the 2 retries and the 2 quick ones between them
  BOOST_TEST(failed.history().find("probe 4: connect: Connection refused") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(image_list_is_parsed) {
  auto refs = parse_image_list("quarry/blog-web:r3 sha256:aa\nnot a line at all\nbusybox:latest sha256:bb\n");
  BOOST_REQUIRE(refs.size() == 2u);
  BOOST_TEST(refs[0].tag == "quarry/blog-web:r3");
  BOOST_TEST(refs[1].id == "sha256:bb");
}

BOOST_AUTO_TEST_CASE(retention_keeps_the_newest_releases_that_did_not_fail) {
  std::vector<ReleaseRecord> releases;
  const char* statuses[] = {"deployed", "deployed", "failed", "deployed", "deployed"};
  for (int n = 1; n <= 5; ++n) {
    ReleaseRecord r;
    r.number = n;
    r.stack = "blog";
    r.status = statuses[n - 1];
    r.spec = {{"images", {{"web", {{"tag", "quarry/blog-web:r" + std::to_string(n)}, {"id", "x"}}}}}};
    releases.push_back(r);
  }
  std::vector<ImageRef> present;
  for (int n = 1; n <= 5; ++n) present.push_back({"quarry/blog-web:r" + std::to_string(n), "x"});
  present.push_back({"quarry/other-web:r1", "y"});  // another stack's
  present.push_back({"quarry/blog-web:latest", "z"});  // not a release tag
  // keep 2: releases 5 and 4 stay; 3 failed (pruned), 2 and 1 pruned.
  auto doomed = images_to_prune("blog", releases, present, 2);
  BOOST_TEST(doomed == (std::vector<std::string>{"quarry/blog-web:r1", "quarry/blog-web:r2", "quarry/blog-web:r3"}));
  BOOST_TEST(images_to_prune("blog", releases, present, 10).size() == 1u);  // only the failed one
}

// Before names were joined with '_', stack "a" with process "b-c" and stack
// "a-b" with process "c" both tagged "quarry/a-b-c:rN". Pruning one stack
// must leave what the other's releases record, whatever the repository.
BOOST_AUTO_TEST_CASE(retention_never_removes_what_another_stack_records) {
  auto release = [](const std::string& stack, int n, const std::string& process, const std::string& tag,
                    const std::string& id) {
    ReleaseRecord r;
    r.number = n;
    r.stack = stack;
    r.status = "deployed";
    r.spec = {{"images", {{process, {{"tag", tag}, {"id", id}}}}}};
    return r;
  };
  std::vector<ReleaseRecord> mine = {release("a", 1, "b-c", "quarry/a-b-c:r1", "sha256:a1"),
                                     release("a", 2, "b-c", "quarry/a_b-c:r2", "sha256:a2"),
                                     release("a", 3, "b-c", "quarry/a_b-c:r3", "sha256:a3")};
  std::vector<ReleaseRecord> theirs = {release("a-b", 1, "c", "quarry/a-b-c:r1", "sha256:b1"),
                                       release("a-b", 2, "c", "quarry/a-b_c:r2", "sha256:b2")};
  std::vector<ImageRef> present = {{"quarry/a-b-c:r1", "sha256:b1"},  // retagged by a-b's build
                                   {"quarry/a_b-c:r2", "sha256:a2"},
                                   {"quarry/a_b-c:r3", "sha256:a3"},
                                   {"quarry/a-b_c:r2", "sha256:b2"},
                                   {"quarry/a_b-c:r9", "sha256:zz"}};  // no release of a recorded it
  // keep 1: a's r3 stays; r2 goes; r1's tag is a-b's (recorded by it, and
  // now on a-b's id): it stays; r9 was never recorded: it stays.
  auto doomed = images_to_prune("a", mine, present, 1, recorded_tags(theirs));
  BOOST_TEST(doomed == (std::vector<std::string>{"quarry/a_b-c:r2"}));
  // Without the other stack's records the id check alone still protects r1.
  BOOST_TEST(images_to_prune("a", mine, present, 1) == (std::vector<std::string>{"quarry/a_b-c:r2"}));
}

BOOST_AUTO_TEST_SUITE_END()
