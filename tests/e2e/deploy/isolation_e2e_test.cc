// Stacks that cannot hurt each other, end to end through the quarry binary
// on a local cluster (a router and one worker: network namespaces with their
// own sshd and dockerd). The cases share the cluster and run in order.
//
//   names    stack `a-b` with service `c` and stack `a` with service `b-c`
//            (once both "a-b-c") run side by side on one server, each
//            counting in its own volume; pruning one stack's images leaves
//            the other's.
//   domains  stack `b` claiming stack `a`'s domain is refused with the place
//            and the owner, nothing saved; `a` then redeploys fine.
//   router   both stacks redeploy at once, twice, while requests go to both
//            domains through the router: none fails.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "core/file_io.h"
#include "core/text.h"
#include "tests/e2e/deploy/e2e_cluster.h"

using namespace quarry;
using namespace quarry::e2e;

namespace {

// One stack of the example app: a counter service named `service` (on the
// router server, so that both stacks' services share one server) and a web
// node on `domain`.
std::string manifest(const std::string& stack, const std::string& service, const std::string& domain,
                     const std::string& greeting) {
  return "name: " + stack + "\n"
         "env:\n"
         "  GREETING: \"" + greeting + "\"\n"
         "services:\n"
         "  " + service + ":\n"
         "    build: .\n"
         "    command: --mode counter --port 9000 --data /data\n"
         "    port: 9000\n"
         "    memory: 32\n"
         "    volumes: [/data]\n"
         "    requires: [role=router]\n"
         "nodes:\n"
         "  web:\n"
         "    build: .\n"
         "    command: --port 8080\n"
         "    port: 8080\n"
         "    domains: [" + domain + "]\n"
         "    memory: 32\n"
         "    health: /up\n";
}

struct Shared {
  TestCluster cluster;
  bool started = false;
  std::string failed;
};

Shared& shared() {
  static Shared s;
  return s;
}

TestCluster& cluster() {
  auto& s = shared();
  if (!s.started) {
    s.started = true;
    s.failed = TestCluster::missing_prerequisite();
    if (s.failed.empty()) {
      auto st = s.cluster.start(1, 1024, R"({"policy": "best-fit", "autosize": false, "max": 4})");
      if (!st) s.failed = st.error().message;
      else (void)write_file_atomic(s.cluster.home() + "/etc/releases.json", R"({"keep": 1})");
    }
  }
  // A machine that cannot run the cluster fails the case and says why.
  BOOST_REQUIRE_MESSAGE(s.failed.empty(), "the local cluster cannot run here: " + s.failed);
  return s.cluster;
}

std::string file_for(TestCluster& c, const std::string& stack) { return c.app_dir() + "/" + stack + ".yml"; }

ProcessResult deploy(TestCluster& c, const std::string& stack, const std::string& service, const std::string& domain,
                     const std::string& greeting = "hi") {
  BOOST_REQUIRE(write_file_atomic(file_for(c, stack), manifest(stack, service, domain, greeting)).has_value());
  return c.quarry({"deploy", "-f", file_for(c, stack), "--drain", "300"});
}

void require_ok(const ProcessResult& r, const std::string& what) {
  BOOST_REQUIRE_MESSAGE(r.ok(), what + ": exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out +
                                    "\nstderr:\n" + r.err);
}

// The stack's service record: where its counter answers.
nlohmann::json service_of(TestCluster& c, const std::string& stack) {
  auto ps = c.ps(stack);
  BOOST_REQUIRE_MESSAGE(ps.has_value(), (ps ? "" : ps.error().message));
  for (const auto& r : *ps) {
    if (r.value("service", false)) return r;
  }
  BOOST_FAIL("stack " + stack + " has no service record");
  return {};
}

// GET / on the stack's counter, straight to the server's published port.
std::string count(TestCluster& c, const std::string& stack) {
  auto rec = service_of(c, stack);
  const auto* server = c.server(rec.value("server", ""));
  BOOST_REQUIRE(server);
  auto r = run_process({"curl", "-sS", "--max-time", "10",
                        "http://" + server->ip + ":" + std::to_string(rec.value("host_port", 0)) + "/"});
  BOOST_REQUIRE_MESSAGE(r && r->ok(), "counter of " + stack + ": " + (r ? r->err : r.error().message));
  return trim(r->out);
}

bool has_image(TestCluster& c, const ServerInfo& s, const std::string& tag) {
  return c.engine(s, {"image", "inspect", "--format", "{{.Id}}", tag}).has_value();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(isolation_e2e)

BOOST_AUTO_TEST_CASE(names_never_collide_across_stacks) {
  auto& c = cluster();
  require_ok(deploy(c, "a-b", "c", "ab.quarry.test"), "deploy a-b");
  // The counter counts every GET / (a probe may have counted one already).
  int ab = std::stoi(count(c, "a-b"));
  BOOST_TEST(std::stoi(count(c, "a-b")) == ab + 1);
  require_ok(deploy(c, "a", "b-c", "a.quarry.test"), "deploy a");
  // Both services run on the router server, each on its own volume: a's
  // counter starts afresh, a-b's goes on (its container was not replaced).
  BOOST_TEST(service_of(c, "a").value("server", "") == service_of(c, "a-b").value("server", ""));
  int a = std::stoi(count(c, "a"));
  BOOST_TEST(a <= 2, "a's counter starts at " << a << ": it counts on a-b's data");
  BOOST_TEST(std::stoi(count(c, "a-b")) == ab + 2);
  const auto& router = c.router();
  for (const auto& stack : {"a-b", "a"}) {
    auto seen = c.engine_containers(router, stack);
    BOOST_REQUIRE(seen.has_value());
    bool service_runs = false;
    for (const auto& line : *seen) service_runs |= line.ends_with(" running") && line.find("_r") == std::string::npos;
    BOOST_TEST(service_runs, stack << " runs no service on " << router.id);
  }
  BOOST_TEST(c.engine(router, {"volume", "inspect", "a-b_c_data"}).has_value());
  BOOST_TEST(c.engine(router, {"volume", "inspect", "a_b-c_data"}).has_value());
  // Pruning a's images (keep 1) leaves a-b's release images for its rollback.
  require_ok(deploy(c, "a", "b-c", "a.quarry.test", "again"), "deploy a again");
  auto on_any = [&](const std::string& tag) {
    for (const auto& s : c.servers()) {
      if (has_image(c, s, tag)) return true;
    }
    return false;
  };
  BOOST_TEST(on_any("quarry/a-b_c:r1"));
  BOOST_TEST(on_any("quarry/a-b_web:r1"));
  BOOST_TEST(!on_any("quarry/a_b-c:r1"));
  BOOST_TEST(!on_any("quarry/a_web:r1"));
  BOOST_TEST(on_any("quarry/a_web:r2"));
  BOOST_TEST(std::stoi(count(c, "a")) == a + 1);
  BOOST_TEST(std::stoi(count(c, "a-b")) == ab + 3);
}

BOOST_AUTO_TEST_CASE(a_domain_of_another_stack_is_refused_and_nothing_saved) {
  auto& c = cluster();
  BOOST_REQUIRE(write_file_atomic(file_for(c, "b"), manifest("b", "d", "a.quarry.test", "thief")).has_value());
  auto checked = c.quarry({"check", "-f", file_for(c, "b")});
  BOOST_TEST(!checked.ok());
  BOOST_TEST(checked.err.find("b.yml:17:15: domain a.quarry.test is already routed by stack a") != std::string::npos,
             checked.err);
  auto deployed = c.quarry({"deploy", "-f", file_for(c, "b")});
  BOOST_TEST(!deployed.ok());
  BOOST_TEST(deployed.err.find("already routed by stack a") != std::string::npos, deployed.err);
  auto ps = c.ps("b");
  BOOST_TEST((!ps || ps->empty()), "stack b has containers after a refused deploy");
  BOOST_TEST(!path_exists(c.home() + "/stacks/b/routes.json"));
  require_ok(deploy(c, "a", "b-c", "a.quarry.test", "still mine"), "redeploy a");
  auto body = c.get("a.quarry.test", "/");
  BOOST_REQUIRE_MESSAGE(body.has_value(), (body ? "" : body.error().message));
  BOOST_TEST(body->find("still mine") != std::string::npos, *body);
}

BOOST_AUTO_TEST_CASE(two_stacks_deploying_at_once_drop_no_request) {
  auto& c = cluster();
  std::atomic<bool> done{false};
  std::atomic<int> ok{0}, failed{0};
  std::string first_failure;
  std::thread requests([&] {
    // Bounded: at most 3000 requests, alternating the two domains.
    for (int i = 0; i < 3000 && !done; ++i) {
      auto got = c.get(i % 2 ? "a.quarry.test" : "ab.quarry.test", "/");
      if (got) ++ok;
      else if (failed++ == 0) first_failure = got.error().message;
    }
  });
  auto loop = [&](const std::string& stack, const std::string& service, const std::string& domain) {
    std::string errors;
    for (int round = 0; round < 2; ++round) {
      auto r = deploy(c, stack, service, domain, "round " + std::to_string(round));
      if (!r.ok()) errors += stack + " round " + std::to_string(round) + ": " + r.err + "\n";
    }
    return errors;
  };
  auto ab = std::async(std::launch::async, loop, "a-b", "c", "ab.quarry.test");
  auto a = std::async(std::launch::async, loop, "a", "b-c", "a.quarry.test");
  auto errors = ab.get() + a.get();
  done = true;
  requests.join();
  BOOST_TEST(errors.empty(), errors);
  BOOST_TEST_MESSAGE("requests through the router during the deploys: " << ok << " answered, " << failed
                                                                         << " failed");
  BOOST_TEST(ok.load() > 0);
  BOOST_TEST(failed.load() == 0, first_failure);
  BOOST_TEST(c.get("ab.quarry.test", "/")->find("round 1") != std::string::npos);
  BOOST_TEST(c.get("a.quarry.test", "/")->find("round 1") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
