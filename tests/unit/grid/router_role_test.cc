// The router server (role=router) takes stack containers only when no other
// block fits (without joining a replica of the same node), or never when the
// grid's setting says so.
#include <boost/test/unit_test.hpp>

#include "grid/best_fit_policy.h"
#include "grid/grid.h"
#include "grid/spread_policy.h"
#include "grid_test_util.h"

using namespace quarry;
using namespace quarry::test;

namespace {

const Tags kRouter{{"role", "router"}};

Grid make(RouterUse use, bool spread = false) {
  GridOptions options;
  options.router = use;
  std::unique_ptr<PlacementPolicy> policy;
  if (spread) policy = std::make_unique<SpreadPolicy>();
  else policy = std::make_unique<BestFitPolicy>();
  return Grid(options, std::move(policy));
}

std::string where(Grid& g, const Slice& s) {
  auto placed = g.add_slice(s);
  BOOST_REQUIRE(placed.has_value());
  return placed->block.value_or("pending");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(router_role)

// The case that filled a 512 MB router with a 512 MB database while the
// other servers sat nearly empty: best-fit alone would take the router.
BOOST_AUTO_TEST_CASE(other_servers_first_even_when_the_router_fits_tighter) {
  for (bool spread : {false, true}) {
    auto g = make(RouterUse::LastResort, spread);
    BOOST_REQUIRE(g.add_block(block("r1", 512, 1000, kRouter)).has_value());
    BOOST_REQUIRE(g.add_block(block("s1", 2048, 2000)).has_value());
    BOOST_REQUIRE(g.add_block(block("s2", 2048, 2000)).has_value());
    BOOST_TEST(where(g, node("shop/web/0", 512, 100)) != "r1");
    BOOST_TEST(where(g, node("shop/db/0", 512, 100)) != "r1");
    BOOST_TEST(g.block("r1")->used.is_zero());
  }
}

BOOST_AUTO_TEST_CASE(the_router_is_the_last_resort) {
  auto g = make(RouterUse::LastResort);
  BOOST_REQUIRE(g.add_block(block("r1", 1024, 1000, kRouter)).has_value());
  BOOST_REQUIRE(g.add_block(block("s1", 1024, 1000)).has_value());
  BOOST_TEST(where(g, node("shop/db/0", 768, 100)) == "s1");
  BOOST_TEST(where(g, node("shop/web/0", 512, 100)) == "r1");  // s1 has 256 MB left
  BOOST_TEST(where(g, node("shop/web/1", 256, 100)) == "s1");
}

// Keeping replicas apart comes first: the router rather than a server that
// already runs a replica of the same node.
BOOST_AUTO_TEST_CASE(anti_affinity_before_sparing_the_router) {
  auto g = make(RouterUse::LastResort);
  BOOST_REQUIRE(g.add_block(block("r1", 4096, 4000, kRouter)).has_value());
  BOOST_REQUIRE(g.add_block(block("s1", 4096, 4000)).has_value());
  BOOST_TEST(where(g, node("shop/web/0", 512, 100)) == "s1");
  BOOST_TEST(where(g, node("shop/web/1", 512, 100)) == "r1");
  auto never = make(RouterUse::Never);
  BOOST_REQUIRE(never.add_block(block("r1", 4096, 4000, kRouter)).has_value());
  BOOST_REQUIRE(never.add_block(block("s1", 4096, 4000)).has_value());
  BOOST_TEST(where(never, node("shop/web/0", 512, 100)) == "s1");
  BOOST_TEST(where(never, node("shop/web/1", 512, 100)) == "s1");
}

BOOST_AUTO_TEST_CASE(never_keeps_stack_containers_off_the_router) {
  auto g = make(RouterUse::Never);
  BOOST_REQUIRE(g.add_block(block("r1", 4096, 4000, kRouter)).has_value());
  BOOST_REQUIRE(g.add_block(block("s1", 1024, 1000)).has_value());
  BOOST_TEST(where(g, node("shop/db/0", 768, 100)) == "s1");
  BOOST_TEST(where(g, node("shop/web/0", 512, 100)) == "pending");
  BOOST_TEST(g.block("r1")->used.is_zero());
  // Freeing room elsewhere places the pending slice there, never on the router.
  BOOST_REQUIRE(g.remove_slice("shop/db/0").has_value());
  BOOST_TEST(g.placement("shop/web/0")->block.value_or("") == "s1");
  BOOST_TEST(g.apply_move(Move{"shop/web/0", "s1", "r1"}).error().message ==
             "move shop/web/0 from s1 to r1: r1 cannot hold it");
}

BOOST_AUTO_TEST_CASE(a_slice_that_requires_the_router_goes_there_either_way) {
  for (auto use : {RouterUse::LastResort, RouterUse::Never}) {
    auto g = make(use);
    BOOST_REQUIRE(g.add_block(block("r1", 4096, 4000, kRouter)).has_value());
    BOOST_REQUIRE(g.add_block(block("s1", 4096, 4000)).has_value());
    BOOST_TEST(where(g, node("edge/proxy/0", 512, 100, kRouter)) == "r1");
  }
}

BOOST_AUTO_TEST_CASE(the_setting_parses_by_name) {
  BOOST_TEST((parse_router_use("last-resort") == std::optional<RouterUse>(RouterUse::LastResort)));
  BOOST_TEST((parse_router_use("never") == std::optional<RouterUse>(RouterUse::Never)));
  BOOST_TEST(!parse_router_use("sometimes").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
