// The deploy path end to end, through the quarry binary: a router and three
// local servers (network namespaces with their own sshd and dockerd), the
// example app built on the HQ engine and shipped to them. The cases share one
// cluster and run in order; each leaves it converged for the next.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <map>
#include <memory>
#include <set>

#include "core/file_io.h"
#include "core/text.h"
#include "tests/e2e/deploy/e2e_cluster.h"

using namespace quarry;
using namespace quarry::e2e;

namespace {

const char* const kStack = "hello";
const char* const kDomain = "hello.quarry.test";

// The example's manifest with its greeting as given and a manifest env
// value that a shell would take apart.
std::string manifest(const std::string& greeting, const std::string& marker) {
  return "name: hello\n"
         "env:\n"
         "  GREETING: \"" + greeting + "\"\n"
         "  ODD: 'a''b $(touch " + marker + ") `touch " + marker + "` ; | & \"q\" \\ y'\n"
         "services:\n"
         "  counter:\n"
         "    build: .\n"
         "    command: --mode counter --port 9000 --data /data\n"
         "    port: 9000\n"
         "    memory: 64\n"
         "    volumes: [/data]\n"
         "nodes:\n"
         "  web:\n"
         "    build: .\n"
         "    command: --port 8080\n"
         "    port: 8080\n"
         "    domains: [hello.quarry.test]\n"
         "    scale: 2\n"
         "    memory: 64\n"
         "    health: /up\n"
         "    depends_on: [counter]\n";
}

struct Replica {
  std::string node, server, name, state;
  int release = 0;
};

struct Shared {
  TestCluster cluster;
  std::string cannot_run;        // why the cases do not run here
  std::string marker;      // a file only a shell injection would create
  bool started = false;
};

Shared& shared() {
  static Shared s;
  return s;
}

// The started cluster; fails the case when this machine cannot run it.
TestCluster* cluster() {
  auto& s = shared();
  if (!s.started) {
    s.started = true;
    s.cannot_run = TestCluster::missing_prerequisite();
    s.marker = "/tmp/qe-pwned-" + std::to_string(getpid());
    if (s.cannot_run.empty()) {
      // spread: the stack lands on all three servers; no autosize: the
      // cases never make servers behind the test's back.
      auto st = s.cluster.start(3, 1024, R"({"policy": "spread", "autosize": false})");
      if (!st) s.cannot_run = "FAILED: " + st.error().message;
    }
  }
  // A machine that cannot run the cluster fails the suite, saying why.
  if (!s.cannot_run.empty()) BOOST_FAIL("cannot run: " + s.cannot_run);
  return &s.cluster;
}

std::vector<Replica> replicas(TestCluster& c) {
  auto j = c.ps(kStack);
  BOOST_REQUIRE_MESSAGE(j.has_value(), (j ? "" : j.error().message));
  std::vector<Replica> out;
  for (const auto& r : *j) {
    out.push_back({r.value("node", ""), r.value("server", ""), r.value("name", ""), r.value("state", ""),
                   r.value("release", 0)});
  }
  return out;
}

std::vector<Replica> of_node(const std::vector<Replica>& all, const std::string& node) {
  std::vector<Replica> out;
  for (const auto& r : all) {
    if (r.node == node) out.push_back(r);
  }
  return out;
}

// quarry's books and every server's engine agree, and all of it runs.
void require_converged(TestCluster& c) {
  std::map<std::string, std::set<std::string>> books;
  for (const auto& r : replicas(c)) {
    BOOST_CHECK_MESSAGE(r.state == "running", r.name + " is " + r.state);
    books[r.server].insert(r.name + " running");
  }
  for (const auto& s : c.servers()) {
    auto seen = c.engine_containers(s, kStack);
    BOOST_REQUIRE_MESSAGE(seen.has_value(), (seen ? "" : seen.error().message));
    std::set<std::string> engine(seen->begin(), seen->end());
    BOOST_CHECK_MESSAGE(engine == books[s.id], s.id + ": the engine runs [" + join({engine.begin(), engine.end()}, ", ") +
                                                   "], the books say [" +
                                                   join({books[s.id].begin(), books[s.id].end()}, ", ") + "]");
  }
}

ProcessResult deploy(TestCluster& c, const std::string& greeting) {
  BOOST_REQUIRE(c.write_manifest(manifest(greeting, shared().marker)).has_value());
  return c.quarry({"deploy", "-f", c.manifest(), "--drain", "300"});
}

void require_ok(const ProcessResult& r, const std::string& what) {
  BOOST_REQUIRE_MESSAGE(r.ok(), what + ": exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err);
}

std::string must_get(TestCluster& c, const std::string& path) {
  auto body = c.get(kDomain, path);
  BOOST_REQUIRE_MESSAGE(body.has_value(), (body ? "" : body.error().message));
  return *body;
}

// A worker that runs a web replica and not the counter (new web replicas
// need the counter's server to learn its address).
const ServerInfo& web_only_server(TestCluster& c) {
  auto all = replicas(c);
  std::set<std::string> counter;
  for (const auto& r : of_node(all, "counter")) counter.insert(r.server);
  for (const auto& r : of_node(all, "web")) {
    if (!counter.count(r.server)) return *c.server(r.server);
  }
  BOOST_FAIL("no server runs a web replica without the counter");
  return c.servers().front();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(deploy_e2e)

BOOST_AUTO_TEST_CASE(deploys_onto_three_servers) {
  auto* c = cluster();
  if (!c) return;
  BOOST_REQUIRE_EQUAL(c->servers().size(), 4u);
  require_ok(deploy(*c, "hello, world"), "deploy");
  auto all = replicas(*c);
  BOOST_CHECK_EQUAL(of_node(all, "counter").size(), 1u);
  BOOST_CHECK_EQUAL(of_node(all, "web").size(), 2u);
  std::set<std::string> used;
  for (const auto& r : all) used.insert(r.server);
  BOOST_CHECK_MESSAGE(used.size() == 3 && !used.count(c->router().id), "servers used: " + join({used.begin(), used.end()}, ", "));
  require_converged(*c);
  auto body = must_get(*c, "/");
  BOOST_CHECK_MESSAGE(body.starts_with("hello, world from web (release 1), visit "), body);
  BOOST_CHECK_MESSAGE(!body.ends_with("visit ?\n"), "web does not reach the counter: " + body);
}

BOOST_AUTO_TEST_CASE(scales_up_and_down) {
  auto* c = cluster();
  if (!c) return;
  require_ok(c->quarry({"scale", kStack, "web=3"}), "scale web=3");
  BOOST_CHECK_EQUAL(of_node(replicas(*c), "web").size(), 3u);
  require_converged(*c);
  for (int i = 0; i < 6; ++i) BOOST_CHECK(must_get(*c, "/").starts_with("hello, world from web"));
  require_ok(c->quarry({"scale", kStack, "web=1"}), "scale web=1");
  BOOST_CHECK_EQUAL(of_node(replicas(*c), "web").size(), 1u);
  require_converged(*c);
  BOOST_CHECK(must_get(*c, "/").starts_with("hello, world from web"));
}

BOOST_AUTO_TEST_CASE(redeploy_serves_the_changed_app) {
  auto* c = cluster();
  if (!c) return;
  require_ok(deploy(*c, "changed greeting"), "redeploy");
  auto web = of_node(replicas(*c), "web");
  BOOST_CHECK_EQUAL(web.size(), 2u);  // the manifest's scale again
  for (const auto& r : web) BOOST_CHECK_EQUAL(r.release, 2);
  require_converged(*c);
  for (int i = 0; i < 6; ++i) {
    auto body = must_get(*c, "/");
    BOOST_CHECK_MESSAGE(body.starts_with("changed greeting from web (release 2), visit "), body);
  }
}

BOOST_AUTO_TEST_CASE(next_deploy_replaces_a_container_removed_by_hand) {
  auto* c = cluster();
  if (!c) return;
  auto web = of_node(replicas(*c), "web");
  BOOST_REQUIRE(!web.empty());
  const auto& victim = web.front();
  BOOST_REQUIRE(c->engine(*c->server(victim.server), {"rm", "-f", victim.name}).has_value());
  require_ok(deploy(*c, "changed greeting"), "deploy after a removal");
  web = of_node(replicas(*c), "web");
  BOOST_CHECK_EQUAL(web.size(), 2u);
  for (const auto& r : web) BOOST_CHECK_MESSAGE(r.name != victim.name, r.name + " is still in the books");
  require_converged(*c);
  BOOST_CHECK(must_get(*c, "/").starts_with("changed greeting from web"));
}

BOOST_AUTO_TEST_CASE(env_values_reach_the_container_byte_for_byte) {
  auto* c = cluster();
  if (!c) return;
  const std::string& marker = shared().marker;
  const std::string weird = "it's $(touch " + marker + ") `touch " + marker + "` ; | & \"q\" \\\\ x\t$HOME *";
  require_ok(c->quarry({"env", "set", kStack, "WEIRD=" + weird}), "env set");
  require_ok(deploy(*c, "changed greeting"), "deploy with the new env");
  for (int i = 0; i < 2; ++i) {  // both replicas, by the router's round robin
    auto got = must_get(*c, "/env/WEIRD");
    BOOST_CHECK_MESSAGE(got == weird, "WEIRD came back as [" + got + "]: " + first_difference(got, weird));
    auto odd = must_get(*c, "/env/ODD");
    std::string want = "a'b $(touch " + marker + ") `touch " + marker + "` ; | & \"q\" \\ y";
    BOOST_CHECK_MESSAGE(odd == want, "ODD came back as [" + odd + "]: " + first_difference(odd, want));
  }
  BOOST_CHECK_MESSAGE(!path_exists(marker), marker + " exists: a value reached a shell");
  (void)remove_all(marker);
}

BOOST_AUTO_TEST_CASE(an_unreachable_server_is_named_and_the_rest_deploys) {
  auto* c = cluster();
  if (!c) return;
  const ServerInfo& down = web_only_server(*c);
  BOOST_REQUIRE(c->stop_sshd(down).has_value());
  auto r = deploy(*c, "while one is down");
  auto restarted = c->start_sshd(down);
  BOOST_CHECK_EQUAL(r.exit_code, 3);
  BOOST_CHECK_MESSAGE(r.err.find(down.id) != std::string::npos, "the error does not name " + down.id + ":\n" + r.err);
  int newest = 0, fresh_elsewhere = 0;
  auto web = of_node(replicas(*c), "web");
  for (const auto& w : web) newest = std::max(newest, w.release);
  for (const auto& w : web) fresh_elsewhere += w.release == newest && w.server != down.id && w.state == "running";
  BOOST_CHECK_GE(fresh_elsewhere, 1);
  BOOST_CHECK_MESSAGE(must_get(*c, "/").starts_with("while one is down from web (release " + std::to_string(newest)),
                      "the live replicas do not serve the new release");
  BOOST_REQUIRE_MESSAGE(restarted.has_value(), (restarted ? "" : restarted.error().message));
  require_ok(deploy(*c, "all back"), "deploy once the server is back");
  require_converged(*c);
  BOOST_CHECK(must_get(*c, "/").starts_with("all back from web"));
}

BOOST_AUTO_TEST_CASE(a_changed_host_key_is_refused) {
  auto* c = cluster();
  if (!c) return;
  const ServerInfo& rebuilt = web_only_server(*c);
  BOOST_REQUIRE(c->new_host_key(rebuilt).has_value());
  const std::string hint = "quarry servers trust " + rebuilt.id;
  auto logs = c->quarry({"logs", kStack, "web", "--tail", "1"});
  BOOST_CHECK_EQUAL(logs.exit_code, 3);
  BOOST_CHECK_MESSAGE(logs.err.find("host key for " + rebuilt.id + " changed") != std::string::npos &&
                          logs.err.find(hint) != std::string::npos,
                      "quarry logs:\n" + logs.err);
  auto r = deploy(*c, "after a rebuild");
  BOOST_CHECK_EQUAL(r.exit_code, 3);
  BOOST_CHECK_MESSAGE(r.err.find(hint) != std::string::npos, "quarry deploy:\n" + r.err);
  require_ok(c->quarry({"servers", "trust", rebuilt.id}), "servers trust");
  require_ok(deploy(*c, "trusted again"), "deploy after trust");
  require_converged(*c);
  BOOST_CHECK(must_get(*c, "/").starts_with("trusted again from web"));
}

BOOST_AUTO_TEST_SUITE_END()
