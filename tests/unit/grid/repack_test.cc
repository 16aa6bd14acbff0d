#include <boost/test/unit_test.hpp>

#include <random>
#include <set>

#include "grid/best_fit_policy.h"
#include "grid/grid.h"
#include "grid/repack.h"
#include "grid/repack_rebuild.h"
#include "grid_test_util.h"

using namespace quarry;
using namespace quarry::test;

namespace {

BlockState make_block(std::string id, std::vector<Slice> slices, Resources capacity = {8192, 8000}, Tags tags = {}) {
  BlockState bs{Block{std::move(id), capacity, std::move(tags), {}, 0, {}}, std::move(slices)};
  for (const auto& s : bs.slices) bs.block.used += s.size;
  return bs;
}

RepackOptions at(std::int64_t now_ms) { return RepackOptions{now_ms, 1000, 0, 0}; }

// Carries the plan out on a copy of the state, checking each move against
// the rules: the target holds something, has room and the tags, never
// gets a replica of the slice's node, and no slice moves twice.
std::string carry_out(GridState state, const RepackPlan& plan) {
  std::set<std::string> moved;
  auto find = [&](const std::string& id) -> BlockState* {
    for (auto& bs : state.blocks)
      if (bs.block.id == id) return &bs;
    return nullptr;
  };
  for (const auto& m : plan.moves) {
    auto* from = find(m.from);
    auto* to = find(m.to);
    if (!from || !to) return "unknown block in " + m.slice;
    auto it = std::find_if(from->slices.begin(), from->slices.end(), [&](const Slice& s) { return s.id == m.slice; });
    if (it == from->slices.end()) return m.slice + " is not on " + m.from;
    if (it->is_service) return "service " + m.slice + " moved";
    if (to->slices.empty()) return m.slice + " moved onto the empty block " + m.to;
    if (!to->block.free().holds(it->size)) return m.to + " has no room for " + m.slice;
    if (!tags_satisfy(to->block.tags, it->required_tags)) return m.to + " lacks the tags of " + m.slice;
    if (is_router(to->block.tags) && !is_router(it->required_tags)) return m.slice + " moved onto the router";
    for (const auto& other : to->slices)
      if (other.node_key() == it->node_key()) return m.slice + " joined a replica on " + m.to;
    if (!moved.insert(m.slice).second) return m.slice + " moved twice";
    to->block.used += it->size;
    from->block.used -= it->size;
    to->slices.push_back(*it);
    from->slices.erase(it);
  }
  for (const auto& id : plan.emptied)
    if (!find(id) || !find(id)->slices.empty()) return id + " was not emptied";
  std::size_t emptied = 0;
  for (const auto& bs : state.blocks) emptied += bs.slices.empty();
  if (plan.moves.empty() != plan.emptied.empty()) return "moves that empty nothing";
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(repack)

BOOST_AUTO_TEST_CASE(empties_the_lightest_blocks_into_the_fullest) {
  GridState state;
  state.blocks.push_back(make_block("s1", {node("a/web/0", 1024, 100)}));
  state.blocks.push_back(make_block("s2", {node("a/api/0", 512, 100)}));
  state.blocks.push_back(make_block("s3", {node("b/web/0", 4096, 1000)}));
  auto plan = plan_repack(state, at(5000));
  BOOST_TEST(plan.moves == (std::vector<Move>{{"a/api/0", "s2", "s3"}, {"a/web/0", "s1", "s3"}}));
  BOOST_TEST(plan.emptied == (std::vector<std::string>{"s2", "s1"}));
  BOOST_TEST(carry_out(state, plan) == "");
}

// Six blocks of 1000 hold 3860: four would do. In round one both planners
// empty one block in one move: the one-at-a-time planner puts s1's 270 in
// the tightest room (s6), after which no block can be emptied; the rebuild
// puts s5's 590 with it on s1, which leaves room together, and the round
// after empties s6 as well. The plan made from the rebuild's round wins.
BOOST_AUTO_TEST_CASE(a_first_round_that_leaves_room_to_go_on_wins) {
  GridState state;
  Resources cap{1000, 1000};
  state.blocks.push_back(make_block("s1", {node("a/a/0", 270, 0)}, cap));
  state.blocks.push_back(make_block("s2", {node("b/a/0", 280, 0), node("b/b/0", 470, 0)}, cap));
  state.blocks.push_back(make_block("s3", {node("c/a/0", 630, 0), node("c/b/0", 160, 0)}, cap));
  state.blocks.push_back(make_block("s4", {node("d/a/0", 130, 0), node("d/b/0", 680, 0)}, cap));
  state.blocks.push_back(make_block("s5", {node("e/a/0", 590, 0)}, cap));
  state.blocks.push_back(make_block("s6", {node("f/a/0", 200, 0), node("f/b/0", 450, 0)}, cap));
  auto plan = plan_repack(state, at(5000));
  BOOST_TEST(plan.emptied.size() == 2u);
  BOOST_TEST(carry_out(state, plan) == "");
}

// Fuller blocks are emptied too, not only light ones: two half-full blocks
// become one.
BOOST_AUTO_TEST_CASE(merges_blocks_whatever_their_load) {
  GridState state;
  state.blocks.push_back(make_block("s1", {node("a/web/0", 4096, 100)}));
  state.blocks.push_back(make_block("s2", {node("b/web/0", 4096, 100)}));
  auto plan = plan_repack(state, at(5000));
  BOOST_TEST(plan.moves.size() == 1u);
  BOOST_TEST(plan.emptied.size() == 1u);
  BOOST_TEST(carry_out(state, plan) == "");
}

// No block can be emptied by moving its slices onto room that is already
// there: s3's 3 GB slice fits nowhere, and neither do s1's or s2's. Taking
// the blocks apart and packing again finds it: s1's 5 GB slice joins s3,
// which makes room on s1 for s2's 6 GB slice (the one-block-at-a-time
// planner needs three moves and a swap for the same).
BOOST_AUTO_TEST_CASE(rearranges_to_make_room) {
  GridState state;
  state.blocks.push_back(make_block("s1", {node("a/x/0", 5120, 0), node("a/y/0", 1024, 0), node("a/z/0", 1024, 0)}));
  state.blocks.push_back(make_block("s2", {node("b/x/0", 6144, 0)}));
  state.blocks.push_back(make_block("s3", {node("c/x/0", 3072, 0)}));
  auto plan = plan_repack(state, at(5000));
  BOOST_TEST(plan.emptied == (std::vector<std::string>{"s2"}));
  BOOST_TEST(plan.moves == (std::vector<Move>{{"a/x/0", "s1", "s3"}, {"b/x/0", "s2", "s1"}}));
  BOOST_TEST(carry_out(state, plan) == "");
}

BOOST_AUTO_TEST_CASE(services_never_move_and_young_blocks_stay) {
  GridState state;
  state.blocks.push_back(make_block("s1", {service("a/db/0", 1024, 100)}));
  state.blocks.push_back(make_block("s2", {node("b/web/0", 4096, 1000)}));
  auto plan = plan_repack(state, at(5000));
  BOOST_TEST(plan.moves.size() == 1u);  // the node joins the service, never the reverse
  BOOST_TEST(carry_out(state, plan) == "");
  BOOST_TEST(plan_repack(state, at(500)).moves.empty());  // both younger than min_age
  state.blocks[1].slices[0].is_service = true;
  BOOST_TEST(plan_repack(state, at(5000)).moves.empty());
}

BOOST_AUTO_TEST_CASE(never_onto_an_empty_block_nor_the_router) {
  GridState state;
  state.blocks.push_back(make_block("s1", {node("a/web/0", 4096, 100)}));
  state.blocks.push_back(make_block("s2", {}));
  state.blocks.push_back(make_block("r1", {node("edge/proxy/0", 512, 100, {{"role", "router"}})}, {8192, 8000},
                                    {{"role", "router"}}));
  BOOST_TEST(plan_repack(state, at(5000)).moves.empty());
}

BOOST_AUTO_TEST_CASE(keeps_anti_affinity_tags_and_min) {
  GridState state;
  state.blocks.push_back(make_block("s1", {node("a/web/0", 1024, 100)}));
  state.blocks.push_back(make_block("s2", {node("a/web/1", 4096, 100)}));
  BOOST_TEST(plan_repack(state, at(5000)).moves.empty());  // would join its own replica
  state.blocks[1].slices[0].id = "b/web/0";
  state.blocks[0].slices[0].required_tags = {{"zone", "a"}};
  BOOST_TEST(plan_repack(state, at(5000)).moves.size() == 1u);  // s2's slice moves to s1 instead
  state.blocks[0].slices[0].required_tags.clear();
  auto options = at(5000);
  options.min_blocks = 2;
  BOOST_TEST(plan_repack(state, options).moves.empty());
}

BOOST_AUTO_TEST_CASE(all_or_nothing_per_block_and_bounded_moves) {
  GridState state;
  // s1's two slices fit s2 only one at a time, and s2's slice does not fit s1.
  state.blocks.push_back(make_block("s1", {node("a/web/0", 512, 100), node("a/api/0", 512, 100)}, {7000, 8000}));
  state.blocks.push_back(make_block("s2", {node("b/web/0", 6144, 100)}, {6912, 8000}));
  BOOST_TEST(plan_repack(state, at(5000)).moves.empty());
  state.blocks.clear();
  for (int b = 0; b < 6; ++b)
    state.blocks.push_back(make_block("s" + std::to_string(b), {node("n" + std::to_string(b) + "/w/0", 2048, 0)}));
  auto options = at(5000);
  BOOST_TEST(plan_repack(state, options).moves.size() == 4u);  // six quarter-full blocks into two
  options.max_moves = 2;
  auto plan = plan_repack(state, options);
  BOOST_TEST(plan.moves.size() <= 2u);
  BOOST_TEST(plan.emptied.size() == plan.moves.size());
  BOOST_TEST(carry_out(state, plan) == "");
}

// Random grids: every plan keeps every rule when carried out in order.
BOOST_AUTO_TEST_CASE(random_plans_keep_the_rules) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    GridState state;
    int n = 2 + int(rng() % 8);
    for (int b = 0; b < n; ++b) {
      Resources cap{std::int64_t(4096 + 1024 * (rng() % 4)), 4000};
      Tags tags;
      if (rng() % 6 == 0) tags = {{"role", "router"}};
      auto bs = make_block("s" + std::to_string(b), {}, cap, tags);
      for (int k = int(rng() % 4); k > 0; --k) {
        Slice s = node("app/n" + std::to_string(rng() % 5) + "/" + std::to_string(b * 10 + k),
                       std::int64_t(256 * (1 + rng() % 8)), std::int64_t(100 * (rng() % 10)));
        s.is_service = rng() % 7 == 0;
        if (!bs.block.free().holds(s.size)) continue;
        bs.block.used += s.size;
        bs.slices.push_back(s);
      }
      state.blocks.push_back(bs);
    }
    auto plan = plan_repack(state, at(5000));
    BOOST_TEST_CONTEXT("round " << round) { BOOST_TEST(carry_out(state, plan) == ""); }
  }
}

