// The router is shared by every stack: whatever routes and containers the
// stacks have written to the store, the configuration built from them must
// pass validation (and so nginx -t), or one stack could stop every other
// stack's router updates. Property over generated store contents, from a
// fixed seed, including states no current quarry writes (two stacks on one
// domain, hand-edited names and addresses).
#include <boost/test/unit_test.hpp>

#include <random>
#include <set>

#include "cli/router_sync.h"
#include "router/nginx_render.h"

using namespace quarry;

namespace {

std::string pick(std::mt19937& rng, const std::vector<std::string>& from) { return from[rng() % from.size()]; }

struct StoreContents {
  std::vector<ServerRecord> servers;
  std::map<std::string, RouteList> routes;
  std::map<std::string, std::vector<ContainerRecord>> containers;
};

StoreContents generate(std::mt19937& rng, bool only_accepted) {
  const std::vector<std::string> stacks = {"a", "a-b", "b", "shop", "blog"};
  const std::vector<std::string> bad_stacks = {"A", "a_b", "-x", ""};
  const std::vector<std::string> nodes = {"web", "b-c", "c", "api"};
  const std::vector<std::string> domains = {"a.test", "b.test", "shop.test", "www.shop.test", "x.y.test"};
  const std::vector<std::string> bad_domains = {"A.test", "a..test", "x;y", "-a.test", ""};
  const std::vector<std::string> ips = {"10.0.0.1", "10.0.0.2", "192.168.5.7"};
  const std::vector<std::string> bad_ips = {"10.0.0.256", "", "a b", "1.2.3"};
  StoreContents c;
  for (std::size_t i = 0; i < 3; ++i) {
    ServerRecord s;
    s.id = "s" + std::to_string(i);
    s.ip = (!only_accepted && rng() % 5 == 0) ? pick(rng, bad_ips) : pick(rng, ips);
    c.servers.push_back(s);
  }
  std::set<std::string> taken;
  int n = 1 + static_cast<int>(rng() % 5);
  for (int k = 0; k < n; ++k) {
    auto stack = (!only_accepted && rng() % 6 == 0) ? pick(rng, bad_stacks) : pick(rng, stacks);
    auto& list = c.routes[stack];
    int m = static_cast<int>(rng() % 4);
    for (int j = 0; j < m; ++j) {
      auto d = (!only_accepted && rng() % 6 == 0) ? pick(rng, bad_domains) : pick(rng, domains);
      if (only_accepted && !taken.insert(d).second) continue;
      list.emplace_back(d, pick(rng, nodes));
    }
    for (int j = 0; j < static_cast<int>(rng() % 5); ++j) {
      ContainerRecord r;
      r.stack = stack;
      r.node = pick(rng, nodes);
      r.server = "s" + std::to_string(rng() % 4);  // s3: not in the store
      r.host_port = only_accepted ? 20000 + static_cast<int>(rng() % 100) : static_cast<int>(rng() % 70000) - 10;
      r.weight = only_accepted ? static_cast<int>(rng() % 3) : static_cast<int>(rng() % 3000) - 5;
      c.containers[stack].push_back(r);
    }
  }
  return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(router_config_from_store)

BOOST_AUTO_TEST_CASE(any_accepted_routes_give_a_valid_config) {
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    auto c = generate(rng, true);
    auto config = router_config(c.servers, c.routes, c.containers);
    auto valid = validate(config);
    BOOST_TEST_REQUIRE(valid.has_value(), "round " << round << ": " << valid.error().message);
    BOOST_TEST_REQUIRE(render_nginx(config).has_value());
  }
}

BOOST_AUTO_TEST_CASE(no_stored_state_makes_the_config_invalid) {
  std::mt19937 rng(11);
  for (int round = 0; round < 2000; ++round) {
    auto c = generate(rng, false);
    auto config = router_config(c.servers, c.routes, c.containers);
    auto valid = validate(config);
    BOOST_TEST_REQUIRE(valid.has_value(), "round " << round << ": " << valid.error().message);
  }
}

BOOST_AUTO_TEST_CASE(a_domain_two_stacks_claim_stays_with_one_and_the_rest_is_served) {
  std::vector<ServerRecord> servers = {ServerRecord{}};
  servers[0].id = "s1";
  servers[0].ip = "10.0.0.1";
  std::map<std::string, RouteList> routes = {{"a", {{"shop.test", "web"}, {"a.test", "web"}}},
                                             {"b", {{"shop.test", "web"}, {"b.test", "web"}}}};
  auto config = router_config(servers, routes, {});
  BOOST_REQUIRE(validate(config).has_value());
  BOOST_REQUIRE(config.routes.size() == 2u);
  BOOST_TEST(config.routes[0].domains == (std::vector<std::string>{"shop.test", "a.test"}));
  BOOST_TEST(config.routes[1].domains == (std::vector<std::string>{"b.test"}));
}

BOOST_AUTO_TEST_SUITE_END()
