#include <boost/test/unit_test.hpp>

#include "grid/repack_prune.h"
#include "grid_test_util.h"

using namespace quarry;
using namespace quarry::test;

namespace {

// Blocks of 1000 MB: each given by the sizes of its slices, one node each.
struct Fixture {
  std::vector<Block> blocks;
  std::vector<Slice> slices;
  PackInput input;

  explicit Fixture(const std::vector<std::vector<std::int64_t>>& sizes) {
    input.reference = {1000, 1000};
    blocks.reserve(sizes.size());
    std::size_t n = 0;
    for (const auto& bin : sizes) n += bin.size();
    slices.reserve(n);
    std::uint32_t node_id = 0;
    for (std::size_t b = 0; b < sizes.size(); ++b) {
      blocks.push_back(Block{"s" + std::to_string(b + 1), {1000, 1000}, {}, {}, 0, {}});
      for (auto mb : sizes[b]) blocks.back().used += Resources{mb, 0};
    }
    for (std::size_t b = 0; b < sizes.size(); ++b) {
      auto bin = add_bin(input, blocks[b]);
      for (auto mb : sizes[b]) {
        slices.push_back(node("a/n" + std::to_string(node_id) + "/0", mb, 0));
        add_item(input, bin, slices.back(), node_id++);
      }
    }
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(repack_prune)

// s3's slice goes to s1; moving s1's own slice on to s2 as well saves
// nothing and is dropped.
BOOST_AUTO_TEST_CASE(drops_a_move_that_saves_nothing) {
  Fixture f({{200}, {800}, {100}});
  PackPlan plan{{{2, 2, 0}, {0, 0, 1}}, {2}};
  BOOST_REQUIRE(moves_keep_rules(f.input, plan.moves));
  prune(f.input, plan);
  BOOST_TEST(plan.moves.size() == 1u);
  BOOST_TEST(plan.moves[0].item == 2u);
  BOOST_TEST(plan.emptied == (std::vector<std::uint32_t>{2}));
}

// s2's 600 fits s1 only once s1's 300 has gone to s3: both moves stay,
// though only s2 is emptied.
BOOST_AUTO_TEST_CASE(keeps_a_move_that_makes_room) {
  Fixture f({{300, 200}, {600}, {600}});
  PackPlan plan{{{0, 0, 2}, {2, 1, 0}}, {1}};
  BOOST_REQUIRE(moves_keep_rules(f.input, plan.moves));
  prune(f.input, plan);
  BOOST_TEST(plan.moves.size() == 2u);
}

BOOST_AUTO_TEST_CASE(the_rules_are_checked_at_every_step) {
  Fixture f({{600}, {500}, {}});
  BOOST_TEST(!moves_keep_rules(f.input, {{0, 0, 1}}));  // no room on s2
  BOOST_TEST(!moves_keep_rules(f.input, {{1, 1, 2}}));  // s3 is empty
  BOOST_TEST(!moves_keep_rules(f.input, {{1, 0, 1}}));  // the slice is not on s1
  Fixture g({{200}, {300}, {100}});
  BOOST_TEST(moves_keep_rules(g.input, {{0, 0, 1}}));
  BOOST_TEST(!moves_keep_rules(g.input, {{0, 0, 1}, {0, 1, 2}}));  // moves twice
}

BOOST_AUTO_TEST_SUITE_END()