// Random grids, larger: the rebuild's own plans, when it finds one, keep
// every rule too and empty exactly the blocks they name.
BOOST_AUTO_TEST_CASE(random_rebuilds_keep_the_rules) {
  std::mt19937 rng(11);
  int found = 0;
  for (int round = 0; round < 300; ++round) {
    GridState state;
    int n = 3 + int(rng() % 14);
    for (int b = 0; b < n; ++b) {
      Tags tags;
      if (rng() % 10 == 0) tags = {{"role", "router"}};
      else if (rng() % 5 == 0) tags = {{"zone", "a"}};
      auto bs = make_block("s" + std::to_string(b), {}, {std::int64_t(4096 + 1024 * (rng() % 3)), 4000}, tags);
      bs.block.created_ms = rng() % 8 == 0 ? 4500 : 0;  // a few too young to empty
      for (int k = int(rng() % 5); k > 0; --k) {
        Slice s = node("app/n" + std::to_string(rng() % 6) + "/" + std::to_string(b * 10 + k),
                       std::int64_t(256 * (1 + rng() % 10)), std::int64_t(100 * (rng() % 8)));
        s.is_service = rng() % 9 == 0;
        if (rng() % 7 == 0) s.required_tags = {{"zone", "a"}};
        if (!bs.block.free().holds(s.size) || !tags_satisfy(bs.block.tags, s.required_tags)) continue;
        bs.block.used += s.size;
        bs.slices.push_back(s);
      }
      state.blocks.push_back(bs);
    }
    auto options = at(5000);
    options.max_moves = rng() % 3 == 0 ? 4 : 0;
    auto plan = plan_rebuild(state, options);
    if (!plan) continue;
    ++found;
    BOOST_TEST_CONTEXT("round " << round) {
      BOOST_TEST(!plan->emptied.empty());
      BOOST_TEST(carry_out(state, *plan) == "");
      if (options.max_moves) BOOST_TEST(plan->moves.size() <= options.max_moves);
    }
  }
  BOOST_TEST(found > 30);  // the rules are checked on real plans, not on none
}

