// Steady stacks (control/steady_stacks.h): one long-lived loop, as `quarry
// hq serve` runs it, reuses a stack's empty plan while nothing it was made
// from changed, and plans the stack again on any change of its inputs: a
// container, a server, its books, releases or restart book, a grid slice,
// a server's address, or a backoff or stable run coming due.
#include <boost/test/unit_test.hpp>

#include "control/link_refresh.h"
#include "tests/fakes/store_view.h"
#include "tests/unit/control/control_fixture.h"

namespace quarry {
namespace {

using test::ControlFixture;

// Another handle onto the fixture's store that counts the values read of
// blog's restart book: read each time the stack is planned.
class PlanReads : public StoreView {
 public:
  explicit PlanReads(Store& s) : StoreView(s) {}
  Result<std::optional<std::string>> get(std::string_view k) override {
    reads += k == "stacks/blog/restarts.json";
    return StoreView::get(k);
  }
  Result<Versioned> get_versioned(std::string_view k) override {
    reads += k == "stacks/blog/restarts.json";
    return StoreView::get_versioned(k);
  }
  int reads = 0;
};

// One loop kept across passes, over a counting handle of the store.
struct SteadyLoop {
  explicit SteadyLoop(ControlFixture& f) : f(f), store(f.store), loop(env(f, store), f.settings, f.options) {}
  static ControlEnv env(ControlFixture& f, Store& store) {
    auto e = f.env();
    e.store = &store;
    return e;
  }
  PassReport pass(std::int64_t step_ms = 1000) {
    f.clock.advance_ms(step_ms);
    auto r = loop.pass();
    BOOST_TEST_REQUIRE(r.has_value());
    BOOST_TEST(r->errors.empty(), (r->errors.empty() ? std::string() : r->errors.front()));
    return std::move(*r);
  }
  // Passes until blog's plan is reused (at most 3), as after any change.
  void settle() {
    for (int i = 0; i < 3; ++i) {
      if (pass().steady_stacks == 1) return;
    }
    BOOST_FAIL("blog never settled");
  }
  ControlFixture& f;
  PlanReads store;
  ControlLoop loop;
};

const ControlPlan& blog(const PassReport& r) { return r.plans.at("blog"); }

RestartState restart(int restarts, std::int64_t last_ms, std::int64_t next_ms) {
  RestartState rs;
  rs.restarts = restarts;
  rs.last_ms = last_ms;
  rs.next_ms = next_ms;
  return rs;
}

BOOST_AUTO_TEST_SUITE(steady_stacks)

BOOST_AUTO_TEST_CASE(a_steady_stack_is_not_planned_again) {
  ControlFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  SteadyLoop l(f);
  auto first = l.pass();
  BOOST_TEST(first.steady_stacks == 0);
  BOOST_TEST(l.store.reads == 1);
  for (int i = 0; i < 5; ++i) {
    auto r = l.pass();
    BOOST_TEST(r.steady_stacks == 1);
    BOOST_TEST(r.actions == 0);
    BOOST_TEST(blog(r).actions.empty());  // the plan is still reported
  }
  BOOST_TEST(l.store.reads == 1);  // planned once
  // A fresh loop (an HQ that took over) plans it again.
  BOOST_TEST(f.pass()->steady_stacks == 0);
}

BOOST_AUTO_TEST_CASE(a_stack_is_planned_again_when_one_of_its_containers_dies) {
  ControlFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  SteadyLoop l(f);
  l.settle();
  auto web = f.books_of("web").front();
  f.docker.kill(web.server, web.name);
  auto r = l.pass();
  BOOST_TEST(r.steady_stacks == 0);
  BOOST_TEST(blog(r).count(ActionKind::Restart) == 1);
  BOOST_TEST(f.docker.running(web.server, web.name));
  // Removed, not only stopped: replaced.
  l.settle();
  f.docker.kill(web.server, web.name, true);
  r = l.pass();
  BOOST_TEST(blog(r).count(ActionKind::Replace) == 1);
}

BOOST_AUTO_TEST_CASE(every_stack_is_planned_again_when_a_server_changes_health) {
  ControlFixture f;
  f.settings.health.down_after_ms = 5000;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  f.add_server("s4", 2048);  // runs nothing of blog
  SteadyLoop l(f);
  l.settle();
  f.docker.cut("s4");
  auto r = l.pass();
  BOOST_TEST(r.steady_stacks == 0);
  BOOST_TEST(blog(r).avoid == std::vector<std::string>{"s4"});
  BOOST_TEST(l.pass().steady_stacks == 1);  // still suspect
  r = l.pass(3000);  // silent for 5 s
  BOOST_TEST(f.health("s4") == "down");
  BOOST_TEST(r.steady_stacks == 0);
  BOOST_TEST(blog(r).avoid == std::vector<std::string>{"s4"});
  f.docker.cut("s4", false);
  r = l.pass();
  BOOST_TEST(f.health("s4") == "up");
  BOOST_TEST(r.steady_stacks == 0);
  BOOST_TEST(blog(r).avoid.empty());
  // A server that runs a replica: held while suspect, moved once down.
  l.settle();
  auto web = f.books_of("web").front();
  f.docker.cut(web.server);
  BOOST_TEST(blog(l.pass()).count(ActionKind::Hold) >= 1);
  r = l.pass(4000);
  BOOST_TEST(blog(r).count(ActionKind::Move) == 1);
}

BOOST_AUTO_TEST_CASE(a_stack_is_planned_again_when_its_books_change) {
  ControlFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  SteadyLoop l(f);
  l.settle();
  auto books = f.books();
  auto web = f.books_of("web").back();
  std::erase_if(books, [&](const ContainerRecord& r) { return r.name == web.name; });
  BOOST_TEST_REQUIRE(save_containers(f.store, "blog", books).has_value());
  auto r = l.pass();
  BOOST_TEST(r.steady_stacks == 0);
  BOOST_TEST(blog(r).count(ActionKind::Start) == 1);   // the replica it no longer records
  BOOST_TEST(blog(r).count(ActionKind::Remove) == 1);  // its container, now drift
}

BOOST_AUTO_TEST_CASE(a_stack_is_planned_again_when_its_releases_change) {
  ControlFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  SteadyLoop l(f);
  l.settle();
  auto release = load_releases(f.store, "blog").value().back();
  release.spec["scale"] = {{"web", 3}};
  BOOST_TEST_REQUIRE(save_release(f.store, release).has_value());
  auto r = l.pass();
  BOOST_TEST(r.steady_stacks == 0);
  BOOST_TEST(blog(r).count(ActionKind::Start) == 1);
  BOOST_TEST(f.books_of("web").size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_stack_is_planned_again_when_its_restart_book_comes_due) {
  ControlFixture f;
  f.settings.planner.stable_after_ms = 10000;
  f.settings.planner.backoff_base_ms = 1000;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  SteadyLoop l(f);
  l.settle();
  // A replica restarted just now (by an HQ before this one): running, so
  // nothing to do until its run is stable, then its backoff is cleared.
  auto web = f.books_of("web").front();
  const std::string key = replica_key("web", web.index);
  const std::int64_t restarted = f.clock.now_ms();
  BOOST_TEST_REQUIRE(save_restarts(f.store, "blog", {{key, restart(2, restarted, restarted + 2000)}}).has_value());
  auto r = l.pass();
  BOOST_TEST(r.steady_stacks == 0);  // the restart book changed
  BOOST_TEST(blog(r).actions.empty());
  int steady = 0;
  while (f.clock.now_ms() + 1000 < restarted + 10000) steady += l.pass().steady_stacks;
  BOOST_TEST(steady >= 6);  // planned again at its backoff's end (a threshold too)
  BOOST_TEST(load_restarts(f.store, "blog").value().count(key) == 1u);
  r = l.pass();  // restarted + 10 s: stable
  BOOST_TEST(r.steady_stacks == 0);
  BOOST_TEST(blog(r).stable == std::vector<std::string>{key});
  BOOST_TEST(load_restarts(f.store, "blog").value().count(key) == 0u);
  BOOST_TEST(l.pass().steady_stacks == 0);  // the book was written: planned once more
  BOOST_TEST(l.pass().steady_stacks == 1);
}

BOOST_AUTO_TEST_CASE(a_stack_is_planned_again_when_a_grid_slice_of_it_is_orphaned) {
  ControlFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  SteadyLoop l(f);
  l.settle();
  Slice lost;
  lost.id = "blog/web/9";
  lost.size.memory_mb = 64;
  lost.size.cpu_millis = 10;
  BOOST_TEST_REQUIRE(f.placer->place(lost).has_value());
  auto r = l.pass();
  BOOST_TEST(r.steady_stacks == 0);
  BOOST_TEST(blog(r).count(ActionKind::Free) == 1);
  BOOST_TEST(f.placer->slices("blog/").value().size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_stack_is_planned_again_when_a_servers_address_changes) {
  ControlFixture f;
  f.web_needs_db = true;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  SteadyLoop l(f);
  l.settle();
  auto db = f.books_of("db").front();
  auto server = load_server(f.store, db.server).value().value();
  server.ip = "10.0.9.9";
  BOOST_TEST_REQUIRE(save_server(f.store, server).has_value());
  auto r = l.pass();
  BOOST_TEST(r.steady_stacks == 0);
  BOOST_TEST(!refresh_nodes(blog(r)).empty());
  BOOST_TEST_REQUIRE(f.redeploys.size() == 1u);
  BOOST_TEST(f.redeploys[0].find("10.0.9.9") != std::string::npos, f.redeploys[0]);
}

BOOST_AUTO_TEST_CASE(a_plan_with_holds_is_made_again_each_pass) {
  ControlFixture f;
  f.settings.planner.backoff_base_ms = 5000;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  SteadyLoop l(f);
  l.settle();
  auto web = f.books_of("web").front();
  f.docker.crashing(web.name);
  f.docker.kill(web.server, web.name);
  BOOST_TEST(blog(l.pass()).count(ActionKind::Restart) == 1);  // dies again at once
  for (int i = 0; i < 3; ++i) {
    auto r = l.pass();
    BOOST_TEST(r.steady_stacks == 0);
    BOOST_TEST(blog(r).count(ActionKind::Hold) == 1);  // backed off 5 s
  }
  l.pass(2000);
  BOOST_TEST(f.docker.starts() >= 2);  // restarted again once the backoff ended
}

BOOST_AUTO_TEST_CASE(a_plan_holds_until_the_first_threshold_of_the_restart_book) {
  StackState st;
  st.now_ms = 10000;
  PlannerSettings s;
  s.stable_after_ms = 30000;
  s.backoff_base_ms = 1000;
  BOOST_TEST(plan_valid_until(st, s) == std::numeric_limits<std::int64_t>::max());
  st.restarts["web#1"] = restart(1, 9000, 12000);
  BOOST_TEST(plan_valid_until(st, s) == 12000);       // its backoff ends
  st.restarts["web#1"].next_ms = 9500;                // over: its run's stability next
  BOOST_TEST(plan_valid_until(st, s) == 39000);
  st.restarts[kRefreshKey] = restart(1, 9500, 9600);
  BOOST_TEST(plan_valid_until(st, s) == 10500);       // the refresh's backoff clears
  st.now_ms = 10500;
  BOOST_TEST(plan_valid_until(st, s) == 39000);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace quarry
