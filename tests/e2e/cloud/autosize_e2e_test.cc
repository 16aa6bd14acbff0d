// Autosize end to end against the cloud mocks: a deploy that does not fit
// the grid makes it ask the configured provider for servers, through the
// same parts the CLI wires (GridPlacer -> ProviderServerSource ->
// ServerFleet -> provider), with FakeDocker playing the servers' engines.
// DigitalOcean through Prism (every answer checked for spec violations),
// EC2 through moto behind the model-checking proxy; moto keeps state, so its
// instance list must equal quarry's records after the deploy and after the
// grid gives the emptied servers back.
#include <boost/test/unit_test.hpp>

#include <set>

#include "cli/server_source.h"
#include "cloud/digitalocean_provider.h"
#include "cloud/ec2_provider.h"
#include "cloud/server_names.h"
#include "compiler/compile.h"
#include "grid/clock.h"
#include "store/grid_store.h"
#include "launcher/grid_placer.h"
#include "launcher/host_keys.h"
#include "launcher/launcher.h"
#include "store/store_json.h"
#include "tests/e2e/cloud/mock_apis.h"
#include "tests/fakes/fake_docker.h"
#include "tests/fakes/memory_store.h"

using namespace quarry;
using namespace quarry::e2e;

namespace {

class HealthyProber : public Prober {
 public:
  ProbeAttempt probe(const std::string&, int, const HealthCheck&, int number) override {
    return ProbeAttempt{number, true, "HTTP 200", 1};
  }
  std::string where() const override { return "from the test"; }
};

Process process(const std::string& name, bool service, int memory, int scale) {
  Process p;
  p.name = name;
  p.is_service = service;
  p.image = name == "db" ? "postgres" : "blog-web";
  p.port = service ? 5432 : 8080;
  p.memory_mb = memory;
  p.health = HealthCheck{"", 100, 1, 1};
  p.scale = scale;
  return p;
}

// db (512 MB) and web x3 (256 MB each): 1280 MB in all.
InstructionList blog() {
  Stack s;
  s.name = "blog";
  s.services = {process("db", true, 512, 1)};
  s.nodes = {process("web", false, 256, 3)};
  s.manifest_hash = "h";
  return compile(s, {});
}

// The grid, the cloud behind it and the launcher, as `quarry deploy` wires them.
struct Cluster {
  MemoryStore store;
  FakeDocker docker;
  ManualClock clock{1'000'000};
  HealthyProber prober;
  HostKeyStore keys{store};
  std::unique_ptr<ProviderServerSource> source;
  std::unique_ptr<GridPlacer> placer;

