#include <boost/test/unit_test.hpp>

#include "compiler/dependency_order.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(dependency_order_suite)

BOOST_AUTO_TEST_CASE(dependencies_first_then_manifest_order) {
  std::vector<DependencyNode> nodes{
      {"web", {"api", "cache"}}, {"api", {"db"}}, {"worker", {}}, {"db", {}}, {"cache", {"nowhere"}}};
  std::vector<std::size_t> expected{2, 3, 1, 4, 0};  // worker, db, api, cache, web
  auto order = dependency_order(nodes);
  BOOST_TEST(order == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cycles_are_named_from_their_earliest_member) {
  std::vector<DependencyNode> nodes{{"a", {}},         {"web", {"api"}}, {"api", {"web"}},
                                    {"x", {"y"}},      {"y", {"z"}},     {"z", {"x", "z"}}};
  auto cycles = dependency_cycles(nodes);
  BOOST_TEST_REQUIRE(cycles.size() == 3u);
  BOOST_TEST(cycles[0] == (std::vector<std::string>{"web", "api", "web"}), boost::test_tools::per_element());
  BOOST_TEST(cycles[1] == (std::vector<std::string>{"x", "y", "z", "x"}), boost::test_tools::per_element());
  BOOST_TEST(cycles[2] == (std::vector<std::string>{"z", "z"}), boost::test_tools::per_element());
  auto order = dependency_order(nodes);
  BOOST_TEST(order.size() == nodes.size());  // cyclic members still appear once
}

BOOST_AUTO_TEST_CASE(no_cycles_in_a_dag) {
  std::vector<DependencyNode> nodes{{"a", {"b", "c"}}, {"b", {"c"}}, {"c", {}}};
  BOOST_TEST(dependency_cycles(nodes).empty());
}

BOOST_AUTO_TEST_SUITE_END()
