// The refresh step: node replicas given a service's old address are found
// by the pure planner (a state in memory) and redeployed by the loop through
// the deploy path (FakeDocker, the real Launcher, a manual clock).
#include <boost/test/unit_test.hpp>

#include "compiler/compile.h"
#include "control/link_refresh.h"
#include "control/planner.h"
#include "tests/unit/control/control_fixture.h"

namespace quarry {
namespace {

using test::ControlFixture;

ContainerRecord record(const std::string& node, int index, int release, const std::string& server, int port,
                       bool service = false) {
  ContainerRecord r = test::blog_record(node, index, release, server, service);
  r.host_port = port;
  return r;
}

DesiredRelease release_of(int number, const std::string& status) {
  Stack s;
  s.name = "blog";
  s.services = {test::db_service()};
  s.nodes = {test::web_node(2)};
  s.nodes[0].depends_on = {"db"};
  ReleaseRecord r;
  r.number = number;
  r.stack = "blog";
  r.status = status;
  return desired_from(r, compile(s, {}));
}

// Release 1: db on s1 (port 20000), web#1 on s2 and web#2 on s3, both given
// db's address; every server up.
StackState linked() {
  StackState st;
  st.stack = "blog";
  st.now_ms = 100000;
  st.desired.push_back(release_of(1, "deployed"));
  st.books = {record("db", 1, 1, "s1", 20000, true), record("web", 1, 1, "s2", 20000), record("web", 2, 1, "s3", 20000)};
  for (int i = 1; i <= 3; ++i) {
    std::string id = "s" + std::to_string(i);
    st.health[id] = ServerHealth{id, Health::Up, st.now_ms, 1, st.now_ms, "", 0};
    st.addresses[id] = "10.0.0." + std::to_string(i);
  }
  st.books[1].links = {{"db", "10.0.0.1:20000"}};
  st.books[2].links = {{"db", "10.0.0.1:20000"}};
  return st;
}

// db moved to s3 (as the loop or a deploy would): a new record there.
void move_db(StackState& st) {
  st.books[0].server = "s3";
  st.books[0].host_port = 20001;
}

std::vector<std::string> refreshes(const ControlPlan& p) {
  std::vector<std::string> out;
  for (const auto& a : p.actions) {
    if (a.kind == ActionKind::Refresh || (a.kind == ActionKind::Hold && a.reason.find("was given") != std::string::npos))
      out.push_back(action_name(a.kind) + " " + a.process + "#" + std::to_string(a.index) + "@" + a.server);
  }
  return out;
}

using Lines = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(link_refresh)

BOOST_AUTO_TEST_CASE(nothing_is_stale_while_the_service_stays) {
  auto st = linked();
  BOOST_TEST(stale_links(st).empty());
  BOOST_TEST(service_address(st, "db") == "10.0.0.1:20000");
  BOOST_TEST(plan_stack(st).actions.empty());
}

BOOST_AUTO_TEST_CASE(a_moved_service_makes_its_dependents_stale) {
  auto st = linked();
  move_db(st);
  auto stale = stale_links(st);
  BOOST_TEST_REQUIRE(stale.size() == 2u);
  BOOST_TEST(stale[0].node == "web");
  BOOST_TEST(stale[0].index == 1);
  BOOST_TEST(stale[0].given == "10.0.0.1:20000");
  BOOST_TEST(stale[0].current == "10.0.0.3:20001");
  auto p = plan_stack(st);
  BOOST_TEST(refreshes(p) == (Lines{"refresh web#1@s2", "refresh web#2@s3"}), boost::test_tools::per_element());
  BOOST_TEST(p.actions[0].reason == "db is at 10.0.0.3:20001; it was given 10.0.0.1:20000");
  BOOST_TEST(refresh_nodes(p) == (std::vector<std::string>{"web"}), boost::test_tools::per_element());
  BOOST_TEST(!p.empty());
  BOOST_TEST(render_control_plan(p).find("  refresh web#1 on s2  db is at") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_same_port_on_another_server_is_a_move) {
  auto st = linked();
  st.books[0].server = "s2";
  BOOST_TEST(stale_links(st).size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_service_with_no_address_now_refreshes_nothing) {
  for (Health h : {Health::Suspect, Health::Down}) {
    auto st = linked();
    move_db(st);
    st.health["s3"].state = h;  // the new place is not up
    BOOST_TEST(service_address(st, "db") == "");
    BOOST_TEST(refresh_nodes(plan_stack(st)).empty());
  }
  auto st = linked();
  st.books.erase(st.books.begin());  // db not started yet
  BOOST_TEST(stale_links(st).empty());
}

BOOST_AUTO_TEST_CASE(replicas_on_servers_that_are_not_up_and_records_without_links_are_left_alone) {
  auto st = linked();
  move_db(st);
  st.health["s2"].state = Health::Suspect;
  st.books[2].links.clear();  // written before links were kept
  BOOST_TEST(stale_links(st).empty());
}

BOOST_AUTO_TEST_CASE(an_older_release_is_not_refreshed) {
  auto st = linked();
  move_db(st);
  st.desired = {release_of(2, "deployed")};  // web r1 is on its way out
  BOOST_TEST(stale_links(st).empty());
}

BOOST_AUTO_TEST_CASE(a_live_canary_holds_the_refresh) {
  auto st = linked();
  move_db(st);
  st.desired = {release_of(2, "canary"), release_of(1, "deployed")};
  for (auto& r : st.books) {
    if (!r.service) r.release = 2;
  }
  auto p = plan_stack(st);
  BOOST_TEST(refreshes(p) == (Lines{"hold web#1@s2", "hold web#2@s3"}), boost::test_tools::per_element());
  BOOST_TEST(p.actions.back().reason.find("a canary is live") != std::string::npos);
  BOOST_TEST(refresh_nodes(p).empty());
}

BOOST_AUTO_TEST_CASE(a_failed_refresh_waits_for_its_backoff_then_clears) {
  auto st = linked();
  move_db(st);
  st.restarts[kRefreshKey] = RestartState{1, st.now_ms - 500, st.now_ms + 1500, false, ""};
  auto p = plan_stack(st);
  BOOST_TEST(refreshes(p) == (Lines{"hold web#1@s2", "hold web#2@s3"}), boost::test_tools::per_element());
  BOOST_TEST(p.actions.front().reason.find("next try in 2s") != std::string::npos);
  st.now_ms += 1500;
  BOOST_TEST(refresh_nodes(plan_stack(st)) == (std::vector<std::string>{"web"}), boost::test_tools::per_element());
  // Nothing stale any more: the backoff is cleared.
  auto fresh = linked();
  fresh.restarts = st.restarts;
  fresh.now_ms = st.now_ms;
  auto cleared = plan_stack(fresh);
  BOOST_TEST(cleared.stable == (std::vector<std::string>{kRefreshKey}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_loop_redeploys_the_dependents_of_a_service_it_moved) {
  ControlFixture f;
  f.web_needs_db = true;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  auto db = f.books_of("db").at(0);
  auto db_ip = "10.0.0." + db.server.substr(1);
  for (const auto& w : f.books_of("web"))
    BOOST_TEST(w.links.at("db") == db_ip + ":" + std::to_string(db.host_port));
  // db's container is lost and another stack's container takes the room on
  // its server: the loop replaces db elsewhere.
  f.docker.kill(db.server, db.name, true);
  BOOST_TEST_REQUIRE(f.placer->release(slice_id_of(db)).has_value());
  Slice other;
  other.id = "other/big/1";
  int used = 0;
  for (const auto& w : f.books_of("web")) used += w.server == db.server ? w.memory_mb : 0;
  other.size.memory_mb = 2048 - used - 256;  // leaves less than db needs
  other.size.cpu_millis = 100;
  std::set<std::string> elsewhere;
  for (const auto* id : {"s1", "s2", "s3"})
    if (db.server != id) elsewhere.insert(id);
  auto placed = f.placer->place_avoiding(other, elsewhere);
  BOOST_TEST_REQUIRE(placed.value_or("") == db.server, (placed ? *placed : placed.error().message) << " used " << used);
  f.passes(1);
  BOOST_TEST(f.has_event("replaced"));
  auto moved = f.books_of("db").at(0);
  BOOST_TEST_REQUIRE(moved.server != db.server);
  std::string now = "10.0.0." + moved.server.substr(1) + ":" + std::to_string(moved.host_port);
  BOOST_TEST(f.redeploys.empty());  // the pass that moved it plans with what it read
  f.passes(1);
  BOOST_TEST_REQUIRE(f.redeploys.size() == 1u);
  BOOST_TEST(f.redeploys[0].find("web dial a moved service (web#1") != std::string::npos, f.redeploys[0]);
  BOOST_TEST(f.has_event("refreshed"));
  auto web = f.books_of("web");
  BOOST_TEST_REQUIRE(web.size() == 2u);
  for (const auto& w : web) {
    BOOST_TEST(w.release == 2);
    BOOST_TEST(w.links.at("db") == now);
  }
  BOOST_TEST(f.books_of("db").at(0).name == moved.name);  // the service is not restarted
  f.passes(2);
  BOOST_TEST(f.redeploys.size() == 1u);
  BOOST_TEST(load_restarts(f.store, "blog").value().count(kRefreshKey) == 0u);
}

BOOST_AUTO_TEST_CASE(a_failing_redeploy_is_retried_after_its_backoff) {
  ControlFixture f;
  f.web_needs_db = true;
  f.settings.planner.backoff_base_ms = 4000;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  // db is recorded elsewhere (a deploy moved it) while web keeps the old
  // address; the redeploy fails.
  auto books = f.books();
  for (auto& r : books) {
    if (r.service) r.host_port += 1;
  }
  BOOST_TEST_REQUIRE(save_containers(f.store, "blog", books).has_value());
  auto env = f.env();
  int calls = 0;
  env.redeploy = [&](const std::string&, const std::string&) -> Result<int> {
    ++calls;
    return fail("the new release is unhealthy");
  };
  auto pass = [&] {
    f.clock.advance_ms(1000);
    ControlLoop loop(env, f.settings, f.options);
    return loop.pass();
  };
  auto r = pass();
  BOOST_TEST_REQUIRE(r.has_value());
  BOOST_TEST(calls == 1);
  BOOST_TEST(r->errors.size() == 1u);
  BOOST_TEST(r->errors[0].find("refresh (web dial a moved service") != std::string::npos, r->errors[0]);
  for (int i = 0; i < 3; ++i) (void)pass();
  BOOST_TEST(calls == 1);  // held for 4 s
  (void)pass();
  BOOST_TEST(calls == 2);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace quarry
