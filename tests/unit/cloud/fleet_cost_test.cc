#include <boost/test/unit_test.hpp>

#include "cloud/fleet_cost.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(fleet_cost)

const std::vector<SizePrice> kPrices = {
    {"s-1vcpu-1gb", 1024, 1, 5}, {"s-2vcpu-2gb", 2048, 2, 18}, {"s-2vcpu-4gb", 4096, 2, 24}, {"x-free", 4096, 4, 0}};

BOOST_AUTO_TEST_CASE(prices_by_slug_else_the_cheapest_that_fits) {
  BOOST_TEST(*monthly_price(kPrices, "s-2vcpu-4gb", 0, 0) == 24.0);
  BOOST_TEST(*monthly_price(kPrices, "", 2048, 2) == 18.0);
  BOOST_TEST(*monthly_price(kPrices, "", 1000, 1) == 5.0);
  BOOST_TEST(!monthly_price(kPrices, "", 8192, 2).has_value());
  BOOST_TEST(!monthly_price(kPrices, "x-free", 0, 0).has_value());  // no price is not free
}

BOOST_AUTO_TEST_CASE(a_change_adds_creates_and_subtracts_destroys) {
  ServerSpec a("q-ab-3", 2048, 2);
  Server gone;
  gone.id = "do-9";
  gone.size = "s-1vcpu-1gb";
  Server unknown;
  unknown.id = "do-10";
  unknown.memory_mb = 1 << 20;
  auto c = cost_change(kPrices, {a}, {gone, unknown});
  BOOST_TEST(c.delta_usd == 13.0);
  BOOST_TEST(!c.complete);
  std::vector<std::string> want = {"+ q-ab-3  $18.00/month", "- do-9  $5.00/month", "- do-10  price unknown"};
  BOOST_TEST(c.lines == want, boost::test_tools::per_element());
  BOOST_TEST(format_usd(-3.5) == "-$3.50");
}

BOOST_AUTO_TEST_SUITE_END()
