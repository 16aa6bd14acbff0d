#include <boost/test/unit_test.hpp>

#include "grid/best_fit_policy.h"
#include "grid/grid.h"
#include "grid/repack.h"
#include "grid_test_util.h"

using namespace quarry;
using namespace quarry::test;

namespace {

BlockState light_block(std::string id, std::vector<Slice> slices, Resources capacity = {8192, 8000}) {
  BlockState bs{Block{std::move(id), capacity, {}, {}, 0, 0}, std::move(slices)};
  for (const auto& s : bs.slices) bs.block.used += s.size;
  if (bs.block.load() >= 0.25) bs.block.low_since_ms.reset();
  return bs;
}

RepackOptions at(std::int64_t now_ms) { return RepackOptions{now_ms, 0.25, 1000, 1000, 0}; }

}  // namespace

BOOST_AUTO_TEST_SUITE(repack)

BOOST_AUTO_TEST_CASE(empties_the_lightest_blocks_into_the_fullest) {
  GridState state;
  state.blocks.push_back(light_block("s1", {node("a/web/0", 1024, 100)}));
  state.blocks.push_back(light_block("s2", {node("a/api/0", 512, 100)}));
  state.blocks.push_back(light_block("s3", {node("b/web/0", 4096, 1000)}));
  auto plan = plan_repack(state, at(5000));
  BOOST_TEST(plan.moves == (std::vector<Move>{{"a/api/0", "s2", "s3"}, {"a/web/0", "s1", "s3"}}));
  BOOST_TEST(plan.emptied == (std::vector<std::string>{"s2", "s1"}));
}

BOOST_AUTO_TEST_CASE(services_never_move_and_hysteresis_holds_back) {
  GridState state;
  state.blocks.push_back(light_block("s1", {service("a/db/0", 1024, 100)}));
  state.blocks.push_back(light_block("s2", {node("b/web/0", 4096, 1000)}));
  BOOST_TEST(plan_repack(state, at(5000)).moves.empty());
  state.blocks[0].slices[0].is_service = false;
  BOOST_TEST(plan_repack(state, at(500)).moves.empty());  // not light for long enough yet
  BOOST_TEST(plan_repack(state, at(5000)).moves.size() == 1u);
}

BOOST_AUTO_TEST_CASE(keeps_anti_affinity_tags_and_min) {
  GridState state;
  state.blocks.push_back(light_block("s1", {node("a/web/0", 1024, 100)}));
  state.blocks.push_back(light_block("s2", {node("a/web/1", 4096, 100)}));
  BOOST_TEST(plan_repack(state, at(5000)).moves.empty());  // would join its own replica
  state.blocks[1].slices[0].id = "b/web/0";
  state.blocks[0].slices[0].required_tags = {{"role", "router"}};
  BOOST_TEST(plan_repack(state, at(5000)).moves.empty());  // s2 lacks the tag
  state.blocks[0].slices[0].required_tags.clear();
  auto options = at(5000);
  options.min_blocks = 2;
  BOOST_TEST(plan_repack(state, options).moves.empty());
  options.min_blocks = 1;
  BOOST_TEST(plan_repack(state, options).emptied == (std::vector<std::string>{"s1"}));
}

BOOST_AUTO_TEST_CASE(all_or_nothing_per_block) {
  GridState state;
  state.blocks.push_back(light_block("s1", {node("a/web/0", 512, 100), node("a/api/0", 512, 100)}));
  state.blocks.push_back(light_block("s2", {node("b/web/0", 6144, 100)}, {6912, 8000}));
  BOOST_TEST(plan_repack(state, at(5000)).moves.empty());
}

// Through the grid: plan, carry out, and the emptied block is destroyed.
BOOST_AUTO_TEST_CASE(grid_applies_a_plan_and_destroys_what_it_emptied) {
  ManualClock clock(0);
  RecordingEvents events;
  GridOptions options;
  options.autosize = true;
  options.min_age_ms = 1000;
  options.low_for_ms = 1000;
  Grid g(options, std::make_unique<BestFitPolicy>(), GridDeps{&events, &clock, nullptr});
  BOOST_REQUIRE(g.add_block(block("s1", 8192, 8000)).has_value());
  BOOST_REQUIRE(g.add_block(block("s2", 8192, 8000)).has_value());
  BOOST_REQUIRE(g.add_slice(node("a/web/0", 4096, 100)).has_value());
  BOOST_REQUIRE(g.add_slice(node("a/web/1", 1024, 100)).has_value());
  clock.advance_ms(2000);
  auto plan = g.plan_repack();
  BOOST_REQUIRE(plan.moves.size() == 0u);  // a/web/1 would join its replica
  BOOST_REQUIRE(g.add_block(block("s3", 8192, 8000)).has_value());
  BOOST_REQUIRE(g.add_slice(node("b/web/0", 4096, 100)).has_value());
  clock.advance_ms(2000);
  plan = g.plan_repack();
  BOOST_REQUIRE(plan.moves == (std::vector<Move>{{"a/web/1", "s2", "s3"}}));
  events.take();
  BOOST_REQUIRE(g.apply_move(plan.moves[0]).has_value());
  BOOST_REQUIRE(g.tick().has_value());
  BOOST_TEST(events.take() == (std::vector<std::string>{"added a/web/1 s3", "removed a/web/1 s2", "destroy s2"}));
  BOOST_TEST(g.apply_move(plan.moves[0]).error().message == "move a/web/1 from s2 to s3: unknown slice or block");
}

BOOST_AUTO_TEST_SUITE_END()
