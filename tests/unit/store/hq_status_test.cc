#include <boost/test/unit_test.hpp>

#include "store/hq_status.h"
#include "tests/fakes/memory_store.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(hq_status)

BOOST_AUTO_TEST_CASE(json_names_the_leader_or_is_empty) {
  HqStatus none;
  none.store = "dir:/home/quarry";
  auto j = to_json(none);
  BOOST_TEST(j["leader"] == "");
  BOOST_TEST(!j.contains("etcd"));
  BOOST_TEST(render_hq_status(none, 100) == "store: dir:/home/quarry\nleader: none\nHQs: none recorded\n");

  HqStatus led;
  led.store = "etcd://127.0.0.1:2379";
  led.leader = LeaderTerm{"hq-b", 42, 3, 40};
  led.hqs = {{"hq-a", "10.0.0.1", 10, 90}, {"hq-b", "10.0.0.2", 20, 95}};
  EtcdMember m;
  m.name = "m0";
  m.client_urls = {"http://127.0.0.1:2379"};
  m.healthy = true;
  m.leader = true;
  led.etcd = std::vector<EtcdMember>{m};
  auto k = to_json(led);
  BOOST_TEST(k["leader"] == "hq-b");
  BOOST_TEST(k["term"] == 3);
  BOOST_TEST(k["hqs"][1]["leader"] == true);
  BOOST_TEST(k["hqs"][0]["leader"] == false);
  BOOST_TEST(k["etcd"][0]["healthy"] == true);
  BOOST_TEST(render_hq_status(led, 100) ==
             "store: etcd://127.0.0.1:2379\n"
             "leader: hq-b (term 3, since 60s ago)\n"
             "HQs:\n"
             "  hq-a  10.0.0.1  up 90s, seen 10s ago\n"
             "  hq-b (leader)  10.0.0.2  up 80s, seen 5s ago\n"
             "etcd members:\n"
             "  m0  http://127.0.0.1:2379  healthy (raft leader)\n");
}

BOOST_AUTO_TEST_CASE(lists_the_hqs_pushes_are_copied_to) {
  HqStatus s;
  s.store = "etcd://127.0.0.1:2379";
  BOOST_TEST(!to_json(s).contains("peers"));
  s.peers = {{"a", "quarry@10.0.0.1:22"}, {"b", "quarry@10.0.0.2:2222"}};
  auto j = to_json(s);
  BOOST_TEST(j["peers"][1]["id"] == "b");
  BOOST_TEST(j["peers"][1]["git"] == "quarry@10.0.0.2:2222");
  BOOST_TEST(render_hq_status(s, 100) ==
             "store: etcd://127.0.0.1:2379\nleader: none\nHQs: none recorded\n"
             "pushes are copied to every HQ of:\n"
             "  a  quarry@10.0.0.1:22\n"
             "  b  quarry@10.0.0.2:2222\n");
}

BOOST_AUTO_TEST_CASE(members_are_announced_and_a_corrupt_one_is_named) {
  MemoryStore store;
  BOOST_REQUIRE(announce_member(store, "hq-a", "10.0.0.1", 10).has_value());
  BOOST_REQUIRE(announce_member(store, "hq-a", "10.0.0.1", 50).has_value());
  auto hqs = load_hq_members(store).value();
  BOOST_REQUIRE(hqs.size() == 1u);
  BOOST_TEST(hqs[0].since == 10);  // first seen is kept
  BOOST_TEST(hqs[0].seen == 50);
  BOOST_REQUIRE(store.put("hq/members/hq-x", "not json").has_value());
  auto bad = load_hq_members(store);
  BOOST_REQUIRE(!bad.has_value());
  BOOST_TEST(bad.error().message.find("hq/members/hq-x") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
