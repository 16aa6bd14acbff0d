// A deploy and a rollback through the etcd store, on the local cluster of
// tests/e2e/deploy (a router and one server: network namespaces with their
// own sshd and dockerd) and a 3-member etcd on loopback: the same results as
// through the directory store, the state in etcd and not in the home; with
// one member killed deploys go on; with two, a clear error; restored, it works.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/text.h"
#include "store/etcd_store.h"
#include "tests/e2e/deploy/e2e_cluster.h"
#include "tests/e2e/store/etcd_cluster_start.h"
#include "tests/e2e/store/etcd_lab.h"

using namespace quarry;
using namespace quarry::e2e;

namespace {

void require_ok(const ProcessResult& r, const std::string& what) {
  BOOST_REQUIRE_MESSAGE(r.ok(), what + ": exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out +
                                    "\nstderr:\n" + r.err);
}

std::string body(TestCluster& c) {
  auto b = c.get("hello.quarry.test", "/");
  BOOST_REQUIRE_MESSAGE(b.has_value(), (b ? std::string() : b.error().message));
  return *b;
}

// A second HQ on the same etcd, which never built anything (its own, empty
// build engine), rolls the stack back to release 2 after one server lost
// release 2's image: the image comes from the server that still holds it.
void rollback_from_a_peer_hq(TestCluster& c, EtcdStore& store) {
  auto release = store.get("stacks/hello/releases/2.json");
  BOOST_REQUIRE(release.has_value() && release->has_value());
  auto id = nlohmann::json::parse(**release)["images"]["web"].get<std::string>();
  const ServerInfo* lost = nullptr;
  for (const auto& s : c.servers()) {
    if (!s.router && !lost) lost = &s;
  }
  BOOST_REQUIRE(lost != nullptr);
  Argv users = {"docker", "-H", "unix://" + lost->dir + "/docker.sock", "ps", "-aq", "--filter", "ancestor=" + id};
  auto holders = run_process(users);
  BOOST_REQUIRE(holders.has_value());
  for (const auto& cid : split_lines(holders->out)) {
    if (!cid.empty()) BOOST_REQUIRE(c.engine(*lost, {"rm", "-f", cid}).has_value());
  }
  BOOST_REQUIRE(c.engine(*lost, {"rmi", "-f", id}).has_value());

  auto peer = make_temp_dir("quarry-peer-hq").value();
  // The servers admit the HQs' key: an operator gives every HQ the same one.
  BOOST_REQUIRE(run_process({"cp", "-a", c.home() + "/keys", peer + "/keys"}).value().ok());
  auto bin = std::getenv("QUARRY_BIN");
  BOOST_REQUIRE(bin != nullptr);
  ProcessOptions o;
  o.timeout = std::chrono::minutes(5);
  auto r = run_process({bin, "--home", peer, "rollback", "hello", "2"}, o);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->ok(), "rollback from the peer HQ: exit " << r->exit_code << "\n" << r->out << "\n" << r->err);
  BOOST_TEST((r->out + r->err).find("shipped") != std::string::npos, r->out + r->err);  // from a server
  BOOST_TEST(body(c).starts_with("two from web"), body(c));
  BOOST_TEST(c.engine(*lost, {"image", "inspect", id}).has_value(), "the image is back on " << lost->id);
  // The peer's build engine (started for the rollback) is stopped with it.
  auto pid = read_file(peer + "/engine/docker.pid");
  if (pid) (void)run_process({"kill", trim(*pid)});
  for (int i = 0; i < 50 && pid && run_process({"kill", "-0", trim(*pid)}).value().ok(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (void)run_process({"umount", "-R", peer + "/engine"});
  (void)remove_all(peer);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(etcd_deploy)

BOOST_AUTO_TEST_CASE(deploy_and_rollback_through_etcd) {
  // Every quarry the cluster runs goes through etcd: the whole story.
  EtcdLab etcd;
  TestCluster c;
  start_on_etcd(etcd, c, 2, R"({"policy": "spread", "autosize": false})");

  BOOST_REQUIRE(c.write_manifest(hello_web_manifest("one", 2)).has_value());
  require_ok(c.quarry({"deploy", "-f", c.manifest(), "--drain", "300"}), "deploy 1");
  BOOST_TEST(body(c).starts_with("one from web (release 1)"), body(c));
  BOOST_REQUIRE(etcd.kill(0).has_value());  // one member down: deploys go on
  BOOST_REQUIRE(c.write_manifest(hello_web_manifest("two", 2)).has_value());
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
  BOOST_TEST(ps->size() == 2u);

  BOOST_REQUIRE(etcd.kill(1).has_value());  // quorum lost
  auto lost = c.quarry({"ps", "hello", "--json"});
  BOOST_TEST(lost.exit_code == 3, lost.err);
  BOOST_TEST(lost.err.find("127.0.0.1:") != std::string::npos, lost.err);
  BOOST_REQUIRE(etcd.restart(1).has_value());
  auto back = c.ps("hello");
  BOOST_TEST(back.has_value());
  BOOST_TEST(body(c).starts_with("one from web"), body(c));
  rollback_from_a_peer_hq(c, store);
  unsetenv("QUARRY_STORE");
}

BOOST_AUTO_TEST_SUITE_END()
