// Stacks that cannot hurt each other, without servers: domain ownership
// across stacks, grid bookkeeping after a launch that died, the grid's max,
// and the defaults every container runs with.
#include <boost/test/unit_test.hpp>

#include "core/quote.h"
#include "grid/grid.h"
#include "launcher/docker_commands.h"
#include "launcher/domain_owners.h"
#include "launcher/grid_placer.h"
#include "launcher/reconcile.h"
#include "launcher/seams.h"
#include "launcher/stack_records.h"
#include "tests/fakes/fake_shell.h"
#include "tests/fakes/memory_store.h"

using namespace quarry;

namespace {

Stack stack_with_domain(const std::string& name, const std::string& domain) {
  Stack s;
  s.name = name;
  Process web;
  web.name = "web";
  web.port = 8080;
  web.domains = {domain};
  s.nodes = {web};
  return s;
}

const char* kManifestB =
    "name: b\n"
    "nodes:\n"
    "  web:\n"
    "    image: hello\n"
    "    port: 8080\n"
    "    domains: [b.test, shop.test]\n";

ServerRecord server(const std::string& id) {
  ServerRecord s;
  s.id = id;
  s.ip = "10.0.0.1";
  s.memory_mb = 1024;
  s.cpu = 2;
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(isolation)

BOOST_AUTO_TEST_CASE(a_domain_another_stack_routes_is_refused_with_its_place_and_owner) {
  MemoryStore store;
  BOOST_REQUIRE(save_routes(store, "a", {{"shop.test", "web"}}));
  auto s = check_domain_owners(store, stack_with_domain("b", "shop.test"), kManifestB, "quarry.yml");
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message ==
             "quarry.yml:6:23: domain shop.test is already routed by stack a (a domain is served by one stack; "
             "remove it there first, or pick another domain)");
  // The owner itself, and a free domain, pass; nothing was written.
  BOOST_TEST(check_domain_owners(store, stack_with_domain("a", "shop.test"), "", "quarry.yml").has_value());
  BOOST_TEST(check_domain_owners(store, stack_with_domain("b", "b.test"), "", "quarry.yml").has_value());
  BOOST_TEST(load_routes(store, "b")->empty());
}

BOOST_AUTO_TEST_CASE(the_pre_receive_check_parses_and_checks_domains) {
  MemoryStore store;
  BOOST_REQUIRE(save_routes(store, "a", {{"shop.test", "web"}}));
  ManifestOptions o;
  o.path = "quarry.yml";
  o.default_name = "b";
  auto s = check_manifest_domains(store, kManifestB, o);
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message.starts_with("quarry.yml:6:23: domain shop.test is already routed by stack a"));
}

BOOST_AUTO_TEST_CASE(routes_are_saved_only_without_a_conflict) {
  MemoryStore store;
  BOOST_REQUIRE(save_routes(store, "a", {{"shop.test", "web"}}));
  BOOST_TEST(!save_routes_checked(store, "b", {{"b.test", "web"}, {"shop.test", "web"}}).has_value());
  BOOST_TEST(load_routes(store, "b")->empty());
  BOOST_TEST(save_routes_checked(store, "b", {{"b.test", "web"}}).has_value());
  BOOST_TEST(load_routes(store, "b")->size() == 1u);
}

namespace {
// A router that records what the store held at each sync, and refuses on
// request.
struct RecordingRouter : RouterHook {
  explicit RecordingRouter(Store& s) : store(s) {}
  Status sync() override {
    seen.push_back(load_routes(store, "b").value_or(RouteList{}));
    if (refuse) return fail("nginx -t: refused");
    return {};
  }
  Store& store;
  bool refuse = false;
  std::vector<RouteList> seen;
};
}  // namespace

