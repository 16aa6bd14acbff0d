// The pure planner: a stack's state in memory, the plan asserted. No I/O.
#include <boost/test/unit_test.hpp>

#include "compiler/compile.h"
#include "control/planner.h"
#include "tests/unit/control/control_fixture.h"

namespace quarry {
namespace {

using test::db_service;
using test::web_node;

using test::blog_record;

ObservedContainer seen(const ContainerRecord& r, bool running = true) {
  ObservedContainer o;
  o.server = r.server;
  o.name = r.name;
  o.stack = r.stack;
  o.node = r.node;
  o.release = r.release;
  o.index = r.index;
  o.running = running;
  o.state = running ? "running" : "exited";
  o.status = running ? "Up 1 minute" : "Exited (1) 2 seconds ago";
  return o;
}

// Release 1 (web x2, db) running on s1..s3, every server up and answering.
StackState healthy() {
  Stack s;
  s.name = "blog";
  s.services = {db_service()};
  s.nodes = {web_node(2)};
  ReleaseRecord r;
  r.number = 1;
  r.stack = "blog";
  r.status = "deployed";
  r.spec = {{"images", {{"web", {{"tag", "w"}, {"id", "w"}}}, {"db", {{"tag", "d"}, {"id", "d"}}}}}};
  StackState st;
  st.stack = "blog";
  st.now_ms = 100000;
  st.desired.push_back(desired_from(r, compile(s, {})));
  st.books = {blog_record("db", 1, 1, "s1", true), blog_record("web", 1, 1, "s2"), blog_record("web", 2, 1, "s3")};
  for (const auto* id : {"s1", "s2", "s3"}) {
    st.health[id] = ServerHealth{id, Health::Up, st.now_ms, 1, st.now_ms, "", 0};
    st.observed[id] = {};
  }
  for (const auto& b : st.books) st.observed[b.server].push_back(seen(b));
  return st;
}

void mark(StackState& st, const std::string& server, Health h) {
  st.health[server].state = h;
  if (h != Health::Up) st.observed.erase(server);
}

std::vector<std::string> lines(const ControlPlan& p) {
  std::vector<std::string> out;
  for (const auto& a : p.actions) {
    out.push_back(action_name(a.kind) + " " + (a.process.empty() ? a.container : a.process + "#" + std::to_string(a.index)) +
                  (a.server.empty() ? "" : "@" + a.server));
  }
  return out;
}

using Lines = std::vector<std::string>;

BOOST_AUTO_TEST_SUITE(planner)

BOOST_AUTO_TEST_CASE(a_healthy_stack_needs_nothing) {
  auto p = plan_stack(healthy());
  BOOST_TEST(p.empty());
  BOOST_TEST(p.actions.empty());
  BOOST_TEST(p.avoid.empty());
}

BOOST_AUTO_TEST_CASE(a_down_server_moves_its_nodes_and_holds_its_service) {
  auto st = healthy();
  mark(st, "s2", Health::Down);
  BOOST_TEST(lines(plan_stack(st)) == (Lines{"move web#1@s2"}), boost::test_tools::per_element());
  mark(st, "s1", Health::Down);
  auto p = plan_stack(st);
  BOOST_TEST(lines(p) == (Lines{"hold db#1@s1", "move web#1@s2"}), boost::test_tools::per_element());
  BOOST_TEST(p.actions[0].reason.find("not moved") != std::string::npos);
  BOOST_TEST(p.avoid == (std::vector<std::string>{"s1", "s2"}), boost::test_tools::per_element());
}

Instruction& instruction(StackState& st, const std::string& target) {
  for (auto& in : st.desired[0].instructions.instructions) {
    if (in.target == target && (in.op == Op::Deploy || in.op == Op::Ensure)) return in;
  }
  BOOST_FAIL("no instruction for " + target);
  return st.desired[0].instructions.instructions[0];
}

BOOST_AUTO_TEST_CASE(a_service_with_reschedule_moves_like_a_node) {
  auto st = healthy();
  instruction(st, "db").process.reschedule = true;
  st.books[0].release = 0;  // started by an older release than the live one
  mark(st, "s1", Health::Down);
  auto p = plan_stack(st);
  BOOST_TEST(lines(p) == (Lines{"move db#1@s1"}), boost::test_tools::per_element());
  BOOST_TEST(p.actions[0].release == 1);  // started again from the live release
  mark(st, "s1", Health::Suspect);
  BOOST_TEST(lines(plan_stack(st)) == (Lines{"hold db#1@s1"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_suspect_server_is_waited_for) {
  auto st = healthy();
  mark(st, "s3", Health::Suspect);
  auto p = plan_stack(st);
  BOOST_TEST(lines(p) == (Lines{"hold web#2@s3"}), boost::test_tools::per_element());
  BOOST_TEST(p.empty());
}

BOOST_AUTO_TEST_CASE(an_exited_container_restarts_and_a_gone_one_is_replaced) {
  auto st = healthy();
  st.observed["s2"] = {seen(st.books[1], false)};
  st.observed["s1"].clear();
  BOOST_TEST(lines(plan_stack(st)) == (Lines{"replace db#1@s1", "restart web#1@s2"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_restart_waits_for_its_backoff_and_shows_crashloop) {
  auto st = healthy();
  st.observed["s2"] = {seen(st.books[1], false)};
  st.restarts["web#1"] = RestartState{3, st.now_ms - 100, st.now_ms + 4000, true, "boom", 0};
  auto p = plan_stack(st);
  BOOST_TEST(lines(p) == (Lines{"hold web#1@s2"}), boost::test_tools::per_element());
  BOOST_TEST(p.actions[0].crashloop);
  BOOST_TEST(p.actions[0].reason.find("next in 4s") != std::string::npos, p.actions[0].reason);
  st.now_ms += 4000;
  BOOST_TEST(lines(plan_stack(st)) == (Lines{"restart web#1@s2"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_container_docker_is_restarting_is_held_and_counted_not_restarted) {
  auto st = healthy();
  auto dying = seen(st.books[1], false);
  dying.state = "restarting";
  dying.status = "Restarting (3) 1 second ago";
  st.observed["s2"] = {dying};
  auto p = plan_stack(st);
  BOOST_TEST(lines(p) == (Lines{"hold web#1@s2"}), boost::test_tools::per_element());
  BOOST_TEST(p.actions[0].died);
  BOOST_TEST(!p.actions[0].crashloop);
  st.restarts["web#1"] = RestartState{4, st.now_ms - 100, 0, true, "boom", 4};
  BOOST_TEST(plan_stack(st).actions[0].crashloop);
}

BOOST_AUTO_TEST_CASE(a_stable_run_clears_the_backoff) {
  auto st = healthy();
  st.restarts["web#1"] = RestartState{2, st.now_ms - 30000, st.now_ms - 26000, false, "", 0};
  BOOST_TEST(plan_stack(st).stable == (std::vector<std::string>{"web#1"}), boost::test_tools::per_element());
  st.restarts["web#1"].last_ms = st.now_ms - 1000;
  BOOST_TEST(plan_stack(st).stable.empty());
}

BOOST_AUTO_TEST_CASE(backoff_doubles_up_to_its_cap) {
  PlannerSettings s;
  s.backoff_base_ms = 1000;
  s.backoff_max_ms = 5000;
  const std::pair<int, std::int64_t> cases[] = {{1, 1000}, {2, 2000}, {3, 4000}, {4, 5000}, {30, 5000}};
  for (const auto& [n, ms] : cases) BOOST_TEST(backoff_delay_ms(n, s) == ms, "restart " << n);
}

BOOST_AUTO_TEST_CASE(replicas_no_release_wants_are_removed_or_forgotten) {
  auto st = healthy();
  st.books.push_back(blog_record("web", 3, 1, "s1"));      // above the scale
  st.books.push_back(blog_record("worker", 1, 1, "s2"));   // no longer in the manifest
  st.observed["s1"].push_back(seen(st.books[3]));
  st.observed["s2"].push_back(seen(st.books[4]));
  BOOST_TEST(lines(plan_stack(st)) == (Lines{"remove web#3@s1", "remove worker#1@s2"}), boost::test_tools::per_element());
  mark(st, "s2", Health::Down);
  BOOST_TEST(lines(plan_stack(st)) == (Lines{"move web#1@s2", "remove web#3@s1", "forget worker#1@s2"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_missing_replica_is_started) {
  auto st = healthy();
  st.books.erase(st.books.begin() + 2);
  st.observed["s3"].clear();
  BOOST_TEST(lines(plan_stack(st)) == (Lines{"start web#2"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(labelled_containers_no_record_knows_are_removed_on_up_servers) {
  auto st = healthy();
  auto stale = blog_record("web", 1, 1, "s1");  // a moved replica's old container, back with s1
  st.observed["s1"].push_back(seen(stale));
  BOOST_TEST(lines(plan_stack(st)) == (Lines{"remove web#1@s1"}), boost::test_tools::per_element());
  mark(st, "s1", Health::Suspect);
  BOOST_TEST(lines(plan_stack(st)) == (Lines{"hold db#1@s1"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_stack_without_a_live_release_is_left_alone_but_for_drift) {
  auto st = healthy();
  st.desired.clear();
  BOOST_TEST(plan_stack(st).actions.empty());
  st.books.clear();
  BOOST_TEST(plan_stack(st).count(ActionKind::Remove) == 3);
}

BOOST_AUTO_TEST_CASE(a_grid_slice_no_record_holds_is_freed_before_its_replica_starts) {
  auto st = healthy();
  st.slices = {"blog/db/1", "blog/web.r1/1", "blog/web.r1/2"};
  BOOST_TEST(plan_stack(st).actions.empty());
  // A start killed after placing web#2 and before recording it.
  st.books.erase(st.books.begin() + 2);
  st.observed["s3"].clear();
  auto p = plan_stack(st);
  BOOST_TEST(lines(p) == (Lines{"start web#2", "free blog/web.r1/2"}), boost::test_tools::per_element());
  BOOST_TEST(render_control_plan(p).find("free blog/web.r1/2  grid slice with no container record") != std::string::npos,
             render_control_plan(p));
}

BOOST_AUTO_TEST_CASE(a_canary_keeps_both_releases) {
  auto st = healthy();
  auto canary = st.desired[0];
  canary.number = 2;
  canary.status = "canary";
  st.desired.insert(st.desired.begin(), canary);
  st.books.push_back(blog_record("web", 1, 2, "s1"));
  st.books.push_back(blog_record("web", 2, 2, "s2"));
  for (std::size_t i = 3; i < 5; ++i) st.observed[st.books[i].server].push_back(seen(st.books[i]));
  BOOST_TEST(plan_stack(st).actions.empty(), render_control_plan(plan_stack(st)));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace quarry
