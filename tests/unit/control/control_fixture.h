// A cluster in memory for the control plane's unit tests: three servers in
// a MemoryStore and a real GridPlacer over it, FakeDocker playing their
// engines, a manual clock, a router that counts syncs and a prober whose
// answer the test sets. Stack "blog": node web (2 replicas, a domain) and
// service db, deployed as release 1 through the real Launcher.
#pragma once

#include <atomic>
#include <set>

#include "compiler/compile.h"
#include "compiler/instruction_json.h"
#include "control/control_loop.h"
#include "control/events.h"
#include "grid/clock.h"
#include "launcher/grid_placer.h"
#include "launcher/launcher.h"
#include "store/store_json.h"
#include "tests/fakes/fake_docker.h"
#include "tests/fakes/memory_store.h"

namespace quarry::test {

class CountingRouter : public RouterHook {
 public:
  Status sync() override {
    ++syncs;
    return {};
  }
  std::atomic<int> syncs{0};
};

class SetProber : public Prober {
 public:
  ProbeAttempt probe(const std::string& address, int, const HealthCheck& check, int number) override {
    bool ok = !bad.count(address) && !bad_paths.count(check.path);
    return ProbeAttempt{number, ok, ok ? "HTTP 200" : "connect: refused", 1};
  }
  std::string where() const override { return "from the test"; }
  std::set<std::string> bad;  // addresses that fail
  std::set<std::string> bad_paths;  // health paths that fail
};

class RecordingSource : public ServerSource {
 public:
  explicit RecordingSource(Store& store) : store_(store) {}
  Result<ServerRecord> create(const Resources& size, const Tags&) override {
    ServerRecord r;
    r.id = "n" + std::to_string(++created);
    r.provider = "local";
    r.ip = "10.0.1." + std::to_string(created);
    r.memory_mb = static_cast<int>(size.memory_mb);
    r.cpu = static_cast<double>(size.cpu_millis) / 1000;
    if (auto s = save_server(store_, r); !s) return std::unexpected(s.error());
    return r;
  }
  Status destroy(const ServerRecord& s) override {
    destroyed.push_back(s.id);
    return remove_server(store_, s.id);
  }
  int created = 0;
  std::vector<std::string> destroyed;

 private:
  Store& store_;
};

inline Process web_node(int scale = 2) {
  Process p;
  p.name = "web";
  p.image = "blog-web";
  p.port = 8080;
  p.memory_mb = 256;
  p.domains = {"blog.test"};
  p.health = HealthCheck{"", 100, 1, 1};
  p.scale = scale;
  return p;
}

// A second node after web (it depends on it), health-checked on /api-up.
inline Process api_node() {
  Process p = web_node(2);
  p.name = "api";
  p.image = "blog-api";
  p.port = 8081;
  p.domains = {"api.blog.test"};
  p.health = HealthCheck{"/api-up", 100, 1, 1};
  p.depends_on = {"web"};
  return p;
}

inline Process db_service() {
  Process p;
  p.name = "db";
  p.is_service = true;
  p.image = "postgres";
  p.port = 5432;
  p.memory_mb = 512;
  p.health = HealthCheck{"", 100, 1, 1};
  return p;
}

// A record of the blog stack's: a service's container, or a node replica
// of `release` taking traffic.
inline ContainerRecord blog_record(const std::string& node, int index, int release, const std::string& server,
                                   bool service = false) {
  ContainerRecord r;
  r.stack = "blog";
  r.node = node;
  r.service = service;
  r.index = index;
  r.release = release;
  r.server = server;
  r.name = service ? "blog-" + node : "blog-" + node + "-r" + std::to_string(release) + "-" + std::to_string(index);
  r.weight = service ? 0 : 1;
  return r;
}

struct ControlFixture {
  MemoryStore store;
  FakeDocker docker;
  ManualClock clock{1'000'000};
  CountingRouter router;
  SetProber prober;
  RecordingSource source{store};
  std::unique_ptr<GridPlacer> placer;
  LoopSettings settings;
  LaunchOptions options;
  bool web_needs_db = false;        // web depends on db (gets DB_HOST/DB_PORT)
  std::map<std::string, std::string> global_env, stack_env;  // at compile time
  std::vector<std::string> redeploys;  // why, per ControlEnv::redeploy call
  bool reschedule_db = false;  // db is stateless: `reschedule: true`
  bool with_api = false;       // a second node, api (api_node)

