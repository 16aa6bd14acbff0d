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

// One golden file per role and family: a member and the router, IPv4 and
// IPv6, on a host where docker made DOCKER-USER. The peer list mixes both
// families, duplicates and a network with host bits set.
struct Role {
  const char* file;
  bool router;
  IpFamily family;
};

BOOST_AUTO_TEST_CASE(roles_match_golden) {
  const Role roles[] = {{"member_ipv4.rules", false, IpFamily::V4},
                        {"member_ipv6.rules", false, IpFamily::V6},
                        {"router_ipv4.rules", true, IpFamily::V4},
                        {"router_ipv6.rules", true, IpFamily::V6}};
  for (const auto& role : roles) {
    BOOST_TEST_CONTEXT(role.file) {
      LocknetPlan plan;
      plan.peers = {"10.0.0.7", "10.0.0.5", "fd00::6", "10.0.0.5", "10.0.1.9/24", "FD00:0:0:1::1/64"};
      plan.router = role.router;
      plan.family = role.family;
      LocknetState docker_host;
      docker_host.docker_user = true;
      auto r = render_locknet(plan, docker_host);
      BOOST_REQUIRE(r.has_value());
      BOOST_TEST(*r == golden(role.file, *r));
    }
  }
}

BOOST_AUTO_TEST_CASE(without_docker_only_the_input_chain_is_written) {
  LocknetPlan plan;
  plan.peers = {"10.0.0.5", "10.0.0.6"};
  plan.router = true;
  plan.public_ports = {2222, 22};
  plan.allow_ping = false;
  plan.chain = "QUARRY-TEST";
  auto r = render_locknet(plan);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(*r == golden("router_no_docker.rules", *r));
}

BOOST_AUTO_TEST_CASE(jumps_are_brought_to_one) {
  LocknetPlan plan;
  LocknetState st;
  st.jumps = 3;
  st.docker_user = true;
  st.docker_jumps = 1;
  auto r = render_locknet(plan, st).value();
  BOOST_TEST(r.find("-I INPUT") == std::string::npos);
  BOOST_TEST(r.find("-I DOCKER-USER") == std::string::npos);
  BOOST_TEST(r.ends_with("-D INPUT -j QUARRY-LOCKNET\n-D INPUT -j QUARRY-LOCKNET\nCOMMIT\n"));
  // Docker's own chain is never declared (that would flush it).
  BOOST_TEST(r.find(":DOCKER-USER") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(rendered_rules_are_what_iptables_prints_back) {
  LocknetPlan plan;
  plan.peers = {"10.0.0.5"};
  auto rules = render_rules(plan).value();
  // iptables -S of a host locked with that plan (and docker running).
  std::string listing = "-P INPUT ACCEPT\n-N DOCKER-USER\n-N QUARRY-DOCKER\n-N QUARRY-LOCKNET\n"
                        "-A INPUT -j QUARRY-LOCKNET\n-A DOCKER-USER -j QUARRY-DOCKER\n-A DOCKER-USER -j RETURN\n";
  for (const auto& l : rules.docker) listing += l + "\n";
  for (const auto& l : rules.input) listing += l + "\n";
  auto st = parse_locknet_state(listing, plan);
  BOOST_TEST(rules_match(rules, st));
  // A flushed chain, a missing jump, a second jump or a foreign rule is drift.
  const std::vector<std::pair<std::string, std::string>> drifts = {
      {"-A QUARRY-LOCKNET -s 10.0.0.5/32 -j ACCEPT\n", ""},
      {"-A INPUT -j QUARRY-LOCKNET\n", ""},
      {"-A INPUT -j QUARRY-LOCKNET\n", "-A INPUT -j QUARRY-LOCKNET\n-A INPUT -j QUARRY-LOCKNET\n"},
      {"-A DOCKER-USER -j QUARRY-DOCKER\n", ""},
      {"-A QUARRY-DOCKER -j DROP\n", "-A QUARRY-DOCKER -s 10.9.9.9/32 -j RETURN\n-A QUARRY-DOCKER -j DROP\n"},
  };
  for (const auto& [from, to] : drifts) {
    BOOST_TEST_CONTEXT(from << " -> " << to) {
      auto changed = listing;
      changed.replace(changed.find(from), from.size(), to);
      BOOST_TEST(!rules_match(rules, parse_locknet_state(changed, plan)));
    }
  }
}

BOOST_AUTO_TEST_CASE(unlock_deletes_jumps_then_chains) {
  LocknetState st;
  st.jumps = 2;
  st.chain_exists = true;
  st.docker_jumps = 1;
  st.docker_chain_exists = true;
  BOOST_TEST(render_unlock({}, st).value() ==
             "*filter\n-D INPUT -j QUARRY-LOCKNET\n-D INPUT -j QUARRY-LOCKNET\n-D DOCKER-USER -j QUARRY-DOCKER\n"
             "-F QUARRY-LOCKNET\n-X QUARRY-LOCKNET\n-F QUARRY-DOCKER\n-X QUARRY-DOCKER\nCOMMIT\n");
  BOOST_TEST(render_unlock({}, LocknetState{}).value() == "*filter\nCOMMIT\n");
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
      {"v6 prefix", [](LocknetPlan& p) { p.peers = {"fd00::/129"}; }, "locknet: invalid peer address 'fd00::/129'"},
      {"v6 zone", [](LocknetPlan& p) { p.peers = {"fe80::1%eth0"}; }, "locknet: invalid peer address 'fe80::1%eth0'"},
      {"same chains", [](LocknetPlan& p) { p.docker_chain = p.chain; }, "locknet: the two chains need different names"},
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

BOOST_AUTO_TEST_CASE(ipv6_networks_and_canonical_forms) {
  for (const char* good : {"::1", "fd00::5", "fd00::/64", "2001:db8::1/128", "::/0"})
    BOOST_TEST_CONTEXT(good) { BOOST_TEST(is_ipv6_network(good)); }
  for (const char* bad : {"", "fd00::/", "fd00::/129", "10.0.0.1", "::ffff:10.0.0.1", "fd00::1 -j ACCEPT", "g::1"})
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!is_ipv6_network(bad)); }
  BOOST_TEST(canonical_network("10.0.1.9/24", IpFamily::V4).value() == "10.0.1.0/24");
  BOOST_TEST(canonical_network("10.0.0.1", IpFamily::V4).value() == "10.0.0.1/32");
  BOOST_TEST(canonical_network("FD00:0:0:1::1/64", IpFamily::V6).value() == "fd00:0:0:1::/64");
  BOOST_TEST(canonical_network("fd00::5", IpFamily::V6).value() == "fd00::5/128");
  BOOST_TEST(!canonical_network("fd00::5", IpFamily::V4).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
