#include <boost/test/unit_test.hpp>

#include "core/file_io.h"
#include "launcher/docker_parse.h"

using namespace quarry;

namespace {

// Captured from docker 20.10.24 (engine) with the 20.10 and 28.2 clients:
// a running node publishing two ports and an exited service.
std::string canned(const std::string& name) {
  auto text = read_file(std::string(QUARRY_LAUNCHER_TESTDATA) + "/" + name);
  BOOST_REQUIRE_MESSAGE(text.has_value(), name);
  return *text;
}

const char* kWebId = "eaa952ebebeda4c25282fe940b5971909f54d001c34d610470b697d83634077e";
const char* kDbId = "48aeca50417fd63cd7a9031ae87737aa4a81f5f258f9ed49b26a814bdcd423bc";

}  // namespace

BOOST_AUTO_TEST_SUITE(docker_parse)

BOOST_AUTO_TEST_CASE(ps_from_both_clients) {
  for (const char* file : {"docker_ps_20.10.txt", "docker_ps_28.txt"}) {
    BOOST_TEST_CONTEXT(file) {
      auto list = parse_docker_ps(canned(file));
      BOOST_REQUIRE(list.has_value());
      BOOST_REQUIRE(list->size() == 2u);
      const auto& db = (*list)[0];
      BOOST_TEST(db.id == kDbId);
      BOOST_TEST(db.name == "blog-db");
      BOOST_TEST(db.image == "quarry-canned/busybox:1");
      BOOST_TEST(db.state == "exited");
      BOOST_TEST(!db.running);
      BOOST_TEST(db.exit_code == 3);
      BOOST_TEST(db.ports.empty());
      BOOST_TEST(db.created_at == "2026-11-22 22:03:48 +0000 UTC");
      BOOST_TEST(db.labels == (std::map<std::string, std::string>{{"quarry.index", "1"},
                                                                    {"quarry.kind", "service"},
                                                                    {"quarry.node", "db"},
                                                                    {"quarry.release", "1"},
                                                                    {"quarry.stack", "blog"}}));
      const auto& web = (*list)[1];
      BOOST_TEST(web.id == kWebId);
      BOOST_TEST(web.name == "blog-web-r3-1");
      BOOST_TEST(web.running);
      BOOST_TEST(web.status == "Up 1 second");
      BOOST_TEST(web.labels.at("quarry.release") == "3");
      // ps joins labels with ',': a value holding one reads back as best it can.
      BOOST_TEST(web.labels.at("quarry.note") == "a");
      BOOST_TEST(web.labels.at("b") == "c");
      std::vector<PortBinding> ports = {{"127.0.0.1", 18080, 8080, "tcp"},
                                        {"0.0.0.0", 18081, 8081, "tcp"},
                                        {"::", 18081, 8081, "tcp"}};
      BOOST_TEST((web.ports == ports));
    }
  }
}

BOOST_AUTO_TEST_CASE(inspect) {
  auto list = parse_docker_inspect(canned("docker_inspect.json"));
  BOOST_REQUIRE(list.has_value());
  BOOST_REQUIRE(list->size() == 2u);
  const auto& web = (*list)[0];
  BOOST_TEST(web.id == kWebId);
  BOOST_TEST(web.name == "blog-web-r3-1");
  BOOST_TEST(web.image == "quarry-canned/busybox:1");
  BOOST_TEST(web.image_id == "sha256:dd692a82ba576f7b458870b53fbe3d8e09dabaeb3640a54ef81fca236c1e7ef2");
  BOOST_TEST(web.state == "running");
  BOOST_TEST(web.running);
  BOOST_TEST(web.exit_code == 0);
  BOOST_TEST(web.started_at == "2026-11-22T22:03:47.998457166Z");
  BOOST_TEST(web.created_at == "2026-11-22T22:03:47.324215578Z");
  BOOST_TEST(web.health.empty());
  BOOST_TEST(web.labels.at("quarry.note") == "a,b=c");  // inspect is exact
  std::vector<PortBinding> ports = {{"127.0.0.1", 18080, 8080, "tcp"},
                                    {"0.0.0.0", 18081, 8081, "tcp"},
                                    {"::", 18081, 8081, "tcp"}};
  BOOST_TEST((web.ports == ports));
  BOOST_TEST(web.networks.at("bridge") == "10.79.201.2");
  const auto& db = (*list)[1];
  BOOST_TEST(db.name == "blog-db");
  BOOST_TEST(db.state == "exited");
  BOOST_TEST(db.exit_code == 3);
  BOOST_TEST(db.finished_at == "2026-11-22T22:03:48.608032034Z");
  BOOST_TEST(db.labels.at("quarry.kind") == "service");
}