// A fleet: more blocks than a swap pass looks at (the planner's bounds for
// fleets apply), tight enough that emptying a block takes swaps. Every plan
// keeps the rules, stays within the grid's default budget of moves and
// empties blocks; blocks younger than min_age, services and the router stay.
BOOST_AUTO_TEST_CASE(fleet_plans_keep_the_rules_within_the_budget) {
  std::mt19937 rng(11);
  for (int round = 0; round < 3; ++round) {
    GridState state;
    for (int b = 0; b < 1500; ++b) {
      Tags tags;
      if (b == 0) tags = {{"role", "router"}};
      auto bs = make_block("s" + std::to_string(b), {}, {16384, 8000}, tags);
      bs.block.created_ms = rng() % 20 == 0 ? 4500 : 0;  // a few too young to empty
      auto target = 0.35 + 0.6 * double(rng() % 1000) / 1000.0;
      for (int k = 0; k < 40 && double(bs.block.used.memory_mb) < target * 16384; ++k) {
        Slice s = node("app" + std::to_string(rng() % 300) + "/w/" + std::to_string(b * 100 + k),
                       std::int64_t(128 * (1 + rng() % 24)), std::int64_t(50 * (rng() % 8)));
        s.is_service = rng() % 50 == 0;
        if (!bs.block.free().holds(s.size)) continue;
        bs.block.used += s.size;
        bs.slices.push_back(s);
      }
      state.blocks.push_back(bs);
    }
    auto options = at(5000);
    options.max_moves = 500;
    auto plan = plan_repack(state, options);
    BOOST_TEST_CONTEXT("round " << round) {
      BOOST_TEST(!plan.emptied.empty());
      BOOST_TEST(plan.moves.size() <= 500u);
      BOOST_TEST(carry_out(state, plan) == "");
      std::set<std::string> emptied(plan.emptied.begin(), plan.emptied.end());
      for (const auto& bs : state.blocks)
        if (emptied.contains(bs.block.id)) BOOST_TEST(bs.block.created_ms == 0);
    }
  }
}

