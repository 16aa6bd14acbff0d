// Repack against published instances with proven optima (OR-Library, see
// shared/binpack/SOURCE.md): a few small ones, placed online in file order
// and shuffled, then one repack with the grid's default settings.
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "bench/grid/binpack.h"

using namespace quarry;

namespace {

std::string binpack_dir() {
  if (const char* dir = std::getenv("QUARRY_BINPACK_DIR")) return dir;
  const char* src = std::getenv("QUARRY_SOURCE_DIR");
  return src ? std::string(src) + "/../shared/binpack" : "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(binpack_instances)

BOOST_AUTO_TEST_CASE(repack_closes_most_of_the_gap_to_the_optimum) {
  auto dir = binpack_dir();
  BOOST_REQUIRE_MESSAGE(!dir.empty(), "set QUARRY_SOURCE_DIR (ctest does) or QUARRY_BINPACK_DIR to find shared/binpack");
  auto all = binpack::load(dir);
  BOOST_REQUIRE_MESSAGE(all.has_value(), (all ? "" : all.error().message));
  std::size_t optimum = 0, online = 0, repacked = 0, moves = 0, items = 0;
  for (const auto& inst : *all) {
    bool pick = inst.name <= "u120_04" && inst.name >= "u120_00";
    pick = pick || (inst.name >= "t60_00" && inst.name <= "t60_02");
    if (!pick) continue;
    for (bool shuffled : {false, true}) {
      auto order = shuffled ? binpack::shuffled_order(inst, 1) : binpack::file_order(inst);
      auto out = binpack::grid_pack(inst, order);
      BOOST_REQUIRE_MESSAGE(out.has_value(), (out ? "" : out.error().message));
      BOOST_TEST_CONTEXT(inst.name << (shuffled ? " shuffled" : " in file order")) {
        BOOST_TEST(out->onto_empty == 0u);
        BOOST_TEST(out->repacked <= out->online);
        BOOST_TEST(out->repacked >= inst.optimum);
        BOOST_TEST(out->moves <= inst.sizes.size());
        if (binpack::class_of(inst) == "t60") BOOST_TEST(out->repacked <= inst.optimum + 1);  // the aim
      }
      optimum += inst.optimum;
      online += out->online;
      repacked += out->repacked;
      moves += out->moves;
      items += inst.sizes.size();
    }
  }
  BOOST_TEST_MESSAGE("optimum " << optimum << ", online " << online << ", repacked " << repacked << ", moves " << moves);
  BOOST_TEST(repacked < online);
  // A regression guard at today's figure (1.3% over on these few; 1.7%
  // before a rebuild's first round could win); the aim over all
  // u-instances is 1%.
  BOOST_TEST(double(repacked) <= double(optimum) * 1.015);
  // Bounded: rearranging triplets moves about one item in four.
  BOOST_TEST(moves <= items / 3);
}

BOOST_AUTO_TEST_CASE(a_missing_directory_fails_clearly) {
  auto all = binpack::load("/nonexistent/binpack");
  BOOST_REQUIRE(!all.has_value());
  BOOST_TEST(all.error().message ==
             "/nonexistent/binpack/binpack1.txt: cannot open (the OR-Library instances live in shared/binpack)");
}

BOOST_AUTO_TEST_SUITE_END()
