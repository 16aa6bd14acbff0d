// locknet against real iptables in network namespaces on a private bridge:
// two locked peers and an outsider, proven with real TCP connections.
#include <boost/test/unit_test.hpp>

#include <chrono>

#include "locknet/locknet_apply.h"
#include "tests/e2e/locknet/netns_lab.h"
#include "tests/e2e/locknet/netns_shell.h"

using namespace quarry;
using namespace quarry::testing;
using std::chrono::milliseconds;

namespace {

constexpr int kRouter = 0, kPeer = 1, kOutsider = 2;
constexpr int kAppPort = 9999;
const milliseconds kTimeout{1000};

struct LocknetLab {
  NetnsLab lab;
  std::unique_ptr<NetnsShell> shell;
  std::unique_ptr<Locknet> locknet;
  std::vector<LockTarget> targets;

  LocknetLab() {
    auto s = lab.create(3);
    BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));
    shell = std::make_unique<NetnsShell>(
        std::map<std::string, std::string>{{"router", lab.ns(kRouter)}, {"app", lab.ns(kPeer)}});
    locknet = std::make_unique<Locknet>(*shell);
    targets = {{{"router", lab.ip(kRouter)}, lab.ip(kRouter), true}, {{"app", lab.ip(kPeer)}, lab.ip(kPeer), false}};
    for (int host : {kRouter, kPeer}) {
      for (int port : {22, 80, kAppPort}) BOOST_REQUIRE(lab.listen(host, port).has_value());
    }
    BOOST_REQUIRE(lab.listen(kOutsider, kAppPort).has_value());
  }

  Reach reach(int from, int to, int port) { return lab.connect(from, lab.ip(to), port, kTimeout); }

  void expect(int from, int to, int port, Reach want) {
    auto got = reach(from, to, port);
    BOOST_TEST_CONTEXT(lab.ns(from) << " -> " << lab.ip(to) << ":" << port) {
      BOOST_TEST(std::string(to_string(got)) == to_string(want));
    }
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(locknet_e2e)

BOOST_AUTO_TEST_CASE(locked_hosts_talk_only_to_each_other) {
  LocknetLab t;
  // Open before the lock.
  t.expect(kOutsider, kPeer, kAppPort, Reach::Connected);

  auto s = lock_hosts(*t.locknet, t.targets);
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));

  t.expect(kRouter, kPeer, kAppPort, Reach::Connected);
  t.expect(kPeer, kRouter, kAppPort, Reach::Connected);
  t.expect(kOutsider, kRouter, 22, Reach::Connected);
  t.expect(kOutsider, kPeer, 22, Reach::Connected);
  t.expect(kOutsider, kRouter, 80, Reach::Connected);
  t.expect(kOutsider, kPeer, 80, Reach::TimedOut);
  t.expect(kOutsider, kRouter, kAppPort, Reach::TimedOut);
  t.expect(kOutsider, kPeer, kAppPort, Reach::TimedOut);
  // Locked hosts still reach out; the replies come back as ESTABLISHED.
  t.expect(kPeer, kOutsider, kAppPort, Reach::Connected);

  // Locking again changes nothing and keeps a single jump.
  BOOST_REQUIRE(lock_hosts(*t.locknet, t.targets).has_value());
  for (const auto& target : t.targets) {
    auto st = t.locknet->state(target.endpoint);
    BOOST_REQUIRE(st.has_value());
    BOOST_TEST(st->chain_exists);
    BOOST_TEST(st->jumps == 1);
  }
  t.expect(kOutsider, kPeer, kAppPort, Reach::TimedOut);

  BOOST_REQUIRE(unlock_hosts(*t.locknet, t.targets).has_value());
  t.expect(kOutsider, kRouter, kAppPort, Reach::Connected);
  t.expect(kOutsider, kPeer, 80, Reach::Connected);
  for (const auto& target : t.targets) {
    auto st = t.locknet->state(target.endpoint);
    BOOST_REQUIRE(st.has_value());
    BOOST_TEST(!st->chain_exists);
    BOOST_TEST(st->jumps == 0);
  }
}

BOOST_AUTO_TEST_CASE(relock_with_a_new_peer_opens_it) {
  LocknetLab t;
  BOOST_REQUIRE(lock_hosts(*t.locknet, t.targets).has_value());
  t.expect(kOutsider, kPeer, kAppPort, Reach::TimedOut);
  // The outsider joins the set as a peer (its own rules are not needed to
  // show that the others open up to it).
  LocknetPlan plan;
  plan.peers = {t.lab.ip(kOutsider)};
  BOOST_REQUIRE(lock_hosts(*t.locknet, t.targets, plan).has_value());
  t.expect(kOutsider, kPeer, kAppPort, Reach::Connected);
  t.expect(kOutsider, kRouter, kAppPort, Reach::Connected);
  BOOST_REQUIRE(unlock_hosts(*t.locknet, t.targets).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