BOOST_AUTO_TEST_CASE(routes_the_router_refuses_are_not_kept) {
  MemoryStore store;
  BOOST_REQUIRE(save_routes(store, "b", {{"old.test", "web"}}));
  RecordingRouter router(store);
  router.refuse = true;
  BOOST_TEST(!router.set_routes(store, "b", {{"new.test", "web"}}).has_value());
  BOOST_TEST((load_routes(store, "b").value() == RouteList{{"old.test", "web"}}));
  router.refuse = false;
  BOOST_TEST(router.set_routes(store, "b", {{"new.test", "web"}}).has_value());
  BOOST_TEST((load_routes(store, "b").value() == RouteList{{"new.test", "web"}}));
  // Another stack's domain is refused before the router is asked.
  BOOST_REQUIRE(save_routes(store, "a", {{"shop.test", "web"}}));
  const auto syncs = router.seen.size();
  BOOST_TEST(!router.set_routes(store, "b", {{"shop.test", "web"}}).has_value());
  BOOST_TEST(router.seen.size() == syncs);
  BOOST_TEST((load_routes(store, "b").value() == RouteList{{"new.test", "web"}}));
}

BOOST_AUTO_TEST_CASE(scalar_positions_skip_comments_and_longer_names) {
  BOOST_TEST(scalar_position("# shop.test\nx: www.shop.test\ny: [shop.test]\n", "shop.test") == "3:5");
  BOOST_TEST(scalar_position("nothing\n", "shop.test") == "1:1");
}

BOOST_AUTO_TEST_CASE(max_zero_is_an_error_not_unlimited) {
  MemoryStore store;
  BOOST_REQUIRE(store.put("etc/grid.json", R"({"max": 0})"));
  auto s = load_grid_settings(store);
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message.find("max must be 1 or more") != std::string::npos, s.error().message);
  BOOST_REQUIRE(store.put("etc/grid.json", R"({"max": -3})"));
  BOOST_TEST(!load_grid_settings(store).has_value());
  BOOST_REQUIRE(store.put("etc/grid.json", R"({"min": 4, "max": 2})"));
  BOOST_TEST(!load_grid_settings(store).has_value());
  BOOST_REQUIRE(store.put("etc/grid.json", R"({"max": 3})"));
  BOOST_TEST(load_grid_settings(store)->max_blocks == 3u);
}

// A launch placed a slice, then died before recording its container: the
// next reconcile gives the slice back, and keeps the recorded ones.
BOOST_AUTO_TEST_CASE(reconcile_releases_slices_without_a_record) {
  MemoryStore store;
  BOOST_REQUIRE(save_server(store, server("s1")));
  BOOST_REQUIRE(store.put("etc/grid.json", R"({"autosize": false, "max": 2})"));
  GridPlacer placer(store, nullptr);
  BOOST_REQUIRE(placer.add_server(server("s1")));
  Slice recorded;
  recorded.id = slice_id_for("blog", "web", false, 1, 1);
  recorded.size = {64, 100};
  Slice orphan = recorded;
  orphan.id = slice_id_for("blog", "web", false, 1, 2);
  Slice other = recorded;
  other.id = slice_id_for("shop", "web", false, 1, 1);  // another stack's: not ours to judge
  BOOST_REQUIRE(placer.place(recorded));
  BOOST_REQUIRE(placer.place(orphan));
  BOOST_REQUIRE(placer.place(other));
  ContainerRecord r;
  r.stack = "blog";
  r.node = "web";
  r.index = 1;
  r.release = 1;
  r.server = "s1";
  r.name = "blog_web_r1_1";
  r.id = "c1";
  BOOST_REQUIRE(save_containers(store, "blog", {r}));
  FakeShell shell;
  shell.on_out("docker ps", R"({"ID":"c1","Names":"blog_web_r1_1","State":"running","Labels":"quarry.stack=blog"})"
                            "\n");
  auto report = reconcile(store, shell, placer, "blog", {server("s1")});
  BOOST_REQUIRE(report.has_value());
  BOOST_TEST(report->released == (std::vector<std::string>{orphan.id}));
  auto left = placer.slices("");
  BOOST_REQUIRE(left.has_value());
  BOOST_TEST(*left == (std::vector<std::string>{recorded.id, other.id}));
  BOOST_TEST(load_containers(store, "blog")->size() == 1u);
}

