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

BOOST_AUTO_TEST_CASE(the_smallest_size_for_memory_and_cpu) {
  BOOST_TEST(smallest_size(kPrices, 3000, 2)->slug == "s-2vcpu-4gb");
  BOOST_TEST(smallest_size(kPrices, 0, 1)->slug == "s-1vcpu-1gb");
  BOOST_TEST(smallest_size(kPrices, 4096, 3)->slug == "x-free");  // unpriced, but the only one big enough
  BOOST_TEST(!smallest_size(kPrices, 8192, 1).has_value());
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

BOOST_AUTO_TEST_CASE(the_plan_section_golden) {
  Server gone;
  gone.id = "do-9";
  gone.size = "s-1vcpu-1gb";
  auto c = cost_change(kPrices, {ServerSpec("", 2048, 2), ServerSpec("", 4096, 1.5)}, {gone});
  BOOST_TEST(render_cost_change(c, "servers the deploy would change:") ==
             "servers the deploy would change:\n"
             "  + new server 2048 MB, 2 cpu  $18.00/month\n"
             "  + new server 4096 MB, 1.5 cpu  $24.00/month\n"
             "  - do-9  $5.00/month\n"
             "monthly cost: +$37.00\n");
  auto j = cost_change_json(c);
  BOOST_TEST(j["monthly_delta_usd"].get<double>() == 37.0);
  BOOST_TEST(j["complete"].get<bool>());
  BOOST_TEST(j["servers"][2]["change"] == "destroy");
  BOOST_TEST(j["servers"][0]["monthly_usd"].get<double>() == 18.0);
  Server huge;
  huge.id = "do-10";
  huge.memory_mb = 1 << 20;
  auto cheaper = cost_change(kPrices, {}, {gone, huge});
  BOOST_TEST(render_cost_change(cheaper) ==
             "servers:\n"
             "  - do-9  $5.00/month\n"
             "  - do-10  price unknown\n"
             "monthly cost: -$5.00 (some prices unknown)\n");
  BOOST_TEST(cost_change_json(cheaper)["servers"][1]["monthly_usd"].is_null());
  BOOST_TEST(render_cost_change(cost_change(kPrices, {}, {})).empty());
}

BOOST_AUTO_TEST_SUITE_END()
