#include <boost/test/unit_test.hpp>

#include "cloud/local_layout.h"
#include "cloud/local_network.h"
#include "core/quote.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(local_layout)

BOOST_AUTO_TEST_CASE(names_fit_the_kernel_limit) {
  LocalNames n{"abc123", 42};
  BOOST_TEST(n.bridge() == "qbr-abc123");
  BOOST_TEST(n.netns(250) == "q-abc123-250");
  BOOST_TEST(n.veth(250) == "qv-abc123-250");
  BOOST_TEST(n.veth(250).size() <= 15u);
  BOOST_TEST(n.peer(250).size() <= 15u);
  BOOST_TEST(n.gateway() == "10.77.42.1");
  BOOST_TEST(n.ip(1) == "10.77.42.2");
  BOOST_TEST(n.docker_bip(7) == "10.79.7.1/24");
  BOOST_TEST(n.cgroup_parent(3) == "docker-q-abc123-3");
}

BOOST_AUTO_TEST_CASE(cluster_ids) {
  BOOST_TEST(check_cluster_id("a1").has_value());
  BOOST_TEST(!check_cluster_id("").has_value());
  BOOST_TEST(!check_cluster_id("abcdefg").has_value());
  BOOST_TEST(!check_cluster_id("ab-c").has_value());
  int x = default_subnet_octet("dev1");
  BOOST_TEST((x >= 1 && x <= 250));
  BOOST_TEST(default_subnet_octet("dev1") == x);
}

BOOST_AUTO_TEST_CASE(netns_index_parses_only_our_names) {
  LocalNames n{"abc", 1};
  BOOST_TEST(netns_index(n, "q-abc-7") == 7);
  BOOST_TEST(netns_index(n, "q-abcd-7") == 0);
  BOOST_TEST(netns_index(n, "q-abc-") == 0);
  BOOST_TEST(netns_index(n, "q-abc-251") == 0);
  BOOST_TEST(netns_index(n, "q-abc-7x") == 0);
}

BOOST_AUTO_TEST_CASE(a_server_named_like_a_free_namespace_gets_that_one) {
  LocalNames n{"abc", 1};
  std::vector<bool> used(kLocalMaxServers + 1, false);
  used[1] = true;
  // Servers added at once: ...-3 may reserve before ...-2; each keeps its
  // own number, so id and name agree.
  BOOST_TEST(pick_index(n, used, "q-abc-3") == 3);
  used[3] = true;
  BOOST_TEST(pick_index(n, used, "q-abc-2") == 2);
  used[2] = true;
  // Taken, another cluster's, or a free-form name: the lowest free index.
  BOOST_TEST(pick_index(n, used, "q-abc-3") == 4);
  BOOST_TEST(pick_index(n, used, "q-xyz-9") == 4);
  BOOST_TEST(pick_index(n, used, "web-1") == 4);
  BOOST_TEST(pick_index(n, used, "") == 4);
  std::vector<bool> full(kLocalMaxServers + 1, true);
  BOOST_TEST(pick_index(n, full, "q-abc-5") == 0);
}

BOOST_AUTO_TEST_CASE(server_link_commands) {
  LocalNames n{"abc", 9};
  std::vector<std::string> got;
  for (const auto& a : server_link_argvs(n, 2)) got.push_back(shell_join(a));
  std::vector<std::string> want = {
      "ip netns add q-abc-2",
      "ip link add qv-abc-2 type veth peer name qp-abc-2",
      "ip link set qp-abc-2 netns q-abc-2",
      "ip link set qv-abc-2 master qbr-abc up",
      "ip -n q-abc-2 link set qp-abc-2 name eth0",
      "ip -n q-abc-2 link set eth0 address 02:00:0a:4d:09:03",
      "ip -n q-abc-2 addr add 10.77.9.3/24 dev eth0",
      "ip -n q-abc-2 link set eth0 up",
      "ip -n q-abc-2 link set lo up",
      "ip -n q-abc-2 route add default via 10.77.9.1",
  };
  BOOST_TEST(got == want, boost::test_tools::per_element());
  BOOST_TEST(shell_join(forward_rule_argv("-I", "qbr-abc")) ==
             "iptables -w -I FORWARD -i qbr-abc -o qbr-abc -m comment --comment quarry:qbr-abc -j ACCEPT");
}

BOOST_AUTO_TEST_CASE(sshd_config) {
  SshdSettings s{"10.77.9.3", "quarry-ssh", {"/h/servers/q-abc-2"}};
  auto c = render_sshd_config(s);
  for (const char* line : {"ListenAddress 10.77.9.3:22\n", "HostKey /h/servers/q-abc-2/ssh_host_ed25519_key\n",
                           "PidFile /h/servers/q-abc-2/sshd.pid\n",
                           "AuthorizedKeysFile /h/servers/q-abc-2/ssh/authorized_keys\n", "AllowUsers quarry-ssh\n",
                           "UsePAM no\n", "StrictModes no\n", "PasswordAuthentication no\n",
                           "SetEnv DOCKER_HOST=unix:///h/servers/q-abc-2/docker.sock "
                           "QUARRY_AUTHORIZED_KEYS=/h/servers/q-abc-2/ssh/authorized_keys\n"})
    BOOST_TEST(c.find(line) != std::string::npos, line);
}

BOOST_AUTO_TEST_CASE(record_round_trip) {
  LocalServerRecord r;
  r.index = 3;
  r.state = "ready";
  r.server.id = r.server.provider_ref = "q-abc-3";
  r.server.name = "web";
  r.server.provider = "local";
  r.server.ip = "10.77.9.4";
  r.server.ssh_user = "quarry-ssh";
  r.server.memory_mb = 512;
  r.server.cpu = 0.5;
  r.server.tags = {"role=web"};
  r.server.host_key = "AAAAC3Nz";
  auto back = record_from_json(record_to_json(r));
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(back->index == 3);
  BOOST_TEST(back->state == "ready");
  BOOST_TEST(back->server.ip == "10.77.9.4");
  BOOST_TEST(back->server.cpu == 0.5);
  BOOST_TEST(back->server.tags == r.server.tags);
  BOOST_TEST(back->server.host_key == "AAAAC3Nz");
  BOOST_TEST(!record_from_json("{").has_value());
  BOOST_TEST(!record_from_json(R"({"id":"x"})").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
