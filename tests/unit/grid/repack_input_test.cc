// The repack planners' shared input: slices as items with interned nodes and
// weights, blocks as bins, and moves carried out between rounds.
#include <boost/test/unit_test.hpp>

#include "grid/repack_input.h"
#include "grid_test_util.h"

using namespace quarry;
using namespace quarry::test;

namespace {

GridState sample() {
  GridState state;
  BlockState a{Block{"s1", {4096, 2000}, {}, {}, 0, {}}, {}};
  a.slices = {node("app/web/0", 1024, 500), service("app/db/0", 2048, 1000)};
  BlockState b{Block{"s2", {8192, 1000}, {}, {}, 0, {}}, {}};
  b.slices = {node("app/web/1", 1024, 500), node("app/worker/0", 512, 0)};
  for (auto* bs : {&a, &b})
    for (const auto& s : bs->slices) bs->block.used += s.size;
  state.blocks = {a, b};
  return state;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(repack_input)

BOOST_AUTO_TEST_CASE(items_bins_nodes_and_weights) {
  auto state = sample();
  auto in = pack_input(state);
  BOOST_TEST(in.reference == (Resources{8192, 2000}));
  BOOST_REQUIRE(in.items.size() == 4u);
  BOOST_REQUIRE(in.bins.size() == 2u);
  BOOST_TEST((in.bins[0].items == std::vector<std::uint32_t>{0, 1}));
  BOOST_TEST((in.bins[1].items == std::vector<std::uint32_t>{2, 3}));
  BOOST_TEST(in.bins[0].pinned);   // it runs a service
  BOOST_TEST(!in.bins[1].pinned);
  BOOST_TEST(in.items[1].pinned);
  BOOST_TEST(in.items[0].node == in.items[2].node);  // two replicas of app/web
  BOOST_TEST(in.items[0].node != in.items[3].node);
  BOOST_TEST((in.node_bins[in.items[0].node] == std::vector<std::uint32_t>{0, 1}));
  BOOST_TEST(in.items[0].weight == 1024.0 / 8192 + 500.0 / 2000);
  BOOST_TEST(in.items[3].weight == 512.0 / 8192);
  BOOST_TEST(in.bins[1].free() == (Resources{8192 - 1536, 500}));
}

BOOST_AUTO_TEST_CASE(carried_out_moves_are_pinned_and_named) {
  auto state = sample();
  auto in = pack_input(state);
  std::vector<PackMove> moves{{3, 1, 0}};  // app/worker/0 from s2 to s1
  carry_out(in, moves);
  BOOST_TEST((in.bins[0].items == std::vector<std::uint32_t>{0, 1, 3}));
  BOOST_TEST((in.bins[1].items == std::vector<std::uint32_t>{2}));
  BOOST_TEST(in.bins[0].used == (Resources{3584, 1500}));
  BOOST_TEST(in.bins[1].used == (Resources{1024, 500}));
  BOOST_TEST(in.items[3].bin == 0u);
  BOOST_TEST(in.items[3].pinned);  // never moves again, and s1 is never emptied
  BOOST_TEST(in.bins[0].pinned);
  BOOST_TEST((in.node_bins[in.items[3].node] == std::vector<std::uint32_t>{0}));
  auto plan = to_plan(in, PackPlan{moves, {1}});
  BOOST_REQUIRE(plan.moves.size() == 1u);
  BOOST_TEST((plan.moves[0] == Move{"app/worker/0", "s2", "s1"}));
  BOOST_TEST((plan.emptied == std::vector<std::string>{"s2"}));
}

BOOST_AUTO_TEST_CASE(a_planner_edits_its_own_copy_of_a_node_s_bins) {
  auto state = sample();
  auto in = pack_input(state);
  NodeBins bins(in);
  auto web = in.items[0].node;
  bins.edit(web).push_back(7);
  BOOST_TEST((bins.of(web) == std::vector<std::uint32_t>{0, 1, 7}));
  BOOST_TEST((in.node_bins[web] == std::vector<std::uint32_t>{0, 1}));  // the input is untouched
  BOOST_TEST((bins.of(in.items[3].node) == std::vector<std::uint32_t>{1}));
}

BOOST_AUTO_TEST_SUITE_END()