// What the kept running containers use is reported per server (the deploy
// then skips those checks); a dropped or stray container's image is not.
BOOST_AUTO_TEST_CASE(reconcile_reports_the_images_and_networks_of_what_it_keeps) {
  MemoryStore store;
  BOOST_REQUIRE(save_server(store, server("s1")));
  BOOST_REQUIRE(store.put("etc/grid.json", R"({"autosize": false, "max": 2})"));
  GridPlacer placer(store, nullptr);
  BOOST_REQUIRE(placer.add_server(server("s1")));
  ContainerRecord r;
  r.stack = "blog";
  r.node = "web";
  r.release = 1;
  r.server = "s1";
  std::vector<ContainerRecord> recs;
  for (int i : {1, 2}) {
    r.index = i;
    r.name = "blog_web_r1_" + std::to_string(i);
    r.id = "c" + std::to_string(i);
    recs.push_back(r);
  }
  BOOST_REQUIRE(save_containers(store, "blog", recs));
  FakeShell shell;
  shell.on_out("docker ps",
               R"({"ID":"c1","Names":"blog_web_r1_1","Image":"sha256:kept","Networks":"quarry-blog,bridge","State":"running","Labels":"quarry.stack=blog"})"
               "\n"
               R"({"ID":"c2","Names":"blog_web_r1_2","Image":"sha256:dead","Networks":"quarry-blog","State":"exited","Status":"Exited (1) 2 seconds ago","Labels":"quarry.stack=blog"})"
               "\n"
               R"({"ID":"c3","Names":"blog_web_r9_1","Image":"sha256:stray","Networks":"quarry-blog","State":"running","Labels":"quarry.stack=blog"})"
               "\n");
  auto report = reconcile(store, shell, placer, "blog", {server("s1")});
  BOOST_REQUIRE(report.has_value());
  BOOST_TEST(report->images_on["s1"] == (std::set<std::string>{"sha256:kept"}));
  BOOST_TEST(report->networks_on["s1"] == (std::set<std::string>{"bridge", "quarry-blog"}));
  BOOST_TEST(report->dropped.size() == 1u);
  BOOST_TEST(report->removed.size() == 1u);
}

BOOST_AUTO_TEST_CASE(containers_keep_to_themselves_by_default) {
  Instruction in;
  in.op = Op::Deploy;
  in.stack = "blog";
  in.target = "web";
  in.process.name = "web";
  in.process.image = "img";
  in.process.port = 8080;
  ContainerPlacement p;
  p.release = 1;
  p.host_port = 20000;
  p.bind_address = "10.0.0.1";
  p.network = "quarry-blog";
  auto argv = docker_run(in, p);
  BOOST_REQUIRE(argv.has_value());
  auto line = shell_join(*argv);
  BOOST_TEST(line.find(" --publish 10.0.0.1:20000:8080 ") != std::string::npos, line);
  BOOST_TEST(line.find(" --security-opt no-new-privileges ") != std::string::npos, line);
  BOOST_TEST(line.find(" --pids-limit 1024 ") != std::string::npos, line);
  BOOST_TEST(line.find(" --cpu-shares 1024 ") != std::string::npos, line);
  BOOST_TEST(line.find(" --network quarry-blog ") != std::string::npos, line);
  // `cpu:` replaces the small share with a limit.
  in.process.cpu = 1.5;
  p.cpu = 1.5;
  line = shell_join(*docker_run(in, p));
  BOOST_TEST(line.find("--cpu-shares") == std::string::npos, line);
  BOOST_TEST(line.find(" --cpus 1.5 ") != std::string::npos, line);
}

BOOST_AUTO_TEST_SUITE_END()
