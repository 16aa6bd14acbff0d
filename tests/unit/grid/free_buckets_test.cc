#include <boost/test/unit_test.hpp>

#include <random>
#include <set>
#include <tuple>

#include "grid/free_buckets.h"

using namespace quarry;
using Verdict = FreeBuckets::Verdict;

BOOST_AUTO_TEST_SUITE(free_buckets)

// Every query against a brute-force scan of the same blocks, through
// thousands of random inserts and erases, with some blocks to avoid. Free
// memory spans several bitmap words and summary groups.
BOOST_AUTO_TEST_CASE(matches_a_scan) {
  for (unsigned seed : {1u, 2u, 3u, 4u}) {
    std::mt19937 rng(seed);
    FreeBuckets index;
    std::vector<std::optional<Resources>> free_of(300);
    std::int64_t spread = seed % 2 ? 200 : 20000;
    for (int step = 0; step < 5000; ++step) {
      std::uint32_t slot = rng() % 300;
      if (free_of[slot]) {
        index.erase(slot);
        free_of[slot].reset();
      } else {
        free_of[slot] = Resources{std::int64_t(rng() % spread), std::int64_t(rng() % 8 * 100)};
        index.insert(slot, *free_of[slot]);
      }
      std::size_t live = 0;
      for (const auto& f : free_of) live += f.has_value();
      BOOST_REQUIRE_EQUAL(index.size(), live);
      Resources need{std::int64_t(rng() % spread), std::int64_t(rng() % 8 * 100)};
      auto avoided = [&](std::uint32_t s) { return int(s % 5) == step % 5; };
      auto judge = [&](std::uint32_t s) { return avoided(s) ? Verdict::Fallback : Verdict::Take; };
      // The expected answer as (avoided, free memory): blocks of equal free
      // memory are equally good.
      using Key = std::tuple<bool, std::int64_t>;
      std::optional<Key> tight, loose;
      for (std::uint32_t s = 0; s < free_of.size(); ++s) {
        if (!free_of[s] || !free_of[s]->holds(need)) continue;
        Key k{avoided(s), free_of[s]->memory_mb};
        Key neg{avoided(s), -free_of[s]->memory_mb};
        if (!tight || k < *tight) tight = k;
        if (!loose || neg < *loose) loose = neg;
      }
      auto as_key = [&](std::optional<std::uint32_t> s, int sign) -> std::optional<Key> {
        if (!s) return std::nullopt;
        BOOST_REQUIRE(free_of[*s] && free_of[*s]->holds(need));
        return Key{avoided(*s), sign * free_of[*s]->memory_mb};
      };
      BOOST_REQUIRE_MESSAGE(as_key(index.tightest(need, judge), 1) == tight, "seed " << seed << " step " << step);
      BOOST_REQUIRE_MESSAGE(as_key(index.loosest(need, judge), -1) == loose, "seed " << seed << " step " << step);
    }
  }
}

BOOST_AUTO_TEST_CASE(skip_passes_over_and_fallback_is_the_first_marked) {
  FreeBuckets index;
  index.insert(1, {100, 10});
  index.insert(2, {200, 10});
  index.insert(3, {300, 10});
  auto only = [](std::uint32_t want) {
    return [want](std::uint32_t s) { return s == want ? Verdict::Take : s == 2 ? Verdict::Fallback : Verdict::Skip; };
  };
  BOOST_TEST((index.tightest({50, 0}, only(3)) == std::optional<std::uint32_t>(3)));
  BOOST_TEST((index.tightest({250, 0}, only(1)) == std::optional<std::uint32_t>()));
  BOOST_TEST((index.tightest({50, 0}, only(9)) == std::optional<std::uint32_t>(2)));
  BOOST_TEST((index.loosest({50, 0}, only(1)) == std::optional<std::uint32_t>(1)));
}

BOOST_AUTO_TEST_CASE(memory_above_the_last_bucket_still_fits_by_value) {
  FreeBuckets index;
  auto take = [](std::uint32_t) { return Verdict::Take; };
  index.insert(1, {FreeBuckets::kMaxKey + 10, 0});
  index.insert(2, {FreeBuckets::kMaxKey + 500, 0});
  BOOST_TEST((index.tightest({FreeBuckets::kMaxKey + 100, 0}, take) == std::optional<std::uint32_t>(2)));
  BOOST_TEST(!index.tightest({FreeBuckets::kMaxKey + 501, 0}, take));
  BOOST_TEST(index.loosest({1, 0}, take).has_value());
  index.erase(1);
  index.erase(1);  // erasing a missing slot changes nothing
  BOOST_TEST(index.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
