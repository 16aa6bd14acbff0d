#include <boost/test/unit_test.hpp>

#include "tests/fakes/fake_shell.h"
#include "hq/hq_peers.h"
#include "hq/server_keys.h"
#include "tests/fakes/memory_store.h"

using namespace quarry;

namespace {
const std::string kOwn = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILrzKhQgvYgQwI/idzSpBow8T0vMC7u49M4b76KmUqE+";
const std::string kPeer = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIALo9CNtfJqlabF5/xobyeqHQb6+n9nde0wBWeVoZJTl";

HqPeer peer(const std::string& id, const std::string& key) { return {id, "quarry", "10.0.0.2", 22, kOwn, key}; }

ServerRecord server(const std::string& id, const std::string& provider = "local") {
  ServerRecord s;
  s.id = id;
  s.provider = provider;
  s.ip = "10.77.1.2";
  s.ssh_user = "quarry-ssh";
  return s;
}

std::string file_of(const ServerRecord& s) { return s.provider == "manual" ? "" : "/srv/q/" + s.id + "/ssh/authorized_keys"; }
}  // namespace

BOOST_AUTO_TEST_SUITE(server_keys)

BOOST_AUTO_TEST_CASE(the_set_is_every_recorded_hq_and_this_one_once) {
  MemoryStore store;
  BOOST_REQUIRE(save_peer(store, peer("hq1", kOwn)).has_value());
  BOOST_REQUIRE(save_peer(store, peer("hq2", kPeer)).has_value());
  auto keys = hq_key_set(store, kOwn + " quarry-hq\n");
  BOOST_REQUIRE(keys.has_value());
  BOOST_TEST(*keys == (std::vector<std::string>{kPeer, kOwn}), boost::test_tools::per_element());
  BOOST_TEST(!hq_key_set(store, "not a key").has_value());
}

BOOST_AUTO_TEST_CASE(golden_remote_command_takes_the_keys_on_stdin) {
  auto c = key_sync_command({kOwn, kPeer}, "/srv/my q/ssh/authorized_keys");
  BOOST_TEST(shell_join(c.argv) ==
             "sh -c 'set -e; f=${QUARRY_AUTHORIZED_KEYS:-$1}; umask 077; mkdir -p -- \"$(dirname -- \"$f\")\"; t=\"$f.quarry-new\"; "
             "cat > \"$t\"; if cmp -s -- \"$t\" \"$f\"; then rm -f -- \"$t\"; echo unchanged; else mv -f -- \"$t\" "
             "\"$f\"; echo written; fi' quarry-keys '/srv/my q/ssh/authorized_keys'");
  BOOST_TEST(c.stdin_data == kOwn + "\n" + kPeer + "\n");
}

BOOST_AUTO_TEST_CASE(nothing_is_done_while_no_hq_was_recorded) {
  MemoryStore store;
  FakeShell shell;
  auto r = keep_server_keys(store, shell, {server("s1")}, kOwn, file_of);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(shell.ran().empty());
  BOOST_TEST(store.list(kServerKeysPrefix)->empty());
}

BOOST_AUTO_TEST_CASE(writes_each_server_once_per_set_and_again_when_it_changes) {
  MemoryStore store;
  FakeShell shell;
  BOOST_REQUIRE(save_peer(store, peer("hq2", kPeer)).has_value());
  std::vector<ServerRecord> servers{server("s1"), server("s2"), server("m1", "manual")};
  auto r = keep_server_keys(store, shell, servers, kOwn, file_of);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->written == 2);
  BOOST_REQUIRE(shell.ran().size() == 2u);
  BOOST_TEST(shell.ran()[0].host == "s1");
  BOOST_TEST(shell.ran()[0].command.find("quarry-keys /srv/q/s1/ssh/authorized_keys") != std::string::npos);
  BOOST_TEST(shell.ran()[1].stdin_data == kPeer + "\n" + kOwn + "\n");

  shell.clear();  // unchanged: no command at all
  r = keep_server_keys(store, shell, servers, kOwn, file_of);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->written == 0);
  BOOST_TEST(shell.ran().empty());

  // hq forget hq2: its key leaves every server; s2 is gone, so is its digest.
  BOOST_REQUIRE(forget_peer(store, "hq2").has_value());
  r = keep_server_keys(store, shell, {server("s1")}, kOwn, file_of);
  BOOST_REQUIRE(r.has_value());
  BOOST_REQUIRE(shell.ran().size() == 1u);
  BOOST_TEST(shell.ran()[0].stdin_data == kOwn + "\n");
  BOOST_TEST(*store.list(kServerKeysPrefix) == std::vector<std::string>{"s1"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_unreachable_server_is_tried_again_and_the_others_go_on) {
  MemoryStore store;
  FakeShell shell;
  BOOST_REQUIRE(save_peer(store, peer("hq2", kPeer)).has_value());
  shell.unreachable("s1");
  auto r = keep_server_keys(store, shell, {server("s1"), server("s2")}, kOwn, file_of);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message.find("the HQs' keys on server s1") != std::string::npos);
  BOOST_TEST(*store.list(kServerKeysPrefix) == std::vector<std::string>{"s2"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
