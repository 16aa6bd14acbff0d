// Deploys that live with failure: down and unreachable servers avoided,
// and a failing deploy leaving the previous release serving at full scale.
#include <boost/test/unit_test.hpp>

#include "control/stack_state.h"
#include "tests/unit/control/control_fixture.h"

namespace quarry {
namespace {

using test::ControlFixture;

BOOST_AUTO_TEST_SUITE(deploy_with_failure)

BOOST_AUTO_TEST_CASE(a_deploy_places_nothing_on_a_server_that_is_not_up) {
  ControlFixture f;
  f.docker.cut("s2");
  BOOST_TEST_REQUIRE(f.deploy(1, 2, {"s2"}).has_value());
  for (const auto& r : f.books()) BOOST_TEST(r.server != "s2");
  BOOST_TEST(f.books_of("web").size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_server_unreachable_mid_deploy_has_its_replicas_placed_elsewhere) {
  ControlFixture f;
  f.docker.cut("s1");  // the deploy does not know yet
  auto list = compile(f.stack(2), {});
  std::map<std::string, BuiltImage> images = {{"web", {"web", "w:1", "w"}}, {"db", {"db", "d:1", "d"}}};
  Launcher launcher(LaunchDeps{&f.store, &f.docker, f.placer.get(), nullptr, &f.router, &f.prober}, f.options);
  auto st = launcher.execute(list, 1, images);
  BOOST_TEST_REQUIRE(st.has_value(), (st ? "" : st.error().message));
  for (const auto& r : f.books()) BOOST_TEST(r.server != "s1");
  BOOST_TEST(f.books_of("web").size() == 2u);
  auto avoided = launcher.avoided();
  BOOST_TEST_REQUIRE(avoided.size() == 1u);
  BOOST_TEST(avoided[0].find("s1") == 0u, avoided[0]);
}

BOOST_AUTO_TEST_CASE(a_failing_deploy_leaves_the_previous_release_serving_at_full_scale) {
  ControlFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  // Release 2 cannot pass its health check anywhere.
  f.prober.bad = {"10.0.0.1", "10.0.0.2", "10.0.0.3"};
  auto st = f.deploy(2);
  BOOST_TEST(!st.has_value());
  auto web = f.books_of("web");
  BOOST_TEST(web.size() == 2u);
  for (const auto& r : web) {
    BOOST_TEST(r.release == 1);
    BOOST_TEST(r.weight > 0);
  }
  auto releases = load_releases(f.store, "blog").value();
  BOOST_TEST(releases.back().status == "failed");
  auto live = desired_releases(releases).value();
  BOOST_TEST_REQUIRE(live.size() == 1u);
  BOOST_TEST(live[0].number == 1);
  // Only release 1's containers run on the servers.
  for (const auto* s : {"s1", "s2", "s3"}) {
    for (const auto& c : f.docker.on(s)) BOOST_TEST(c.labels.at("quarry.release") != "2", c.name);
  }
}

BOOST_AUTO_TEST_CASE(a_failed_multi_node_deploy_reverts_the_node_that_already_switched) {
  ControlFixture f;
  f.with_api = true;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  auto routed_before = f.router.syncs.load();
  // Release 2: web passes its gate and switches, then api (after web) fails.
  f.prober.bad_paths = {"/api-up"};
  auto st = f.deploy(2);
  BOOST_TEST_REQUIRE(!st.has_value());
  BOOST_TEST(st.error().message.find("api") != std::string::npos, st.error().message);
  // Both nodes serve release 1 at full scale, with traffic.
  for (const auto* node : {"web", "api"}) {
    auto recs = f.books_of(node);
    BOOST_TEST(recs.size() == 2u, node);
    for (const auto& r : recs) {
      BOOST_TEST(r.release == 1, node);
      BOOST_TEST(r.weight > 0, node);
    }
  }
  BOOST_TEST(f.router.syncs.load() > routed_before);  // the switch was routed back
  // Release 2's started containers are gone from every server; release 1's run.
  int running_1 = 0;
  for (const auto* s : {"s1", "s2", "s3"}) {
    for (const auto& c : f.docker.on(s)) {
      BOOST_TEST(c.labels.at("quarry.release") != "2", c.name);
      running_1 += c.labels.at("quarry.release") == "1";
    }
  }
  BOOST_TEST(running_1 == 5);  // web x2, api x2, db
  auto releases = load_releases(f.store, "blog").value();
  BOOST_TEST(releases.back().status == "failed");
  auto live = desired_releases(releases).value();
  BOOST_TEST_REQUIRE(live.size() == 1u);
  BOOST_TEST(live[0].number == 1);
  // The loop finds nothing to repair: no mixed state left behind.
  auto report = f.pass();
  BOOST_TEST_REQUIRE(report.has_value());
  BOOST_TEST(report->actions == 0);
}

BOOST_AUTO_TEST_CASE(a_deploy_short_of_its_scale_keeps_the_old_release) {
  ControlFixture f(3, 700);
  BOOST_TEST_REQUIRE(f.deploy(1, 2).has_value());
  // Two servers unreachable: release 2 cannot reach two replicas of web.
  f.docker.cut("s1");
  f.docker.cut("s2");
  f.docker.cut("s3");
  auto st = f.deploy(2, 2);
  BOOST_TEST(!st.has_value());
  for (const auto& r : f.books_of("web")) BOOST_TEST(r.release == 1);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace quarry
