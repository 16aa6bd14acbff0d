#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "locknet/cluster_settings.h"
#include "locknet/locknet_keeper.h"
#include "tests/fakes/fake_shell.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(locknet_keeper)

namespace {

const std::vector<LockTarget> kSet = {{{"s1", "10.0.0.5"}, "10.0.0.5", false},
                                      {{"r1", "10.0.0.2"}, "10.0.0.2", true}};

// `iptables -S` of a host locked as `target` of `set` in `family`, docker running.
std::string listing(const LockTarget& target, const std::vector<LockTarget>& set, IpFamily family) {
  LocknetPlan plan = plan_for(target, set, {});
  plan.family = family;
  auto rules = render_rules(plan).value();
  std::string out = "-P INPUT ACCEPT\n-N QUARRY-LOCKNET\n-A INPUT -j QUARRY-LOCKNET\n";
  if (family == IpFamily::V4) out += "-N DOCKER-USER\n-N QUARRY-DOCKER\n-A DOCKER-USER -j QUARRY-DOCKER\n";
  for (const auto& l : rules.input) out += l + "\n";
  if (family == IpFamily::V4)
    for (const auto& l : rules.docker) out += l + "\n";
  return out;
}

void serve(FakeShell& shell, const LockTarget& t, const std::vector<LockTarget>& set) {
  shell.on_out("ip6tables -w 5 -t filter -S", listing(t, set, IpFamily::V6), t.endpoint.name);
  shell.on_out("iptables -w 5 -t filter -S", listing(t, set, IpFamily::V4), t.endpoint.name);
}

std::size_t restores(const FakeShell& shell, const std::string& host) {
  auto ran = shell.ran();
  return static_cast<std::size_t>(std::count_if(ran.begin(), ran.end(), [&](const auto& r) {
    return r.host == host && r.command.find("-restore") != std::string::npos;
  }));
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_locked_set_matches_and_repair_touches_nothing) {
  FakeShell shell;
  for (const auto& t : kSet) serve(shell, t, kSet);
  Locknet locknet(shell);
  LocknetKeeper keeper(locknet, {});
  auto reports = keeper.check(kSet);
  BOOST_REQUIRE(reports.size() == 2u);
  for (const auto& r : reports) {
    BOOST_TEST_CONTEXT(r.server) {
      BOOST_TEST(r.ok());
      BOOST_TEST(r.docker);
    }
  }
  auto repaired = keeper.repair(kSet);
  BOOST_REQUIRE(repaired.has_value());
  BOOST_TEST(repaired->empty());
  BOOST_TEST(restores(shell, "s1") + restores(shell, "r1") == 0u);
}

BOOST_AUTO_TEST_CASE(a_flushed_host_and_a_new_member_are_repaired) {
  FakeShell shell;
  // s1 was rebooted (nothing of quarry's is left); r1 is locked for the old
  // set, which lacks the new server n1; n1 is fresh.
  std::vector<LockTarget> grown = kSet;
  grown.push_back({{"n1", "10.0.0.9"}, "10.0.0.9", false});
  shell.on_out("iptables -w 5 -t filter -S", "-P INPUT ACCEPT\n-N DOCKER-USER\n", "s1");
  serve(shell, kSet[1], kSet);
  Locknet locknet(shell);
  LocknetKeeper k(locknet, {});
  auto before = k.check(grown);
  BOOST_TEST(!before[0].ipv4);
  BOOST_TEST(!before[1].ipv4);  // does not admit n1 yet
  BOOST_TEST(before[1].ipv6);   // no IPv6 member joined: IPv6 rules still match
  auto repaired = k.repair(grown);
  BOOST_REQUIRE(repaired.has_value());
  BOOST_TEST(repaired->size() == 3u);
  BOOST_TEST(restores(shell, "r1") == 1u);  // IPv4 only
  for (const auto& r : shell.ran()) {
    if (r.host == "r1" && r.command.starts_with("iptables-restore"))
      BOOST_TEST(r.stdin_data.find("-A QUARRY-LOCKNET -s 10.0.0.9/32 -j ACCEPT") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(an_unreachable_host_is_named_and_the_rest_repaired) {
  FakeShell shell;
  shell.unreachable("s1");
  Locknet locknet(shell);
  LocknetKeeper keeper(locknet, {});
  auto reports = keeper.check(kSet);
  BOOST_TEST(!reports[0].error.empty());
  auto r = keeper.repair(kSet);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message.find("s1: connect to 10.0.0.5 failed") != std::string::npos);
  BOOST_TEST(restores(shell, "r1") == 2u);
  BOOST_TEST(reports_json(reports).find("\"server\": \"s1\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(cluster_settings_parse_and_refuse) {
  auto d = parse_cluster_settings("{}", "etc/cluster.json").value();
  BOOST_TEST(d.locknet);
  auto s = parse_cluster_settings(R"({"locknet": "off", "admit": ["203.0.113.7", "fd00::/64"]})", "c").value();
  BOOST_TEST(!s.locknet);
  BOOST_TEST(s.admit.size() == 2u);
  BOOST_TEST(parse_cluster_settings(cluster_settings_json(s), "c").value().admit == s.admit,
             boost::test_tools::per_element());
  const std::pair<const char*, const char*> bad[] = {
      {R"({"locknet": true})", "c: locknet must be \"on\" or \"off\""},
      {R"({"admit": ["x; reboot"]})", "c: admit: \"x; reboot\" is not an IPv4 or IPv6 address or network"},
      {R"({"lockne": "on"})", "c: unknown key 'lockne' (known: admit, locknet)"},
      {"[", nullptr},
  };
  for (const auto& [text, message] : bad) {
    BOOST_TEST_CONTEXT(text) {
      auto r = parse_cluster_settings(text, "c");
      BOOST_REQUIRE(!r.has_value());
      if (message) BOOST_TEST(r.error().message == message);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