  Cluster(Provider& provider, const std::string& cluster_id, int block_memory) {
    nlohmann::json grid = {{"autosize", true}, {"min", 0}, {"max", 4}, {"block_memory", block_memory}, {"block_cpu", 2}};
    BOOST_REQUIRE(put_json(store, "etc/grid.json", grid).has_value());
    FleetOptions o;
    o.probe_ssh = false;
    source = std::make_unique<ProviderServerSource>(store, provider, keys, cluster_id, o);
    placer = std::make_unique<GridPlacer>(store, source.get(), &clock);
  }
  Launcher launcher() {
    LaunchOptions o;
    o.drain_ms = 0;
    o.stop_grace_s = 1;
    return Launcher(LaunchDeps{&store, &docker, placer.get(), nullptr, nullptr, &prober}, o);
  }
  Status deploy() {
    std::map<std::string, BuiltImage> images = {{"web", {"web", "blog-web:1", "sha256:w"}},
                                                {"db", {"db", "postgres:15", "sha256:d"}}};
    return launcher().execute(blog(), 1, images);
  }
  std::vector<ServerRecord> servers(const std::string& provider) {
    std::vector<ServerRecord> out;
    auto all = load_servers(store).value();
    for (const auto& s : all)
      if (s.provider == provider) out.push_back(s);
    return out;
  }
  std::set<std::string> refs(const std::string& provider) {
    std::set<std::string> out;
    for (const auto& s : servers(provider)) out.insert(s.provider_ref);
    return out;
  }
  // Every container is on a server the grid and the store know.
  bool placed_on_known_servers() {
    auto grid = load_grid(store, kGridKey).value();
    auto books = load_containers(store, "blog").value();
    for (const auto& r : books) {
      bool known = false;
      for (const auto& b : grid.blocks) known = known || b.block.id == r.server;
      if (!known || !load_server(store, r.server).value()) return false;
    }
    return books.size() == 4u && grid.pending.empty();
  }
};

std::string first(const std::vector<std::string>& v) { return v.empty() ? "" : v.front(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(autosize)

BOOST_AUTO_TEST_CASE(a_deploy_that_does_not_fit_gets_a_digitalocean_server_through_prism) {
  BOOST_REQUIRE_MESSAGE(prism().error.empty(), prism().error);
  ContractHttp http;
  DigitalOceanConfig c;
  c.token = "autosize-token";
  c.base_url = prism().url();
  c.authorized_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHQ quarry-hq";
  c.tag = cluster_tag("quarry", "as1");
  c.poll_interval = std::chrono::milliseconds(20);
  c.create_timeout = std::chrono::milliseconds(2000);
  c.wait_for_ssh = false;  // Prism's droplets have example addresses
  DigitalOceanProvider provider(c, http);
  Cluster cluster(provider, "as1", 2048);
  // A server of 1024 MB is there already: the stack's 1280 MB do not fit.
  ServerRecord s1;
  s1.id = "s1";
  s1.provider = "manual";
  s1.ip = "10.0.0.1";
  s1.memory_mb = 1024;
  s1.cpu = 2;
  BOOST_REQUIRE(save_server(cluster.store, s1).has_value());
  BOOST_REQUIRE(cluster.placer->add_server(s1).has_value());
  auto deployed = cluster.deploy();
  BOOST_REQUIRE_MESSAGE(deployed.has_value(), (deployed ? "" : deployed.error().message));
  auto made = cluster.servers("digitalocean");
  BOOST_REQUIRE(made.size() == 1u);
  // Prism answers every create with its example droplet (its name, its
  // size); the name quarry sent (q-as1-1) was checked against the spec.
  BOOST_TEST(!made[0].provider_ref.empty());
  int there = 0;
  auto books = load_containers(cluster.store, "blog").value();
  for (const auto& r : books) there += r.server == made[0].id;
  BOOST_TEST(there >= 1);  // what did not fit runs on the new server
  auto pin = cluster.keys.pinned(made[0].id);
  BOOST_TEST((pin && pin->has_value()));  // the host key made on the HQ, pinned before first contact
  BOOST_TEST(cluster.placed_on_known_servers());
  BOOST_TEST(http.sent >= 2);
  BOOST_TEST(http.violations.empty(), http.violations.size() << " violations, first: " << first(http.violations));
  // Prism keeps no state: what it lists is its example, not what was made.
}

BOOST_AUTO_TEST_CASE(a_deploy_on_an_empty_grid_gets_ec2_servers_from_moto_and_gives_them_back) {
  BOOST_REQUIRE_MESSAGE(moto_proxy().error.empty(), moto_proxy().error);
  reset_moto();
  set_faults(moto_proxy(), "[]");
  clear_log(moto_proxy());
  CurlHttpClient http;
  Ec2Config c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = "secret";
  c.endpoint = moto_proxy().url() + "/";
  c.image_id = "ami-12c6146b";
  c.authorized_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHQ quarry-hq";
  c.tag = cluster_tag("quarry", "as2");
  c.poll_interval = std::chrono::milliseconds(20);
  c.create_timeout = std::chrono::milliseconds(30000);
  c.wait_for_ssh = false;
  c.use_private_ip = true;
  Ec2Provider provider(c, http);
  // Servers of 1024 MB: the stack's 1280 MB need two.
  Cluster cluster(provider, "as2", 1024);
  auto deployed = cluster.deploy();
  BOOST_REQUIRE_MESSAGE(deployed.has_value(), (deployed ? "" : deployed.error().message));
  BOOST_TEST(cluster.servers("ec2").size() == 2u);
  BOOST_TEST(cluster.placed_on_known_servers());
  BOOST_TEST(moto_instances(c.tag) == cluster.refs("ec2"));
  // The stack goes; once past the grid's hysteresis both servers go back.
  BOOST_REQUIRE(cluster.launcher().destroy_stack("blog").has_value());
  cluster.clock.advance_ms(24 * 3600 * 1000);
  BOOST_REQUIRE(cluster.placer->tick().has_value());
  cluster.clock.advance_ms(24 * 3600 * 1000);
  BOOST_REQUIRE(cluster.placer->tick().has_value());
  BOOST_TEST(cluster.servers("ec2").empty());
  BOOST_TEST(moto_instances(c.tag).empty());
  auto v = violations(moto_proxy());
  BOOST_TEST(v.empty(), v.size() << " model violations, first: " << first(v));
}

BOOST_AUTO_TEST_SUITE_END()
