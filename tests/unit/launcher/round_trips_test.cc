// Remote round trips of a launch, counted on a FakeShell: one command per
// container start (env file and docker run together), and per server once
// the image check and the stack's network, however many replicas start
// there. A deploy pays SSH latency per command, so these counts are what
// `bench/deploy` measures against the floor.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "compiler/compile.h"
#include "launcher/image_shipper.h"
#include "launcher/launcher.h"
#include "store/store_json.h"
#include "tests/fakes/fake_shell.h"
#include "tests/fakes/memory_store.h"
#include "tests/fakes/simple_placement.h"

using namespace quarry;

namespace {

Process node(const std::string& name, int port, int scale) {
  Process p;
  p.name = name;
  p.image = "bench";
  p.port = port;
  p.memory_mb = 128;
  p.scale = scale;
  if (port > 0) p.health = HealthCheck{"", 100, 1, 1};
  p.env = {{"API_TOKEN", "s3cr3t value"}};
  return p;
}

struct Fixture {
  MemoryStore store;
  FakeShell shell;
  RoundRobinPlacer placer{{"s1", "s2"}};
  HealthyProber prober;
  ImageShipper shipper{shell, {}};

  Fixture() {
    save_two_servers(store);
    // The servers hold the image under its tag: one inspect each.
    shell.on_out("docker image inspect", "[\"quarry/bench_web:r1\"]\n");
  }

