// The grid as deploys use it: settings read from etc/grid.json, the grid
// saved at grid/grid.json after each placement, and the router server used
// for a stack's containers only as a last resort, or never when the setting
// says so.
#include <boost/test/unit_test.hpp>

#include "launcher/grid_placer.h"
#include "store/grid_store.h"
#include "tests/fakes/memory_store.h"

using namespace quarry;

namespace {

ServerRecord server(const std::string& id, int memory_mb, std::vector<std::string> tags = {}) {
  ServerRecord s;
  s.id = id;
  s.ip = "10.0.0.1";
  s.memory_mb = memory_mb;
  s.cpu = 2;
  s.tags = std::move(tags);
  return s;
}

// One replica of a node of its own: anti-affinity never decides here.
Slice one(const std::string& node, std::int64_t memory_mb) {
  return Slice{slice_id("blog", node, 0), {memory_mb, 100}, false, {}};
}

// A router server that fits tighter than the other one.
struct Cluster {
  MemoryStore store;
  GridPlacer placer{store, nullptr};
  explicit Cluster(const std::string& settings) {
    BOOST_REQUIRE(store.put("etc/grid.json", settings));
    BOOST_REQUIRE(placer.add_server(server("router", 1024, {"role=router"})));
    BOOST_REQUIRE(placer.add_server(server("s1", 2048)));
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(grid_placer)

BOOST_AUTO_TEST_CASE(the_router_setting_is_read_from_etc_grid_json) {
  MemoryStore store;
  BOOST_TEST((load_grid_settings(store)->router == RouterUse::LastResort));  // the default
  BOOST_REQUIRE(store.put("etc/grid.json", R"({"router": "never"})"));
  BOOST_TEST((load_grid_settings(store)->router == RouterUse::Never));
  BOOST_REQUIRE(store.put("etc/grid.json", R"({"router": "last-resort"})"));
  BOOST_TEST((load_grid_settings(store)->router == RouterUse::LastResort));
  BOOST_REQUIRE(store.put("etc/grid.json", R"({"router": "sometimes"})"));
  auto bad = load_grid_settings(store);
  BOOST_REQUIRE(!bad.has_value());
  BOOST_TEST(bad.error().message == "memory:etc/grid.json: \"router\" must be \"last-resort\" or \"never\"");
}

BOOST_AUTO_TEST_CASE(containers_go_to_the_router_only_when_no_other_server_fits) {
  Cluster c(R"({"autosize": false, "max": 5})");
  BOOST_TEST(c.placer.place(one("web", 1024)).value() == "s1");  // the router would fit tighter
  BOOST_TEST(c.placer.place(one("api", 512)).value() == "s1");
  BOOST_TEST(c.placer.place(one("worker", 1024)).value() == "router");  // s1 is full: the last resort
  // Each placement is saved where every later reader finds it.
  auto saved = load_grid(c.store, kGridKey);
  BOOST_REQUIRE(saved.has_value());
  BOOST_TEST(saved->blocks.size() == 2u);
  BOOST_TEST(saved->blocks.at(0).block.id == "router");
  BOOST_TEST(saved->blocks.at(0).slices.size() == 1u);
  BOOST_TEST(saved->blocks.at(1).slices.size() == 2u);
}

BOOST_AUTO_TEST_CASE(never_keeps_containers_off_the_router_and_says_what_to_do) {
  Cluster c(R"({"autosize": false, "max": 5, "router": "never"})");
  BOOST_TEST(c.placer.place(one("web", 1024)).value() == "s1");
  BOOST_TEST(c.placer.place(one("api", 1024)).value() == "s1");
  auto full = c.placer.place(one("worker", 512));
  BOOST_REQUIRE(!full.has_value());
  BOOST_TEST(full.error().message.find("no server can take blog/worker/0") != std::string::npos, full.error().message);
  BOOST_TEST(full.error().message.find("quarry servers add") != std::string::npos, full.error().message);
  // Nothing of the refused container stays in the grid.
  auto saved = load_grid(c.store, kGridKey);
  BOOST_REQUIRE(saved.has_value());
  BOOST_TEST(saved->blocks.at(0).slices.empty());
  BOOST_TEST(saved->pending.empty());
}

BOOST_AUTO_TEST_SUITE_END()
