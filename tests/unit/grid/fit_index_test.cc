#include <boost/test/unit_test.hpp>

#include <random>
#include <set>

#include "grid/fit_index.h"

using namespace quarry;
using Entry = FitIndex::Entry;

BOOST_AUTO_TEST_SUITE(fit_index)

// Every query against a brute-force scan of the same entries, through
// thousands of random inserts and erases.
BOOST_AUTO_TEST_CASE(matches_a_scan) {
  for (unsigned seed : {1u, 2u, 3u}) {
    std::mt19937 rng(seed);
    FitIndex index;
    std::set<Entry> model;
    std::vector<std::int64_t> free_of(200, -1);
    for (int step = 0; step < 4000; ++step) {
      std::uint32_t slot = rng() % 200;
      if (free_of[slot] >= 0) {
        Entry e{free_of[slot], free_of[slot] % 7 * 100, slot};
        BOOST_REQUIRE(index.erase(e));
        model.erase(e);
        free_of[slot] = -1;
      } else {
        free_of[slot] = rng() % 64;
        Entry e{free_of[slot], free_of[slot] % 7 * 100, slot};
        index.insert(e);
        model.insert(e);
      }
      BOOST_REQUIRE_EQUAL(index.size(), model.size());
      Resources need{std::int64_t(rng() % 64), std::int64_t(rng() % 7 * 100)};
      std::optional<Entry> cursor;
      if (!model.empty() && rng() % 2) cursor = *std::next(model.begin(), rng() % model.size());
      std::optional<Entry> tight, loose;
      for (const auto& e : model) {
        if (!Resources{e.memory_mb, e.cpu_millis}.holds(need)) continue;
        if (!tight && (!cursor || *cursor < e)) tight = e;
        if (!cursor || e < *cursor) loose = e;
      }
      BOOST_REQUIRE_MESSAGE(index.tightest(need, cursor) == tight, "seed " << seed << " step " << step);
      BOOST_REQUIRE_MESSAGE(index.loosest(need, cursor) == loose, "seed " << seed << " step " << step);
    }
  }
}

BOOST_AUTO_TEST_CASE(erase_of_a_missing_entry_is_false) {
  FitIndex index;
  index.insert({10, 10, 1});
  BOOST_TEST(!index.erase({10, 10, 2}));
  BOOST_TEST(index.erase({10, 10, 1}));
  BOOST_TEST(index.size() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