// Four blocks of 1000 hold 2900, so three would do, but no block can be
// emptied into the room that is there, and taking all four apart stalls:
// every block is too full to take its new set before it sheds its old one.
// The moves the stalled rebuild made before it stopped empty a block all
// the same; they are kept, less those that did not serve to empty it.
BOOST_AUTO_TEST_CASE(a_stalled_rebuild_still_empties_what_it_reached) {
  GridState state;
  Resources cap{1000, 1000};
  state.blocks.push_back(make_block("s1", {node("a/a/0", 230, 0), node("a/b/0", 280, 0)}, cap));
  state.blocks.push_back(make_block("s2", {node("b/a/0", 150, 0), node("b/b/0", 420, 0), node("b/c/0", 270, 0)}, cap));
  state.blocks.push_back(make_block("s3", {node("c/a/0", 120, 0), node("c/b/0", 520, 0)}, cap));
  state.blocks.push_back(make_block("s4", {node("d/a/0", 540, 0), node("d/b/0", 370, 0)}, cap));
  auto plan = plan_repack(state, at(5000));
  BOOST_TEST(plan.emptied.size() == 1u);
  BOOST_TEST(carry_out(state, plan) == "");
  // Every move is needed: without any one of them, some move of the rest
  // finds no room or the emptied block keeps a slice.
  for (std::size_t k = 0; k < plan.moves.size(); ++k) {
    auto fewer = plan;
    fewer.moves.erase(fewer.moves.begin() + std::ptrdiff_t(k));
    BOOST_TEST_CONTEXT("without move " << k) { BOOST_TEST(carry_out(state, fewer) != ""); }
  }
}

// Six blocks of 1000 hold 3870: four would do. Once s5 is emptied,
// emptying s2 (580) takes a chain of six moves that ends in a swap of two
// slices in for one out on s4 (310 and 140 for 250), which leaves one
// slice fewer to find room for; filling each block the most instead ends
// with a slice that fits nowhere, and only s5 is emptied.
BOOST_AUTO_TEST_CASE(swaps_that_leave_fewer_slices_to_place_come_first) {
  GridState state;
  Resources cap{1000, 1000};
  state.blocks.push_back(make_block("s1", {node("a/a/0", 190, 0), node("a/b/0", 330, 0), node("a/c/0", 140, 0)}, cap));
  state.blocks.push_back(make_block("s2", {node("b/a/0", 580, 0)}, cap));
  state.blocks.push_back(make_block("s3", {node("c/a/0", 640, 0), node("c/b/0", 310, 0)}, cap));
  state.blocks.push_back(make_block("s4", {node("d/a/0", 520, 0), node("d/b/0", 250, 0)}, cap));
  state.blocks.push_back(make_block("s5", {node("e/a/0", 130, 0)}, cap));
  state.blocks.push_back(make_block("s6", {node("f/a/0", 560, 0), node("f/b/0", 220, 0)}, cap));
  auto plan = plan_repack(state, at(5000));
  BOOST_TEST(plan.emptied.size() == 2u);
  BOOST_TEST(carry_out(state, plan) == "");
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
  BOOST_REQUIRE(g.add_block(block("s3", 8192, 8000, {{"zone", "b"}})).has_value());
  BOOST_REQUIRE(g.add_slice(node("b/web/0", 4096, 100, {{"zone", "b"}})).has_value());
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
