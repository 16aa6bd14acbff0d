#include <boost/test/unit_test.hpp>

#include <map>
#include <random>
#include <set>

#include "grid/replica_blocks.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(replica_blocks)

BOOST_AUTO_TEST_CASE(counts_replicas_per_block_and_forgets_a_block_at_zero) {
  ReplicaBlocks r;
  r.add(7);
  r.add(7);
  r.add(3);
  BOOST_TEST(r.count(7) == 2u);
  BOOST_TEST(r.blocks().size() == 2u);
  r.remove(7);
  BOOST_TEST(r.count(7) == 1u);
  r.remove(7);
  BOOST_TEST(r.count(7) == 0u);
  BOOST_TEST((std::set<std::uint32_t>(r.blocks().begin(), r.blocks().end()) == std::set<std::uint32_t>{3}));
  r.remove(9);  // holds none: nothing happens
  BOOST_TEST(r.blocks().size() == 1u);
}

// Random adds and removes across the inline limit and back, against a map.
BOOST_AUTO_TEST_CASE(matches_a_map_through_spills_and_clears) {
  std::mt19937 rng(3);
  ReplicaBlocks r;
  std::map<std::uint32_t, std::uint32_t> want;
  for (int step = 0; step < 20000; ++step) {
    auto b = std::uint32_t(rng() % 12);
    auto op = rng() % 100;
    if (op < 55) {
      r.add(b);
      ++want[b];
    } else if (op < 99) {
      r.remove(b);
      if (want.count(b) && --want[b] == 0) want.erase(b);
    } else {
      r.clear();
      want.clear();
    }
    std::map<std::uint32_t, std::uint32_t> got;
    for (auto x : r.blocks()) got[x] = r.count(x);
    BOOST_TEST_CONTEXT("step " << step) {
      BOOST_REQUIRE(got == want);
      BOOST_REQUIRE(r.blocks().size() == want.size());  // no block listed twice
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
