#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include "core/file_io.h"
#include "store/dir_store.h"
#include "store/records.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(records)

BOOST_AUTO_TEST_CASE(servers_round_trip_with_plain_files) {
  auto root = make_temp_dir("quarry-store").value();
  DirStore s(root);
  ServerRecord r{"s1", "alpha", "local", "q-x-1", "10.77.3.2", 22, "quarry", 1024, 2.0, {"role=router"}, 1700000000};
  BOOST_REQUIRE(save_server(s, r).has_value());
  auto all = load_servers(s).value();
  BOOST_REQUIRE(all.size() == 1u);
  BOOST_TEST(to_json(all[0]) == to_json(r));
  BOOST_TEST(all[0].has_tag("role=router"));
  BOOST_TEST(s.get("servers/s1/ip").value().value() == "10.77.3.2\n");
  BOOST_REQUIRE(remove_server(s, "s1").has_value());
  BOOST_TEST(load_servers(s).value().empty());
  (void)remove_all(root);
}

BOOST_AUTO_TEST_CASE(containers_and_releases_round_trip) {
  auto root = make_temp_dir("quarry-store").value();
  DirStore s(root);
  ContainerRecord c;
  c.stack = "blog";
  c.node = "web";
  c.index = 2;
  c.release = 3;
  c.server = "s1";
  c.name = "blog-web-2-r3";
  c.host_port = 20001;
  BOOST_REQUIRE(save_containers(s, "blog", {c}).has_value());
  auto loaded = load_containers(s, "blog").value();
  BOOST_REQUIRE(loaded.size() == 1u);
  BOOST_TEST(to_json(loaded[0]) == to_json(c));
  BOOST_TEST(load_containers(s, "none").value().empty());
  for (int n : {10, 2, 1}) {
    ReleaseRecord r;
    r.number = n;
    r.stack = "blog";
    r.images = {{"web", "sha256:" + std::to_string(n)}};
    r.status = "deployed";
    BOOST_REQUIRE(save_release(s, r).has_value());
  }
  auto releases = load_releases(s, "blog").value();
  BOOST_REQUIRE(releases.size() == 3u);
  BOOST_TEST(releases[0].number == 1);  // numeric order, not "10" < "2"
  BOOST_TEST(releases[2].number == 10);
  BOOST_TEST(releases[2].images["web"] == "sha256:10");
  // The spec holds env values: the record is private to its owner.
  struct stat st {};
  BOOST_REQUIRE(stat((root + "/stacks/blog/releases/10.json").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  (void)remove_all(root);
}

BOOST_AUTO_TEST_CASE(missing_field_names_file) {
  auto root = make_temp_dir("quarry-store").value();
  DirStore s(root);
  BOOST_REQUIRE(s.put("servers/s9/settings.json", R"({"id":"s9"})").has_value());
  auto r = load_servers(s);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message == root + "/servers/s9/settings.json: missing field 'ip'");
  (void)remove_all(root);
}

BOOST_AUTO_TEST_CASE(a_server_being_written_is_not_listed_yet) {
  // Servers are added in parallel: one writer's directory can exist before
  // its settings do. Another writer listing the servers must not fail on it.
  auto root = make_temp_dir("quarry-store").value();
  DirStore s(root);
  ServerRecord r{"s1", "alpha", "local", "q-x-1", "10.77.3.2", 22, "quarry", 1024, 2.0, {}, 1700000000};
  BOOST_REQUIRE(save_server(s, r).has_value());
  BOOST_REQUIRE(s.put("servers/s2/ip", "10.77.3.3\n").has_value());
  auto all = load_servers(s);
  BOOST_REQUIRE(all.has_value());
  BOOST_REQUIRE(all->size() == 1u);
  BOOST_TEST((*all)[0].id == "s1");
  (void)remove_all(root);
}

BOOST_AUTO_TEST_SUITE_END()