  explicit ControlFixture(int servers = 3, int memory_mb = 2048, bool autosize = false, int max = 20) {
    nlohmann::json grid = {{"autosize", autosize}, {"max", max}, {"min", 0}, {"block_memory", 1024}, {"block_cpu", 2}};
    (void)put_json(store, "etc/grid.json", grid);
    placer = std::make_unique<GridPlacer>(store, autosize ? &source : nullptr, &clock);
    for (int i = 1; i <= servers; ++i) add_server("s" + std::to_string(i), memory_mb);
    options.drain_ms = 0;
    options.stop_grace_s = 1;
  }

  void add_server(const std::string& id, int memory_mb) {
    ServerRecord r;
    r.id = id;
    r.provider = "manual";
    r.ip = "10.0.0." + id.substr(1);
    r.memory_mb = memory_mb;
    r.cpu = 4;
    (void)save_server(store, r);
    (void)placer->add_server(r);
  }

  ControlEnv env() {
    ControlEnv e;
    e.clock = &clock;
    e.store = &store;
    e.shell = &docker;
    e.placer = placer.get();
    e.router = &router;
    e.prober = &prober;
    e.grid_tick = [this] { return placer->tick(); };
    // The deploy path: the live release again, as the next release.
    e.redeploy = [this](const std::string&, const std::string& why) -> Result<int> {
      redeploys.push_back(why);
      auto releases = load_releases(store, "blog");
      if (!releases) return std::unexpected(releases.error());
      int next = releases->empty() ? 1 : releases->back().number + 1;
      if (auto s = deploy(next); !s) return std::unexpected(s.error());
      return next;
    };
    return e;
  }

  Stack stack(int web_scale = 2) {
    Stack s;
    s.name = "blog";
    s.services = {db_service()};
    s.services[0].reschedule = reschedule_db;
    s.nodes = {web_node(web_scale)};
    if (web_needs_db) s.nodes[0].depends_on = {"db"};
    if (with_api) s.nodes.push_back(api_node());
    s.global_env = global_env;
    s.env = stack_env;
    s.manifest_hash = "h";
    return s;
  }

  // Deploys release `number` through the real Launcher and records it.
  Status deploy(int number, int web_scale = 2, std::set<std::string> avoid = {}) {
    auto list = compile(stack(web_scale), {});
    std::map<std::string, BuiltImage> images = {{"web", {"web", "blog-web:" + std::to_string(number), "sha256:w"}},
                                                {"db", {"db", "postgres:15", "sha256:d"}}};
    if (with_api) images["api"] = {"api", "blog-api:" + std::to_string(number), "sha256:a"};
    ReleaseRecord rec;
    rec.number = number;
    rec.stack = "blog";
    nlohmann::json imgs = nlohmann::json::object();
    for (const auto& [p, i] : images) imgs[p] = {{"tag", i.tag}, {"id", i.id}};
    rec.spec = {{"instructions", nlohmann::json::parse(to_json(list))}, {"images", imgs}};
    auto opts = options;
    opts.avoid_servers = std::move(avoid);
    Launcher launcher(LaunchDeps{&store, &docker, placer.get(), nullptr, &router, &prober}, opts);
    auto st = launcher.execute(list, number, images);
    rec.status = st ? "deployed" : "failed";
    if (auto s = save_release(store, rec); !s) return s;
    return st;
  }

  ControlLoop loop() { return ControlLoop(env(), settings, options); }

  Result<PassReport> pass() {
    auto l = loop();
    return l.pass();
  }
  // Passes `n` times, `step_ms` apart.
  void passes(int n, std::int64_t step_ms = 1000) {
    for (int i = 0; i < n; ++i) {
      clock.advance_ms(step_ms);
      (void)pass();
    }
  }

  std::vector<ContainerRecord> books() { return load_containers(store, "blog").value_or(std::vector<ContainerRecord>{}); }
  std::vector<ContainerRecord> books_of(const std::string& node) {
    std::vector<ContainerRecord> out;
    for (auto& r : books()) {
      if (r.node == node) out.push_back(r);
    }
    return out;
  }
  std::string health(const std::string& server) { return health_name(load_health(store, server).value().state); }
  std::vector<std::string> event_kinds() {
    std::vector<std::string> out;
    for (const auto& e : read_events(store).value_or(std::vector<Event>{})) out.push_back(e.kind);
    return out;
  }
  bool has_event(const std::string& kind) {
    auto k = event_kinds();
    return std::find(k.begin(), k.end(), kind) != k.end();
  }
};

}  // namespace quarry::test
