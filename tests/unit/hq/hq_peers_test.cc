#include <boost/test/unit_test.hpp>

#include "git_fixture.h"
#include "hq/git_ref_replicator.h"
#include "hq/hq_peers.h"
#include "store/dir_store.h"

using namespace quarry;
using namespace quarry::test;

namespace {
const std::string kHost = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILrzKhQgvYgQwI/idzSpBow8T0vMC7u49M4b76KmUqE+";
const std::string kKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIALo9CNtfJqlabF5/xobyeqHQb6+n9nde0wBWeVoZJTl";

HqPeer peer(const std::string& id, int port = 2222) { return {id, "quarry", "10.0.0.2", port, kHost, kKey}; }
}  // namespace

BOOST_AUTO_TEST_SUITE(hq_peers)

BOOST_AUTO_TEST_CASE(parses_addresses) {
  struct Case {
    std::string text, host;
    int port;
  } good[] = {{"hq2", "hq2", 22}, {"10.0.0.2:2222", "10.0.0.2", 2222}, {"[::1]:22", "::1", 22},
              {"hq-2.example.com", "hq-2.example.com", 22}, {"[fe80::1]", "fe80::1", 22}};
  for (const auto& c : good) {
    auto a = parse_peer_address(c.text);
    BOOST_REQUIRE_MESSAGE(a.has_value(), c.text);
    BOOST_TEST(a->first == c.host, c.text);
    BOOST_TEST(a->second == c.port, c.text);
  }
  for (std::string bad : {"", "hq:", "hq:0", "hq:70000", "hq:22x", "::1", "[::1", "[::1]x", "a b", "-o:22", "h;x"}) {
    BOOST_TEST(!parse_peer_address(bad).has_value(), bad);
  }
  BOOST_TEST(parse_peer_address("hq:x").error().message == "address 'hq:x': the port must be a number from 1 to 65535");
}

BOOST_AUTO_TEST_CASE(records_round_trip_and_bad_ones_name_their_place) {
  auto text = render_peer(peer("b"));
  auto back = parse_peer(text, "hq/peers/b");
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST((*back == peer("b")));
  auto with_comment = peer("b");
  with_comment.key += " quarry-hq";
  BOOST_TEST((*parse_peer(render_peer(with_comment), "x") == peer("b")));
  BOOST_TEST(parse_peer("[]", "hq/peers/b").error().message ==
             "hq/peers/b: not a JSON object (re-run `quarry hq init` on that HQ)");
  auto bad_id = peer("B_2");
  BOOST_TEST(parse_peer(render_peer(bad_id), "hq/peers/x").error().message ==
             "hq/peers/x: \"id\" must be an HQ name (lower-case letters, digits, '-')");
  auto bad_host = peer("b");
  bad_host.host = "x y";
  BOOST_TEST(!parse_peer(render_peer(bad_host), "w").has_value());
  auto bad_key = peer("b");
  bad_key.host_key = "command=\"sh\" " + kHost;
  BOOST_TEST(!parse_peer(render_peer(bad_key), "w").has_value());
  BOOST_TEST(parse_peer(R"({"id":"b","user":"q","host":"h","port":"22","host_key":"","key":""})", "w").error().message ==
             "w: \"port\" must be a number");
}

BOOST_AUTO_TEST_CASE(saves_lists_and_forgets) {
  TempDir t;
  DirStore store(t.path);
  BOOST_REQUIRE(save_peer(store, peer("c")).has_value());
  BOOST_REQUIRE(save_peer(store, peer("a", 22)).has_value());
  BOOST_REQUIRE(store.put("hq/members/a", "{}\n").has_value());
  auto all = load_peers(store);
  BOOST_REQUIRE(all.has_value());
  BOOST_REQUIRE(all->size() == 2u);
  BOOST_TEST((*all)[0].id == "a");
  BOOST_TEST((*all)[1].id == "c");
  BOOST_REQUIRE(forget_peer(store, "a").has_value());
  BOOST_TEST(load_peers(store)->size() == 1u);
  BOOST_TEST(!store.get("hq/members/a")->has_value());
  BOOST_TEST(forget_peer(store, "a").error().message == "no HQ named 'a' is recorded (see `quarry hq status`)");
  BOOST_TEST(!forget_peer(store, "../x").has_value());
  BOOST_REQUIRE(store.put("hq/peers/z", "nonsense").has_value());
  BOOST_TEST(!load_peers(store).has_value());
}

BOOST_AUTO_TEST_CASE(urls_and_known_hosts) {
  BOOST_TEST(peer_git_url(peer("b"), "blog") == "ssh://quarry@10.0.0.2:2222/blog.git");
  auto v6 = peer("b", 22);
  v6.host = "::1";
  BOOST_TEST(peer_git_url(v6, "blog") == "ssh://quarry@[::1]:22/blog.git");
  BOOST_TEST(peer_known_hosts_line(peer("b")) == "[10.0.0.2]:2222 " + kHost);
  BOOST_TEST(peer_known_hosts_line(peer("b", 22)) == "10.0.0.2 " + kHost);
}

BOOST_AUTO_TEST_CASE(replica_commands) {
  BOOST_TEST(replica_ssh_command("/h/keys/hq_ed25519", "/h/run/peers_known_hosts", 5) ==
             "ssh -F /dev/null -i /h/keys/hq_ed25519 -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes "
             "-o StrictHostKeyChecking=yes -o UserKnownHostsFile=/h/run/peers_known_hosts "
             "-o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=5 -o LogLevel=ERROR");
  BOOST_TEST(shell_join(replica_ls_remote_argv(peer("b"), "blog", "refs/heads/main")) ==
             "git ls-remote ssh://quarry@10.0.0.2:2222/blog.git refs/heads/main");
  std::string c(40, 'a');
  BOOST_TEST(shell_join(replica_push_argv(peer("b"), "blog", c, "refs/heads/main")) ==
             "git push --atomic --porcelain --no-verify ssh://quarry@10.0.0.2:2222/blog.git " + c +
                 ":refs/heads/main");
}

BOOST_AUTO_TEST_CASE(parses_ls_remote_output) {
  std::string a(40, 'a'), b(40, 'b');
  BOOST_TEST(*parse_ls_remote("", "refs/heads/main") == "");
  BOOST_TEST(*parse_ls_remote(a + "\trefs/heads/topic\n" + b + "\trefs/heads/main\n", "refs/heads/main") == b);
  BOOST_TEST(*parse_ls_remote(a + "\trefs/heads/mainline\n", "refs/heads/main") == "");
  BOOST_TEST(!parse_ls_remote("fatal: no\n", "refs/heads/main").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
