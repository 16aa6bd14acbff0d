#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <functional>

#include "core/file_io.h"
#include "locknet/iptables_render.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(iptables_render)

namespace {

std::string golden(const std::string& name, const std::string& actual) {
  const char* src = std::getenv("QUARRY_SOURCE_DIR");
  std::string here = __FILE__;
  std::string dir = (src && *src) ? std::string(src) + "/tests/unit/locknet/golden"
                                  : here.substr(0, here.rfind('/')) + "/golden";
  const char* update = std::getenv("QUARRY_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") (void)write_file_atomic(dir + "/" + name, actual);
  auto content = read_file(dir + "/" + name);
  return content ? *content : "missing golden file: " + content.error().message;
}

}  // namespace

BOOST_AUTO_TEST_CASE(app_server_matches_golden) {
  LocknetPlan plan;
  plan.peers = {"10.0.0.7", "10.0.0.5", "10.0.0.6", "10.0.0.5", "10.0.1.0/24"};
  auto r = render_locknet(plan, 0);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(*r == golden("app_server.rules", *r));
}

BOOST_AUTO_TEST_CASE(router_matches_golden) {
  LocknetPlan plan;
  plan.peers = {"10.0.0.5", "10.0.0.6"};
  plan.router = true;
  plan.public_ports = {2222, 22};
  plan.allow_ping = false;
  plan.chain = "QUARRY-TEST";
  auto r = render_locknet(plan);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(*r == golden("router.rules", *r));
}

BOOST_AUTO_TEST_CASE(unlock_deletes_jumps_then_chain) {
  BOOST_TEST(render_unlock("QUARRY-LOCKNET", 2, true).value() ==
             "*filter\n-D INPUT -j QUARRY-LOCKNET\n-D INPUT -j QUARRY-LOCKNET\n"
             "-F QUARRY-LOCKNET\n-X QUARRY-LOCKNET\nCOMMIT\n");
  BOOST_TEST(render_unlock("QUARRY-LOCKNET", 0, false).value() == "*filter\nCOMMIT\n");
}

struct BadPlan {
  const char* what;
  std::function<void(LocknetPlan&)> edit;
  const char* message;
};

BOOST_AUTO_TEST_CASE(invalid_plans_are_rejected) {
  const BadPlan cases[] = {
      {"host name peer", [](LocknetPlan& p) { p.peers = {"db.example.com"}; }, "locknet: invalid peer address 'db.example.com'"},
      {"octet", [](LocknetPlan& p) { p.peers = {"10.0.0.300"}; }, "locknet: invalid peer address '10.0.0.300'"},
      {"prefix", [](LocknetPlan& p) { p.peers = {"10.0.0.0/33"}; }, "locknet: invalid peer address '10.0.0.0/33'"},
      {"empty prefix", [](LocknetPlan& p) { p.peers = {"10.0.0.0/"}; }, "locknet: invalid peer address '10.0.0.0/'"},
      {"injected option", [](LocknetPlan& p) { p.peers = {"10.0.0.1 -j ACCEPT"}; }, "locknet: invalid peer address '10.0.0.1 -j ACCEPT'"},
      {"newline", [](LocknetPlan& p) { p.peers = {"10.0.0.1\n-F INPUT"}; }, "locknet: invalid peer address '10.0.0.1\n-F INPUT'"},
      {"port", [](LocknetPlan& p) { p.public_ports = {0}; }, "locknet: public port 0 out of range"},
      {"router port", [](LocknetPlan& p) { p.router_ports = {70000}; }, "locknet: router port 70000 out of range"},
      {"chain", [](LocknetPlan& p) { p.chain = "INPUT -j ACCEPT"; }, "locknet: invalid chain name 'INPUT -j ACCEPT'"},
      {"long chain", [](LocknetPlan& p) { p.chain = std::string(29, 'A'); }, "locknet: invalid chain name 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAA'"},
  };
  for (const auto& bad : cases) {
    BOOST_TEST_CONTEXT("case: " << bad.what) {
      LocknetPlan plan;
      bad.edit(plan);
      auto r = render_locknet(plan);
      BOOST_REQUIRE(!r.has_value());
      BOOST_TEST(r.error().message == bad.message);
    }
  }
}

BOOST_AUTO_TEST_CASE(ipv4_networks) {
  for (const char* good : {"10.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "192.168.1.1/32"})
    BOOST_TEST_CONTEXT(good) { BOOST_TEST(is_ipv4_network(good)); }
  for (const char* bad : {"", "10.0.0", "10.0.0.1/", "10.0.0.1/08", "10.0.0.1/-1", "10.0.0.1/32/1", "::1"})
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!is_ipv4_network(bad)); }
}

BOOST_AUTO_TEST_SUITE_END()
