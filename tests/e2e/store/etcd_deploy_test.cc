// A deploy and a rollback through the etcd store, on the local cluster of
// tests/e2e/deploy (a router and one server: network namespaces with their
// own sshd and dockerd) and a 3-member etcd on loopback: the same results as
// through the directory store, the state in etcd and not in the home; with
// one member killed deploys go on; with two, a clear error; restored, it works.
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "core/file_io.h"
#include "store/etcd_store.h"
#include "tests/e2e/deploy/e2e_cluster.h"
#include "tests/e2e/store/etcd_lab.h"

using namespace quarry;
using namespace quarry::e2e;

namespace {

std::string manifest(const std::string& greeting) {
  return "name: hello\n"
         "env:\n"
         "  GREETING: \"" + greeting + "\"\n"
         "nodes:\n"
         "  web:\n"
         "    build: .\n"
         "    command: --port 8080\n"
         "    port: 8080\n"
         "    domains: [hello.quarry.test]\n"
         "    scale: 1\n"
         "    memory: 64\n"
         "    health: /up\n";
}

void require_ok(const ProcessResult& r, const std::string& what) {
  BOOST_REQUIRE_MESSAGE(r.ok(), what + ": exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out +
                                    "\nstderr:\n" + r.err);
}

std::string body(TestCluster& c) {
  auto b = c.get("hello.quarry.test", "/");
  BOOST_REQUIRE_MESSAGE(b.has_value(), (b ? std::string() : b.error().message));
  return *b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(etcd_deploy)

BOOST_AUTO_TEST_CASE(deploy_and_rollback_through_etcd) {
  auto why = EtcdLab::missing_prerequisite();
  if (why.empty()) why = TestCluster::missing_prerequisite();
  BOOST_REQUIRE_MESSAGE(why.empty(), "cannot run: " + why);
  EtcdLab etcd;
  auto started = etcd.start(3);
  BOOST_REQUIRE_MESSAGE(started.has_value(), (started ? std::string() : started.error().message));
  // Every quarry the cluster runs inherits it: the whole story goes through etcd.
  BOOST_REQUIRE(setenv("QUARRY_STORE", etcd.url().c_str(), 1) == 0);
  TestCluster c;
  auto up = c.start(1, 1024, R"({"policy": "spread", "autosize": false})");
  BOOST_REQUIRE_MESSAGE(up.has_value(), (up ? std::string() : up.error().message));

  BOOST_REQUIRE(c.write_manifest(manifest("one")).has_value());
  require_ok(c.quarry({"deploy", "-f", c.manifest(), "--drain", "300"}), "deploy 1");
  BOOST_TEST(body(c).starts_with("one from web (release 1)"), body(c));
  BOOST_REQUIRE(etcd.kill(0).has_value());  // one member down: deploys go on
  BOOST_REQUIRE(c.write_manifest(manifest("two")).has_value());
  require_ok(c.quarry({"deploy", "-f", c.manifest(), "--drain", "300"}), "deploy 2 with a member down");
  BOOST_TEST(body(c).starts_with("two from web (release 2)"), body(c));
  require_ok(c.quarry({"rollback", "hello"}), "rollback");
  BOOST_TEST(body(c).starts_with("one from web"), body(c));

  EtcdStore store(etcd.options());
  auto releases = store.list("stacks/hello/releases");
  BOOST_REQUIRE(releases.has_value());
  BOOST_TEST(releases->size() >= 2u);
  BOOST_TEST(!path_exists(c.home() + "/stacks/hello/releases"));  // nothing went to the directory
  auto ps = c.ps("hello");
  BOOST_REQUIRE(ps.has_value());
  BOOST_TEST(ps->size() == 1u);

  BOOST_REQUIRE(etcd.kill(1).has_value());  // quorum lost
  auto lost = c.quarry({"ps", "hello", "--json"});
  BOOST_TEST(lost.exit_code == 3, lost.err);
  BOOST_TEST(lost.err.find("127.0.0.1:") != std::string::npos, lost.err);
  BOOST_REQUIRE(etcd.restart(1).has_value());
  auto back = c.ps("hello");
  BOOST_TEST(back.has_value());
  BOOST_TEST(body(c).starts_with("one from web"), body(c));
  unsetenv("QUARRY_STORE");
}

BOOST_AUTO_TEST_SUITE_END()
