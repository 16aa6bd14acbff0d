// plan_fleet: the servers a deploy would make or give back, replayed on a
// copy of the grid in the launcher's order.
#include <boost/test/unit_test.hpp>

#include "compiler/compile.h"
#include "grid/policies.h"
#include "launcher/fleet_plan.h"
#include "launcher/launcher.h"
#include "launcher/stack_records.h"

using namespace quarry;

namespace {

Process web(int scale, int memory = 256) {
  Process p;
  p.name = "web";
  p.image = "blog-web";
  p.port = 8080;
  p.memory_mb = memory;
  p.scale = scale;
  return p;
}

Process db() {
  Process p;
  p.name = "db";
  p.is_service = true;
  p.image = "postgres";
  p.memory_mb = 512;
  return p;
}

InstructionList instructions(std::vector<Process> nodes, bool with_db = true) {
  Stack s;
  s.name = "blog";
  if (with_db) s.services = {db()};
  s.nodes = std::move(nodes);
  s.manifest_hash = "h";
  return compile(s, {});
}

ContainerRecord rec(const std::string& node, int index, int release, const std::string& server, bool service = false) {
  ContainerRecord r;
  r.stack = "blog";
  r.node = node;
  r.index = index;
  r.release = release;
  r.server = server;
  r.service = service;
  return r;
}

// The saved grid: `blocks` (id, MB) holding the slices of `records`.
GridState grid_of(const std::vector<std::pair<std::string, int>>& blocks, const std::vector<ContainerRecord>& records,
                  const InstructionList& deployed, std::int64_t now) {
  ManualClock clock(now - 24 * 3600 * 1000);
  GridOptions o;
  Grid g(o, std::move(*make_policy("best-fit")), GridDeps{nullptr, &clock, nullptr});
  for (const auto& [id, mb] : blocks) BOOST_REQUIRE(g.add_block(BlockSpec{id, Resources{mb, 4000}, {}}));
  for (const auto& r : records) {
    for (const auto& in : deployed.instructions) {
      if ((in.op == Op::Deploy || in.op == Op::Ensure) && in.target == r.node) {
        auto placed = g.add_slice(slice_for(in, r.release, r.index));
        BOOST_REQUIRE(placed && placed->block == r.server);
        break;
      }
    }
  }
  return g.snapshot();
}

GridSettings autosize(std::size_t max = 10, std::size_t min = 0) {
  GridSettings s;
  s.autosize = true;
  s.max_blocks = max;
  s.min_blocks = min;
  s.block_size = Resources{2048, 2000};
  return s;
}

FleetInput deploy_of(const GridState& grid, const GridSettings& settings, const InstructionList& next,
                     const std::vector<ContainerRecord>& current, std::int64_t now) {
  FleetInput in;
  in.grid = grid;
  in.settings = settings;
  in.now_ms = now;
  in.instructions = next;
  in.current = current;
  in.plan = make_plan(next, current, {});
  return in;
}

constexpr std::int64_t kNow = 1'700'000'000'000;

}  // namespace

BOOST_AUTO_TEST_SUITE(fleet_plan)

BOOST_AUTO_TEST_CASE(a_deploy_that_does_not_fit_asks_for_one_server) {
  // s1 (2048 MB) holds db (512) and web x2 (256 each): 1024 free. Six new
  // replicas of 256 start before the two old ones stop: four fit, two need
  // one new server of the grid's block size.
  auto before = instructions({web(2)});
  std::vector<ContainerRecord> current = {rec("db", 1, 1, "s1", true), rec("web", 1, 1, "s1"), rec("web", 2, 1, "s1")};
  auto grid = grid_of({{"s1", 2048}}, current, before, kNow);
  auto change = plan_fleet(deploy_of(grid, autosize(), instructions({web(6)}), current, kNow));
  BOOST_REQUIRE(change.has_value());
  BOOST_REQUIRE(change->create.size() == 1u);
  BOOST_TEST(change->create[0].size.memory_mb == 2048);
  BOOST_TEST(change->destroy.empty());
  BOOST_TEST(change->unplaced.empty());
}

BOOST_AUTO_TEST_CASE(the_same_deploy_without_autosize_leaves_replicas_unplaced) {
  auto before = instructions({web(2)});
  std::vector<ContainerRecord> current = {rec("db", 1, 1, "s1", true), rec("web", 1, 1, "s1"), rec("web", 2, 1, "s1")};
  auto grid = grid_of({{"s1", 2048}}, current, before, kNow);
  auto settings = autosize(1);  // at its max already
  auto change = plan_fleet(deploy_of(grid, settings, instructions({web(6)}), current, kNow));
  BOOST_REQUIRE(change.has_value());
  BOOST_TEST(change->create.empty());
  std::vector<std::string> want = {"blog/web.r2/5", "blog/web.r2/6"};
  BOOST_TEST(change->unplaced == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_replacement_that_fits_changes_no_server) {
  auto before = instructions({web(2)});
  std::vector<ContainerRecord> current = {rec("db", 1, 1, "s1", true), rec("web", 1, 1, "s1"), rec("web", 2, 1, "s1")};
  auto grid = grid_of({{"s1", 2048}}, current, before, kNow);
  auto change = plan_fleet(deploy_of(grid, autosize(), before, current, kNow));
  BOOST_REQUIRE(change.has_value());
  BOOST_TEST(change->empty());
}

BOOST_AUTO_TEST_CASE(a_server_the_deploy_empties_is_given_back_above_min) {
  // web (1024 MB a replica) runs on s2 alone; the new manifest drops it.
  auto before = instructions({web(1, 1024)});
  std::vector<ContainerRecord> current = {rec("db", 1, 1, "s1", true), rec("web", 1, 1, "s2")};
  auto grid = grid_of({{"s1", 1024}, {"s2", 2048}}, current, before, kNow);
  auto next = instructions({}, true);
  auto in = deploy_of(grid, autosize(), next, current, kNow);
  in.plan.changes.push_back({'-', "web", 1, "no longer in the manifest"});
  auto change = plan_fleet(in);
  BOOST_REQUIRE(change.has_value());
  BOOST_TEST(change->create.empty());
  BOOST_TEST(change->destroy == std::vector<std::string>{"s2"}, boost::test_tools::per_element());
  // At the grid's min of 2 servers, nothing is given back.
  auto at_min = in;
  at_min.settings = autosize(10, 2);
  BOOST_TEST(plan_fleet(at_min)->destroy.empty());
}

BOOST_AUTO_TEST_CASE(without_a_deploy_it_shows_what_the_grid_still_wants) {
  auto before = instructions({web(1)});
  std::vector<ContainerRecord> current = {rec("db", 1, 1, "s1", true), rec("web", 1, 1, "s1")};
  auto grid = grid_of({{"s1", 2048}, {"s2", 2048}}, current, before, kNow);
  FleetInput in;
  in.grid = grid;
  in.settings = autosize();
  in.now_ms = kNow;
  auto change = plan_fleet(in);
  BOOST_REQUIRE(change.has_value());
  BOOST_TEST(change->destroy == std::vector<std::string>{"s2"}, boost::test_tools::per_element());
  in.settings.policy = "no-such";
  BOOST_TEST(!plan_fleet(in).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
