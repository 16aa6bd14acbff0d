#include <boost/test/unit_test.hpp>

#include "router/route_table.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(route_table)

BOOST_AUTO_TEST_CASE(ipv4_dotted_quads) {
  for (const char* good : {"0.0.0.0", "10.0.0.1", "255.255.255.255", "127.0.0.1"})
    BOOST_TEST_CONTEXT(good) { BOOST_TEST(is_ipv4(good)); }
  for (const char* bad : {"", "10.0.0", "10.0.0.1.2", "10.0.0.256", "010.0.0.1", "10.0.0.-1", "a.b.c.d",
                          "10.0.0.1/32", " 10.0.0.1", "1..2.3"})
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!is_ipv4(bad)); }
}

BOOST_AUTO_TEST_CASE(upstream_names_join_stack_and_node) {
  BOOST_TEST(upstream_name({"blog", "web", {}, {}}) == "blog_web");
  BOOST_TEST(upstream_name({"my-shop", "admin-ui", {}, {}}) == "my-shop_admin-ui");
  // Once '-' became '_': "a--b"/"c" and "a"/"b--c" shared an upstream.
  BOOST_TEST(upstream_name({"a--b", "c", {}, {}}) != upstream_name({"a", "b--c", {}, {}}));
}

BOOST_AUTO_TEST_CASE(default_config_is_valid) {
  BOOST_TEST(validate(RouterConfig{}).has_value());
}

BOOST_AUTO_TEST_CASE(host_name_upstreams_are_accepted) {
  RouterConfig c;
  c.routes.push_back({"blog", "web", {"blog.example.org"}, {{"s1.cluster.internal", 8080}}});
  BOOST_TEST(validate(c).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