  // Release 1 of web x4 and worker x4 on the two servers; `known` as the
  // reconcile would have seen the image and the network on both, then the
  // deferred tags given.
  Status launch(PhaseTimings* timings = nullptr, bool known = false) {
    Stack s;
    s.name = "bench";
    s.nodes = {node("web", 8080, 4), node("worker", 0, 4)};
    auto list = compile(s, {});
    std::map<std::string, BuiltImage> images = {{"web", {"web", "quarry/bench_web:r1", "sha256:b"}},
                                                {"worker", {"worker", "quarry/bench_web:r1", "sha256:b"}}};
    LaunchOptions o;
    o.drain_ms = 0;
    for (const std::string server : {"s1", "s2"}) {
      if (!known) break;
      o.images_on[server] = {"sha256:b"};
      o.networks_on[server] = {"quarry-bench"};
    }
    Launcher launcher(LaunchDeps{&store, &shell, &placer, &shipper, nullptr, &prober, timings}, o);
    auto s1 = launcher.execute(list, 1, images);
    if (s1 && known) tagged_after = launcher.tag_deferred();
    return s1;
  }
  std::vector<std::string> tagged_after;
};

std::size_t count(const std::vector<FakeShell::Ran>& ran, const std::string& host, const std::string& part) {
  return static_cast<std::size_t>(std::count_if(ran.begin(), ran.end(), [&](const FakeShell::Ran& r) {
    return r.host == host && r.command.find(part) != std::string::npos;
  }));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(round_trips)

// Before: per container an image inspect, the env upload, the network
// check, docker rm, docker run and the env file's removal (6 round trips).
BOOST_AUTO_TEST_CASE(one_command_per_container_start_and_one_image_check_and_network_per_server) {
  Fixture f;
  BOOST_REQUIRE(f.launch());
  auto ran = f.shell.ran();
  for (const std::string host : {"s1", "s2"}) {
    BOOST_TEST_CONTEXT("server " << host) {
      std::size_t on_host = static_cast<std::size_t>(
          std::count_if(ran.begin(), ran.end(), [&](const FakeShell::Ran& r) { return r.host == host; }));
      BOOST_TEST(count(ran, host, "docker run") == 4u);       // 2 web + 2 worker
      BOOST_TEST(count(ran, host, "docker image inspect") == 1u);
      BOOST_TEST(count(ran, host, "docker network") == 1u);  // inspect or create, in one command
      BOOST_TEST(on_host == 4u + 1u + 1u);
    }
  }
  // Every start writes its env from stdin in the same command as the run;
  // the values never appear on a command line.
  for (const auto& r : ran) {
    BOOST_TEST(r.command.find("s3cr3t") == std::string::npos, r.command);
    if (r.command.find("docker run") == std::string::npos) continue;
    BOOST_TEST(r.command.starts_with("sh -c "), r.command);
    BOOST_TEST(r.command.find("--env-file .quarry/env/bench_") != std::string::npos, r.command);
    BOOST_TEST(r.stdin_data.find("API_TOKEN=s3cr3t value\n") != std::string::npos);
  }
}

// What the reconcile saw running on a server (the image by id, the stack's
// network) is not checked before the starts there: the first remote command
// on each server is a start, and the image gets the release's tag after.
BOOST_AUTO_TEST_CASE(what_the_reconcile_saw_is_not_checked_before_the_starts) {
  Fixture f;
  BOOST_REQUIRE(f.launch(nullptr, true));
  BOOST_TEST(f.tagged_after.empty());
  auto ran = f.shell.ran();
  for (const std::string host : {"s1", "s2"}) {
    BOOST_TEST_CONTEXT("server " << host) {
      BOOST_TEST(count(ran, host, "docker run") == 4u);
      BOOST_TEST(count(ran, host, "docker network") == 0u);
      BOOST_TEST(count(ran, host, "docker image inspect") == 1u);  // the tag, after
      std::size_t last_run = 0, inspect = 0;
      for (std::size_t k = 0; k < ran.size(); ++k) {
        if (ran[k].host != host) continue;
        if (ran[k].command.find("docker run") != std::string::npos) last_run = k;
        if (ran[k].command.find("docker image inspect") != std::string::npos) inspect = k;
      }
      BOOST_TEST(inspect > last_run);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_timed_launch_records_ship_start_and_health_per_server) {
  Fixture f;
  ManualClock clock(1000);
  PhaseTimings timings(clock);
  BOOST_REQUIRE(f.launch(&timings));
  std::map<std::pair<std::string, std::string>, int> counts;
  for (const auto& s : timings.spans()) counts[{std::string(phase_name(s.phase)), s.server}] += 1;
  for (const std::string host : {"s1", "s2"}) {
    BOOST_TEST_CONTEXT("server " << host) {
      BOOST_TEST((counts[{"ship", host}]) == 2);   // the image once, the network once
      BOOST_TEST((counts[{"start", host}]) == 4);
      BOOST_TEST((counts[{"health", host}]) == 2);  // web only: worker has no port
    }
  }
}

// A service that runs on into release 2 (ENSURE finds it) is not started
// again; its server gets release 2's name for the image it runs, so that
// retention can drop release 1's name there.
BOOST_AUTO_TEST_CASE(a_kept_service_gets_the_new_release_name_on_its_server_and_no_second_start) {
  Fixture f;
  Stack s;
  s.name = "bench";
  s.services = {node("db", 5432, 1)};
  LaunchOptions o;
  o.drain_ms = 0;
  auto launch = [&](int release) {
    std::map<std::string, BuiltImage> images = {
        {"db", {"db", "quarry/bench_db:r" + std::to_string(release), "sha256:b"}}};
    Launcher launcher(LaunchDeps{&f.store, &f.shell, &f.placer, &f.shipper, nullptr, &f.prober, nullptr}, o);
    return launcher.execute(compile(s, {}), release, images);
  };
  BOOST_REQUIRE(launch(1));
  BOOST_REQUIRE(launch(2));
  auto ran = f.shell.ran();
  BOOST_TEST(count(ran, "s1", "docker run") + count(ran, "s2", "docker run") == 1u);
  const std::string host = count(ran, "s1", "docker run") == 1u ? "s1" : "s2";
  BOOST_TEST(count(ran, host, "docker tag sha256:b quarry/bench_db:r2") == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
