// The reconcile loop over FakeDocker, a MemoryStore, the real GridPlacer and
// a manual clock: each scenario of the control plane's contract.
#include <boost/test/unit_test.hpp>

#include "tests/unit/control/control_fixture.h"

namespace quarry {
namespace {

using test::ControlFixture;

std::set<std::string> servers_of(const std::vector<ContainerRecord>& list) {
  std::set<std::string> out;
  for (const auto& r : list) out.insert(r.server);
  return out;
}

bool has_blog_container(FakeDocker& docker, const std::string& host) {
  for (const auto& c : docker.on(host)) {
    if (c.labels.count("quarry.stack")) return true;
  }
  return false;
}

BOOST_AUTO_TEST_SUITE(control_loop)

BOOST_AUTO_TEST_CASE(a_quiet_cluster_gets_no_actions) {
  ControlFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  f.clock.advance_ms(1000);
  auto r = f.pass();
  BOOST_TEST_REQUIRE(r.has_value());
  BOOST_TEST(r->actions == 0);
  BOOST_TEST(r->servers_up == 3);
  BOOST_TEST(f.health("s1") == "up");
  auto obs = load_observation(f.store, "blog").value();
  BOOST_TEST(obs.containers.size() == 3u);
  BOOST_TEST(obs.at_ms == f.clock.now_ms());
}

BOOST_AUTO_TEST_CASE(a_server_down_is_suspect_then_down_then_its_replicas_move) {
  ControlFixture f;
  f.settings.health.down_after_ms = 3000;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  f.passes(1);
  std::string lost;
  for (const auto& r : f.books_of("web")) {
    if (r.server != f.books_of("db")[0].server) lost = r.server;
  }
  BOOST_TEST_REQUIRE(!lost.empty());
  f.docker.cut(lost);
  f.passes(1);
  BOOST_TEST(f.health(lost) == "suspect");
  BOOST_TEST(servers_of(f.books_of("web")).count(lost) == 1u);  // one failed pass moves nothing
  int syncs = f.router.syncs;
  f.passes(2);
  BOOST_TEST(f.health(lost) == "down");
  auto web = f.books_of("web");
  BOOST_TEST(web.size() == 2u);
  BOOST_TEST(servers_of(web).count(lost) == 0u);
  BOOST_TEST(servers_of(web).size() == 2u);  // anti-affinity kept: two up servers, one replica each
  BOOST_TEST(f.router.syncs > syncs);
  BOOST_TEST(f.has_event("server-suspect"));
  BOOST_TEST(f.has_event("server-down"));
  BOOST_TEST(f.has_event("moved"));
  // The moved replica passed its gate: observed running from that pass on,
  // and routed (its weight set once it was healthy).
  auto obs = load_observation(f.store, "blog").value();
  for (const auto& r : web) {
    BOOST_TEST(r.weight > 0, r.name);
    bool running = std::any_of(obs.containers.begin(), obs.containers.end(), [&](const ObservedContainer& c) {
      return c.server == r.server && c.name == r.name && c.running;
    });
    BOOST_TEST(running, r.name << " on " << r.server);
  }
  // Nothing more to do on the next pass.
  f.clock.advance_ms(1000);
  BOOST_TEST(f.pass()->actions == 0);
}

BOOST_AUTO_TEST_CASE(a_server_back_has_its_stale_containers_removed) {
  ControlFixture f;
  f.settings.health.down_after_ms = 2000;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  std::string lost = f.books_of("web")[0].server;
  bool db_there = f.books_of("db")[0].server == lost;
  f.docker.cut(lost);
  f.passes(4);
  BOOST_TEST(f.health(lost) == "down");
  BOOST_TEST(has_blog_container(f.docker, lost));  // unreachable: still there
  f.docker.cut(lost, false);
  f.passes(1);
  BOOST_TEST(f.health(lost) == "up");
  BOOST_TEST(f.has_event("server-up"));
  if (!db_there) {
    BOOST_TEST(!has_blog_container(f.docker, lost));
    BOOST_TEST(f.has_event("removed"));
  }
  BOOST_TEST(f.books_of("web").size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_service_on_a_down_server_is_reported_not_moved) {
  ControlFixture f;
  f.settings.health.down_after_ms = 2000;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  auto db = f.books_of("db")[0];
  f.docker.cut(db.server);
  f.passes(4);
  BOOST_TEST(f.health(db.server) == "down");
  BOOST_TEST_REQUIRE(f.books_of("db").size() == 1u);
  BOOST_TEST(f.books_of("db")[0].server == db.server);
  BOOST_TEST(f.has_event("service-down"));
  auto r = f.pass();
  BOOST_TEST(r->plans["blog"].count(ActionKind::Hold) >= 1);
}

BOOST_AUTO_TEST_CASE(a_service_with_reschedule_is_moved_and_its_dependants_refreshed) {
  ControlFixture f;
  f.reschedule_db = true;
  f.web_needs_db = true;
  f.settings.health.down_after_ms = 2000;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  auto db = f.books_of("db")[0];
  // The nodes started a while before (container records count seconds).
  auto books = f.books();
  for (auto& r : books) r.started_at -= 10;
  BOOST_TEST_REQUIRE(save_containers(f.store, "blog", books).has_value());
  f.docker.cut(db.server);
  f.passes(4);
  BOOST_TEST(f.health(db.server) == "down");
  BOOST_TEST_REQUIRE(f.books_of("db").size() == 1u);
  auto moved = f.books_of("db")[0];
  BOOST_TEST(moved.server != db.server);
  BOOST_TEST(!f.has_event("service-down"));
  BOOST_TEST(f.has_event("moved"));
  BOOST_TEST(f.has_event("refreshed"));
  BOOST_TEST(f.redeploys.size() == 1u);
  auto web = f.books_of("web");
  BOOST_TEST_REQUIRE(web.size() == 2u);
  for (const auto& r : web) {
    BOOST_TEST(r.server != db.server);
    BOOST_TEST(r.started_at >= moved.started_at, r.name);
    BOOST_TEST(f.docker.running(r.server, r.name), r.name);
  }
  f.clock.advance_ms(1000);
  BOOST_TEST(f.pass()->actions == 0);
}

BOOST_AUTO_TEST_CASE(a_killed_container_is_restarted_in_place) {
  ControlFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  auto web = f.books_of("web")[0];
  f.docker.kill(web.server, web.name);
  f.passes(1);
  BOOST_TEST(f.docker.running(web.server, web.name));
  BOOST_TEST(f.has_event("restarted"));
  auto removed = f.books_of("web")[1];
  f.docker.kill(removed.server, removed.name, true);
  f.passes(1);
  BOOST_TEST(f.books_of("web").size() == 2u);
  BOOST_TEST(f.has_event("replaced"));
}

// The HQ killed between placing a replica and recording it leaves the slice
// in the grid with no record; the next loop frees it and starts the replica.
BOOST_AUTO_TEST_CASE(a_slice_left_by_a_killed_start_is_freed_and_the_replica_started) {
  ControlFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  auto web = f.books_of("web")[0];
  f.docker.kill(web.server, web.name, true);
  auto books = f.books();
  std::erase_if(books, [&](const ContainerRecord& r) { return r.name == web.name; });
  BOOST_TEST_REQUIRE(save_containers(f.store, "blog", books).has_value());
  BOOST_TEST_REQUIRE(f.placer->slices("blog/").value().size() == 3u);  // the slice is still placed
  f.passes(1);
  BOOST_TEST(f.has_event("freed"));
  BOOST_TEST(!f.has_event("failed"), f.event_kinds().size());
  auto now = f.books_of("web");
  BOOST_TEST_REQUIRE(now.size() == 2u);
  for (const auto& r : now) BOOST_TEST(f.docker.running(r.server, r.name), r.name);
  BOOST_TEST(f.placer->slices("blog/").value().size() == 3u);
  f.clock.advance_ms(1000);
  BOOST_TEST(f.pass()->actions == 0);
}

BOOST_AUTO_TEST_CASE(a_crashlooping_container_is_backed_off_exponentially) {
  ControlFixture f;
  f.settings.planner.backoff_base_ms = 1000;
  f.settings.planner.crashloop_after = 3;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  auto web = f.books_of("web")[0];
  f.docker.crashing(web.name);
  f.docker.kill(web.server, web.name);
  // 20 passes 500 ms apart: restarts at delays 1 s, 2 s, 4 s, 8 s only.
  for (int i = 0; i < 20; ++i) {
    f.clock.advance_ms(500);
    BOOST_TEST_REQUIRE(f.pass().has_value());
  }
  BOOST_TEST(f.docker.starts() >= 4);
  BOOST_TEST(f.docker.starts() <= 5);
  auto book = load_restarts(f.store, "blog").value();
  BOOST_TEST_REQUIRE(book.count("web#1"));
  BOOST_TEST(book["web#1"].crashloop);
  BOOST_TEST(book["web#1"].last_logs.find("boom") != std::string::npos);
  BOOST_TEST(f.has_event("crashloop"));
  // It recovers: a stable run clears the book.
  f.docker.crashing(web.name, false);
  f.clock.advance_ms(20000);
  (void)f.pass();
  f.clock.advance_ms(31000);
  (void)f.pass();
  BOOST_TEST(load_restarts(f.store, "blog").value().count("web#1") == 0u);
}

// A process that exits by itself is restarted by docker's restart policy
// (which backs off exponentially); the loop does not fight it but counts its
// deaths from docker's RestartCount and shows the crashloop.
BOOST_AUTO_TEST_CASE(a_container_docker_keeps_restarting_is_counted_and_shown_as_crashloop) {
  ControlFixture f;
  f.settings.planner.crashloop_after = 3;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  auto web = f.books_of("web")[0];
  auto deaths = [&] {
    auto book = load_restarts(f.store, "blog").value();
    return book.count("web#1") ? book["web#1"].restarts : 0;
  };
  const int starts = f.docker.starts();
  f.docker.restarting(web.name, 1);
  f.passes(1);
  BOOST_TEST(deaths() == 1);
  BOOST_TEST(f.has_event("died"));
  BOOST_TEST(!f.has_event("crashloop"));
  f.passes(1);  // still the same death: not counted twice
  BOOST_TEST(deaths() == 1);
  f.docker.restarting(web.name, 4);
  f.passes(1);
  BOOST_TEST(deaths() == 4);
  auto book = load_restarts(f.store, "blog").value();
  BOOST_TEST(book["web#1"].crashloop);
  BOOST_TEST(book["web#1"].last_logs.find("boom") != std::string::npos);
  BOOST_TEST(f.has_event("crashloop"));
  BOOST_TEST(f.docker.starts() == starts);  // docker restarts it, not the loop
  BOOST_TEST(!f.has_event("restarted"));
  // It settles: a stable run clears the book.
  f.docker.restarting(web.name, -1);
  f.clock.advance_ms(31000);
  (void)f.pass();
  BOOST_TEST(load_restarts(f.store, "blog").value().count("web#1") == 0u);
}

BOOST_AUTO_TEST_CASE(exhausted_capacity_asks_the_cloud_bounded_by_max) {
  // Two servers of 600 MB: db (512) fills one, the two web replicas (256
  // each) the other.
  ControlFixture f(2, 600, true, 3);
  f.settings.health.down_after_ms = 2000;
  BOOST_TEST_REQUIRE(f.deploy(1, 2).has_value());
  const int before = f.source.created;
  std::string lost = f.books_of("web")[0].server;
  BOOST_TEST_REQUIRE(lost != f.books_of("db")[0].server);
  f.docker.cut(lost);
  f.passes(4);
  // The survivor cannot take them: one server is asked for.
  BOOST_TEST(f.source.created == before + 1);
  BOOST_TEST(f.books_of("web").size() == 2u);
  BOOST_TEST(servers_of(f.books_of("web")).count(lost) == 0u);
  // The grid's max (3 blocks, the lost one included) bounds what it asks for.
  std::string second = f.books_of("web")[0].server;
  f.docker.cut(second);
  f.passes(6);
  BOOST_TEST(f.source.created == before + 1);
  BOOST_TEST(f.has_event("failed"));
}

BOOST_AUTO_TEST_CASE(empty_autosized_servers_above_min_are_given_back) {
  ControlFixture f(1, 800, true, 5);
  BOOST_TEST_REQUIRE(f.deploy(1, 2).has_value());
  BOOST_TEST_REQUIRE(f.source.created == 1);  // web#2 did not fit beside db and web#1
  // As `quarry scale blog web=1` records it: the loop removes web#2.
  auto releases = load_releases(f.store, "blog").value();
  releases.back().spec["scale"]["web"] = 1;
  BOOST_TEST_REQUIRE(save_release(f.store, releases.back()).has_value());
  f.passes(1);
  BOOST_TEST(f.books_of("web").size() == 1u);
  BOOST_TEST(f.source.destroyed.empty());  // not before the grid's hysteresis
  f.clock.advance_ms(31 * 60 * 1000);
  f.passes(1);
  BOOST_TEST(f.source.destroyed == (std::vector<std::string>{"n1"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(labelled_containers_no_release_wants_are_removed) {
  ControlFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  f.docker.put("s2", {"blog-web-r9-1", {{"quarry.stack", "blog"}, {"quarry.node", "web"}}, true, "x", ""});
  f.docker.put("s2", {"gone-web-r1-1", {{"quarry.stack", "gone"}, {"quarry.node", "web"}}, true, "x", ""});
  f.docker.put("s2", {"unrelated", {}, true, "x", ""});
  f.passes(1);
  std::set<std::string> left;
  for (const auto& c : f.docker.on("s2")) left.insert(c.name);
  BOOST_TEST(!left.count("blog-web-r9-1"));
  BOOST_TEST(!left.count("gone-web-r1-1"));
  BOOST_TEST(left.count("unrelated"));
}

BOOST_AUTO_TEST_CASE(a_stack_a_deploy_holds_is_skipped) {
  ControlFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  auto web = f.books_of("web")[0];
  f.docker.kill(web.server, web.name);
  {
    auto lock = f.store.lock("stacks/blog/deploy", "a deploy");
    BOOST_TEST_REQUIRE(lock.has_value());
    f.clock.advance_ms(1000);
    auto r = f.pass();
    BOOST_TEST(r->skipped_stacks == 1);
    BOOST_TEST(!f.docker.running(web.server, web.name));
  }
  f.passes(1);
  BOOST_TEST(f.docker.running(web.server, web.name));
}

class CountingHook : public PassHook {
 public:
  explicit CountingHook(bool fails) : fails_(fails) {}
  std::string name() const override { return "counter"; }
  Status on_pass(const ClusterView& view) override {
    ++calls;
    servers = view.servers.size();
    if (fails_) return fail("rules could not be applied");
    return {};
  }
  int calls = 0;
  std::size_t servers = 0;

 private:
  bool fails_;
};

BOOST_AUTO_TEST_CASE(hooks_run_every_pass_and_their_failures_are_events) {
  ControlFixture f;
  CountingHook ok(false), bad(true);
  auto env = f.env();
  env.hooks = {&ok, &bad};
  ControlLoop loop(env, f.settings, f.options);
  BOOST_TEST(loop.pass().has_value());
  BOOST_TEST(loop.pass().has_value());
  BOOST_TEST(ok.calls == 2);
  BOOST_TEST(ok.servers == 3u);
  BOOST_TEST(f.has_event("hook-failed"));
}

BOOST_AUTO_TEST_CASE(the_journal_is_bounded_and_ordered) {
  MemoryStore store;
  for (std::size_t i = 0; i < kMaxEvents + 5; i += 5) {
    std::vector<Event> batch(5, Event{0, 1, "x", "blog", "", "t"});
    BOOST_TEST_REQUIRE(append_events(store, batch).has_value());
  }
  auto all = read_events(store).value();
  BOOST_TEST(all.size() == kMaxEvents);
  BOOST_TEST(all.back().seq == kMaxEvents + 5);
  BOOST_TEST(read_events(store, "blog", all.back().seq - 2).value().size() == 2u);
  BOOST_TEST(read_events(store, "other").value().empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace quarry