BOOST_AUTO_TEST_CASE(inspect_health_and_unpublished_ports) {
  auto list = parse_docker_inspect(R"([{"Id":"abc","Name":"/x","State":{"Status":"running","Running":true,
      "ExitCode":0,"Health":{"Status":"unhealthy"}},"Config":{"Image":"i","Labels":null},
      "NetworkSettings":{"Ports":{"80/tcp":null,"53/udp":[]},"Networks":{}}}])");
  BOOST_REQUIRE(list.has_value());
  BOOST_TEST((*list)[0].health == "unhealthy");
  std::vector<PortBinding> ports = {{"", 0, 53, "udp"}, {"", 0, 80, "tcp"}};
  BOOST_TEST(((*list)[0].ports == ports));
  BOOST_TEST((*list)[0].labels.empty());
}

BOOST_AUTO_TEST_CASE(image_inspect) {
  auto list = parse_image_inspect(canned("docker_image_inspect.json"));
  BOOST_REQUIRE(list.has_value());
  BOOST_REQUIRE(list->size() == 1u);
  BOOST_TEST((*list)[0].id == "sha256:dd692a82ba576f7b458870b53fbe3d8e09dabaeb3640a54ef81fca236c1e7ef2");
  BOOST_TEST((*list)[0].tags == std::vector<std::string>{"quarry-canned/busybox:1"});
  BOOST_TEST((*list)[0].digests.empty());
  BOOST_TEST((*list)[0].size == 1982277);
}

BOOST_AUTO_TEST_CASE(volume_ls_from_both_clients) {
  for (const char* file : {"docker_volume_ls_20.10.txt", "docker_volume_ls_28.txt"}) {
    BOOST_TEST_CONTEXT(file) {
      auto list = parse_volume_ls(canned(file));
      BOOST_REQUIRE(list.has_value());
      BOOST_REQUIRE(list->size() == 1u);
      BOOST_TEST((*list)[0].name == "blog-db-data");
      BOOST_TEST((*list)[0].driver == "local");
      BOOST_TEST((*list)[0].labels.empty());
    }
  }
}

struct PortsCase {
  const char* text;
  std::vector<PortBinding> ports;
};

BOOST_AUTO_TEST_CASE(ps_ports_table) {
  const PortsCase cases[] = {
      {"", {}},
      {"80/tcp", {{"", 0, 80, "tcp"}}},
      {"0.0.0.0:8000-8001->9000-9001/tcp",
       {{"0.0.0.0", 8000, 9000, "tcp"}, {"0.0.0.0", 8001, 9001, "tcp"}}},
      {":::53->53/udp", {{"::", 53, 53, "udp"}}},
      {"[::1]:53->53/udp, 443/tcp", {{"::1", 53, 53, "udp"}, {"", 0, 443, "tcp"}}},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("ports: " << c.text) {
      auto r = parse_ps_ports(c.text);
      BOOST_REQUIRE(r.has_value());
      BOOST_TEST((*r == c.ports));
    }
  }
}

BOOST_AUTO_TEST_CASE(errors_say_where) {
  auto ps = parse_docker_ps("{\"ID\":\"a\"}\n\nnot json\n");
  BOOST_REQUIRE(!ps.has_value());
  BOOST_TEST(ps.error().message == "docker ps line 3: not JSON: not json");
  BOOST_TEST((ps.error().kind == ErrorKind::Remote));
  auto no_id = parse_docker_ps("{\"Names\":\"x\"}");
  BOOST_REQUIRE(!no_id.has_value());
  BOOST_TEST(no_id.error().message == "docker ps line 1: no ID");
  auto ports = parse_docker_ps("{\"ID\":\"a\",\"Ports\":\"1.2.3.4:x->80/tcp\"}");
  BOOST_REQUIRE(!ports.has_value());
  BOOST_TEST(ports.error().message == "docker ps line 1: docker ps ports: cannot read '1.2.3.4:x->80/tcp'");
  auto inspect = parse_docker_inspect("{}");
  BOOST_REQUIRE(!inspect.has_value());
  BOOST_TEST(inspect.error().message == "docker inspect: not a JSON array");
  auto empty = parse_docker_inspect("[{}]");
  BOOST_REQUIRE(!empty.has_value());
  BOOST_TEST(empty.error().message == "docker inspect: entry 1 has no Id");
  BOOST_TEST(parse_docker_ps("").value().empty());
  BOOST_TEST(parse_docker_inspect("[]").value().empty());
}

BOOST_AUTO_TEST_SUITE_END()
