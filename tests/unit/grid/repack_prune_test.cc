#include <boost/test/unit_test.hpp>

#include <random>

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

// Random runs of valid moves over random bins (some nodes with several
// replicas): what pruning keeps still keeps the rules and empties the same
// bins, and no single move more can be dropped, as a full replay says.
BOOST_AUTO_TEST_CASE(random_plans_pruned_stay_valid_and_minimal) {
  std::mt19937 rng(5);
  int pruned_some = 0;
  for (int round = 0; round < 300; ++round) {
    std::vector<std::vector<std::int64_t>> sizes(3 + rng() % 8);
    for (auto& bin : sizes) {
      std::int64_t used = 0;
      for (int k = int(rng() % 4); k > 0; --k) {
        std::int64_t mb = 100 * (1 + rng() % 5);
        if (used + mb <= 1000) bin.push_back(mb), used += mb;
      }
    }
    Fixture f(sizes);
    for (auto& item : f.input.items) item.node = rng() % 6 == 0 ? 0 : item.node;  // a few replicas of node 0
    f.input.node_bins.assign(f.input.node_bins.size(), {});
    for (const auto& item : f.input.items) f.input.node_bins[item.node].push_back(item.bin);
    // A random walk of moves that keep the rules.
    PackPlan plan;
    std::vector<char> moved(f.input.items.size(), 0);
    std::vector<std::uint32_t> where;
    for (const auto& item : f.input.items) where.push_back(item.bin);
    for (int tries = 0; tries < 60; ++tries) {
      PackMove m{std::uint32_t(rng() % f.input.items.size()), 0, std::uint32_t(rng() % sizes.size())};
      if (moved[m.item] || where[m.item] == m.to) continue;
      m.from = where[m.item];
      auto next = plan.moves;
      next.push_back(m);
      if (!moves_keep_rules(f.input, next)) continue;
      plan.moves = next;
      moved[m.item] = 1;
      where[m.item] = m.to;
    }
    std::vector<std::size_t> count(sizes.size(), 0);
    for (auto b : where) ++count[b];
    for (std::uint32_t b = 0; b < sizes.size(); ++b)
      if (count[b] == 0 && !sizes[b].empty()) plan.emptied.push_back(b);
    auto before = plan.moves.size();
    prune(f.input, plan);
    pruned_some += plan.moves.size() < before;
    BOOST_TEST_CONTEXT("round " << round) {
      BOOST_TEST(moves_keep_rules(f.input, plan.moves));
      std::vector<std::size_t> left(sizes.size(), 0);
      for (std::uint32_t b = 0; b < sizes.size(); ++b) left[b] = sizes[b].size();
      for (const auto& m : plan.moves) --left[m.from], ++left[m.to];
      for (auto b : plan.emptied) BOOST_TEST(left[b] == 0u);
      for (std::size_t k = 0; k < plan.moves.size(); ++k) {
        bool from_emptied = std::count(plan.emptied.begin(), plan.emptied.end(), plan.moves[k].from) > 0;
        if (from_emptied) continue;
        auto fewer = plan.moves;
        fewer.erase(fewer.begin() + std::ptrdiff_t(k));
        BOOST_TEST(!moves_keep_rules(f.input, fewer));
      }
    }
  }
  BOOST_TEST(pruned_some > 30);  // pruning was tested on plans it changed
}

BOOST_AUTO_TEST_SUITE_END()
