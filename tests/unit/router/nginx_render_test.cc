#include <boost/test/unit_test.hpp>

#include <functional>

#include "router/nginx_render.h"
#include "tests/unit/router/golden.h"

using namespace quarry;
using quarry::testing::golden;

BOOST_AUTO_TEST_SUITE(nginx_render)

namespace {

RouterConfig basic_config() {
  RouterConfig c;
  // Listed out of order on purpose: the output is sorted.
  c.routes.push_back({"shop", "web", {"shop.example.com"}, {{"10.0.0.7", 32001, 3}, {"10.0.0.6", 32000, 1}}});
  c.routes.push_back({"blog", "web",
                      {"www.blog.example.org", "blog.example.org"},
                      {{"10.0.0.6", 31002}, {"10.0.0.5", 31001}, {"10.0.0.7", 31003}}});
  return c;
}

RouterConfig tls_config() {
  RouterConfig c;
  c.routes.push_back({"blog", "web", {"blog.example.org"}, {{"10.0.0.5", 31001}}});
  c.routes.push_back({"blog", "admin-ui", {"admin.blog.example.org"}, {}});
  c.tls["blog.example.org"] = {"/etc/quarry/tls/blog.example.org/fullchain.pem",
                               "/etc/quarry/tls/blog.example.org/privkey.pem"};
  c.https_redirect = true;
  c.listen_address = "127.0.0.1";
  c.listen_port = 8080;
  c.tls_port = 8443;
  c.max_body_mb = 10;
  c.user = "www-data";
  return c;
}

void check_golden(const std::string& name, const RouterConfig& config, const std::vector<std::string>& files) {
  auto r = render_nginx(config);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
  std::vector<std::string> names;
  for (const auto& [file, content] : r->files) names.push_back(file);
  BOOST_TEST(names == files, boost::test_tools::per_element());
  for (const auto& [file, content] : r->files) {
    BOOST_TEST_CONTEXT("case " << name << ", file " << file) {
      BOOST_TEST(content == golden(name + "/" + file, content));
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(basic_routes_match_golden) {
  check_golden("basic", basic_config(),
               {"conf.d/00-default.conf", "conf.d/blog_web.conf", "conf.d/shop_web.conf", "nginx.conf"});
}

BOOST_AUTO_TEST_CASE(tls_redirect_and_empty_route_match_golden) {
  check_golden("tls", tls_config(),
               {"conf.d/00-default.conf", "conf.d/blog_admin-ui.conf", "conf.d/blog_web.conf", "nginx.conf"});
}

BOOST_AUTO_TEST_CASE(no_routes_is_the_404_server_only) {
  check_golden("empty", RouterConfig{}, {"conf.d/00-default.conf", "nginx.conf"});
}

BOOST_AUTO_TEST_CASE(generation_follows_content_not_order) {
  auto a = basic_config();
  auto b = basic_config();
  std::swap(b.routes[0], b.routes[1]);
  std::swap(b.routes[0].upstreams[0], b.routes[0].upstreams[2]);
  auto ra = render_nginx(a), rb = render_nginx(b);
  BOOST_REQUIRE(ra && rb);
  BOOST_TEST(ra->generation == rb->generation);
  BOOST_TEST(ra->generation.size() == 12u);
  b.routes[1].upstreams[0].weight = 2;
  BOOST_TEST(render_nginx(b)->generation != ra->generation);
}

struct BadCase {
  const char* what;
  std::function<void(RouterConfig&)> edit;
  const char* message;
};

BOOST_AUTO_TEST_CASE(invalid_configs_are_rejected) {
  const BadCase cases[] = {
      {"domain with a space", [](RouterConfig& c) { c.routes[0].domains[0] = "shop example.com"; },
       "router config: route shop/web: invalid domain 'shop example.com'"},
      {"domain injecting a directive", [](RouterConfig& c) { c.routes[0].domains[0] = "a.com; return 200"; },
       "router config: route shop/web: invalid domain 'a.com; return 200'"},
      {"upper-case domain", [](RouterConfig& c) { c.routes[0].domains[0] = "Shop.example.com"; },
       "router config: route shop/web: invalid domain 'Shop.example.com'"},
      {"domain routed twice", [](RouterConfig& c) { c.routes[1].domains.push_back("shop.example.com"); },
       "router config: route blog/web: domain shop.example.com is routed twice"},
      {"stack name", [](RouterConfig& c) { c.routes[0].stack = "shop;"; },
       "router config: route shop;/web: invalid stack name 'shop;'"},
      {"node name", [](RouterConfig& c) { c.routes[0].node = "-web"; },
       "router config: route shop/-web: invalid node name '-web'"},
      {"colliding upstream names", [](RouterConfig& c) { c.routes.push_back({"shop", "web", {"x.com"}, {}}); },
       "router config: route shop/web: two routes share the name shop_web"},
      {"no domains", [](RouterConfig& c) { c.routes[0].domains.clear(); },
       "router config: route shop/web: no domains"},
      {"upstream address", [](RouterConfig& c) { c.routes[0].upstreams[0].address = "10.0.0.1 backup"; },
       "router config: route shop/web: invalid upstream address '10.0.0.1 backup'"},
      {"upstream octet", [](RouterConfig& c) { c.routes[0].upstreams[0].address = "10.0.0.256"; },
       "router config: route shop/web: invalid upstream address '10.0.0.256'"},
      {"upstream port", [](RouterConfig& c) { c.routes[0].upstreams[0].port = 0; },
       "router config: route shop/web: upstream 10.0.0.7:0: port out of range"},
      {"weight", [](RouterConfig& c) { c.routes[0].upstreams[0].weight = 0; },
       "router config: route shop/web: upstream 10.0.0.7:32001: weight 0 not in 1..1000"},
      {"tls for an unrouted domain", [](RouterConfig& c) { c.tls["other.com"] = {"/a.pem", "/b.pem"}; },
       "router config: tls: domain 'other.com' is not routed"},
      {"tls path", [](RouterConfig& c) { c.tls["shop.example.com"] = {"/a.pem;", "/b.pem"}; },
       "router config: tls shop.example.com: invalid certificate path '/a.pem;'"},
      {"tls relative key", [](RouterConfig& c) { c.tls["shop.example.com"] = {"/a.pem", "../b.pem"}; },
       "router config: tls shop.example.com: invalid key path '../b.pem'"},
      {"listen address", [](RouterConfig& c) { c.listen_address = "localhost"; },
       "router config: router: invalid listen address 'localhost'"},
      {"tls port equals http port", [](RouterConfig& c) { c.tls_port = c.listen_port; },
       "router config: router: invalid tls port"},
      {"body size", [](RouterConfig& c) { c.max_body_mb = 0; },
       "router config: router: max body size not in 1..100000 MB"},
  };
  for (const auto& bad : cases) {
    BOOST_TEST_CONTEXT("case: " << bad.what) {
      auto c = basic_config();
      bad.edit(c);
      auto r = render_nginx(c);
      BOOST_REQUIRE(!r.has_value());
      BOOST_TEST(r.error().message == bad.message);
      BOOST_TEST(r.error().exit_code() == 1);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
