#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "locknet/locknet_apply.h"
#include "tests/fakes/fake_shell.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(locknet_apply)

namespace {

const Endpoint kHost{"s1", "10.0.0.5"};
const std::string kList = "iptables -w 5 -t filter -S";
const std::string kRestore = "iptables-restore -w 5 --noflush";

const std::string kUnlocked = "-P INPUT ACCEPT\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n-N DOCKER-USER\n"
                              "-A FORWARD -j DOCKER-USER\n";
const std::string kLocked = kUnlocked + "-N QUARRY-LOCKNET\n-A INPUT -j QUARRY-LOCKNET\n"
                                        "-A QUARRY-LOCKNET -j DROP\n";

LocknetPlan plan() {
  LocknetPlan p;
  p.peers = {"10.0.0.6"};
  return p;
}

}  // namespace

BOOST_AUTO_TEST_CASE(state_parses_chain_and_jumps) {
  auto s = parse_locknet_state(kLocked + "-A INPUT -j QUARRY-LOCKNET\n-A INPUT -s 1.2.3.4/32 -j QUARRY-LOCKNET\n",
                               LocknetPlan{});
  BOOST_TEST(s.chain_exists);
  BOOST_TEST(s.jumps == 2);
  BOOST_TEST(s.docker_user);
  BOOST_TEST(s.input_rules == std::vector<std::string>{"-A QUARRY-LOCKNET -j DROP"}, boost::test_tools::per_element());
  auto none = parse_locknet_state(kUnlocked, LocknetPlan{});
  BOOST_TEST(!none.chain_exists);
  BOOST_TEST(none.jumps == 0);
}

BOOST_AUTO_TEST_CASE(first_lock_inserts_the_jump_in_the_same_transaction) {
  FakeShell shell;
  shell.on_out(kList, kUnlocked);
  Locknet locknet(shell);
  BOOST_REQUIRE(locknet.lock(kHost, plan()).has_value());
  std::vector<std::string> want = {kList, kRestore};
  BOOST_TEST(shell.commands() == want, boost::test_tools::per_element());
  BOOST_TEST(shell.ran()[1].stdin_data == render_locknet(plan(), parse_locknet_state(kUnlocked, plan())).value());
}

BOOST_AUTO_TEST_CASE(relock_keeps_the_single_jump) {
  FakeShell shell;
  shell.on_out(kList, kLocked);
  Locknet locknet(shell);
  BOOST_REQUIRE(locknet.lock(kHost, plan()).has_value());
  BOOST_TEST(shell.ran()[1].stdin_data == render_locknet(plan(), parse_locknet_state(kLocked, plan())).value());
}

BOOST_AUTO_TEST_CASE(surplus_jumps_are_deleted) {
  FakeShell shell;
  shell.on_out(kList, kLocked + "-A INPUT -j QUARRY-LOCKNET\n-A INPUT -j QUARRY-LOCKNET\n");
  Locknet locknet(shell);
  BOOST_REQUIRE(locknet.lock(kHost, plan()).has_value());
  auto input = shell.ran()[1].stdin_data;
  BOOST_TEST(input.ends_with("-A QUARRY-DOCKER -j DROP\n-D INPUT -j QUARRY-LOCKNET\n"
                             "-D INPUT -j QUARRY-LOCKNET\n-I DOCKER-USER 1 -j QUARRY-DOCKER\nCOMMIT\n"));
}

BOOST_AUTO_TEST_CASE(restore_failure_names_host_and_message) {
  FakeShell shell;
  shell.on_out(kList, kUnlocked);
  shell.on(kRestore, ProcessResult{2, "", "iptables-restore: line 5 failed\n", false});
  Locknet locknet(shell);
  auto s = locknet.lock(kHost, plan());
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message == "s1: iptables-restore -w 5 --noflush: exit 2: iptables-restore: line 5 failed");
  BOOST_TEST(s.error().exit_code() == 3);
}

BOOST_AUTO_TEST_CASE(invalid_plan_touches_nothing) {
  FakeShell shell;
  Locknet locknet(shell);
  LocknetPlan bad;
  bad.peers = {"10.0.0.1;reboot"};
  BOOST_TEST(!locknet.lock(kHost, bad).has_value());
  BOOST_TEST(shell.commands().empty());
}

BOOST_AUTO_TEST_CASE(unlock_removes_jumps_and_chain) {
  FakeShell shell;
  shell.on_out(kList, kLocked);
  Locknet locknet(shell);
  BOOST_REQUIRE(locknet.unlock(kHost).has_value());
  BOOST_REQUIRE(shell.commands().size() == 2u);
  BOOST_TEST(shell.ran()[1].stdin_data ==
             "*filter\n-D INPUT -j QUARRY-LOCKNET\n-F QUARRY-LOCKNET\n-X QUARRY-LOCKNET\nCOMMIT\n");
}

BOOST_AUTO_TEST_CASE(unlock_of_an_unlocked_host_is_a_no_op) {
  FakeShell shell;
  shell.on_out(kList, kUnlocked);
  Locknet locknet(shell);
  BOOST_REQUIRE(locknet.unlock(kHost).has_value());
  std::vector<std::string> want = {kList};
  BOOST_TEST(shell.commands() == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(lock_hosts_gives_every_host_the_whole_set) {
  FakeShell shell;
  shell.on_out(kList, kUnlocked);
  Locknet locknet(shell);
  std::vector<LockTarget> targets = {{{"s1", "10.0.0.5"}, "10.0.0.5", false},
                                     {{"s2", "10.0.0.6"}, "10.0.0.6", false},
                                     {{"r1", "10.0.0.2"}, "10.0.0.2", true}};
  BOOST_REQUIRE(lock_hosts(locknet, targets).has_value());
  auto ran = shell.ran();
  BOOST_REQUIRE(ran.size() == 12u);  // per host: list and restore, IPv4 then IPv6
  for (const auto& r : ran) {
    if (r.command != kRestore) continue;
    BOOST_TEST_CONTEXT("host " << r.host) {
      for (const char* ip : {"10.0.0.2/32", "10.0.0.5/32", "10.0.0.6/32"})
        BOOST_TEST(r.stdin_data.find(std::string("-s ") + ip + " -j ACCEPT") != std::string::npos);
      bool opens_80 = r.stdin_data.find("--dport 80 ") != std::string::npos;
      BOOST_TEST(opens_80 == (r.host == "r1"));
    }
  }
}

BOOST_AUTO_TEST_CASE(lock_hosts_reports_every_failed_host) {
  FakeShell shell;
  shell.unreachable("s2");
  shell.on_out(kList, kUnlocked);
  Locknet locknet(shell);
  std::vector<LockTarget> targets = {{{"s1", "10.0.0.5"}, "10.0.0.5", false},
                                     {{"s2", "10.0.0.6"}, "10.0.0.6", false}};
  auto s = lock_hosts(locknet, targets);
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message == "locknet: s2: connect to 10.0.0.6 failed: unreachable");
  auto ran = shell.ran();
  BOOST_TEST(std::count_if(ran.begin(), ran.end(), [](const auto& r) { return r.host == "s1"; }) == 4);
}

BOOST_AUTO_TEST_SUITE_END()
