// The Deployer's order of work, on fakes: the reconcile with the servers and
// the builds on the HQ engine run at the same time, and a failed build
// starts nothing.
#include <boost/test/unit_test.hpp>

#include <condition_variable>

#include "core/file_io.h"
#include "launcher/deployer.h"
#include "launcher/image_shipper.h"
#include "store/store_json.h"
#include "tests/fakes/fake_shell.h"
#include "tests/fakes/memory_store.h"
#include "tests/fakes/simple_placement.h"

using namespace quarry;

namespace {

// The engine's `docker build` and the servers' `docker ps` meet here.
struct Meeting {
  std::mutex mu;
  std::condition_variable cv;
  bool building = false;
};

class EngineShell : public FakeShell {
 public:
  explicit EngineShell(Meeting& m) : m_(m) {}
  Result<ProcessResult> run(const Endpoint& host, const Command& cmd) override {
    if (shell_join(cmd.argv).find("docker build") != std::string::npos) {
      std::lock_guard lock(m_.mu);
      m_.building = true;
      m_.cv.notify_all();
    }
    return FakeShell::run(host, cmd);
  }

 private:
  Meeting& m_;
};

// Each reconcile query waits (up to 5 s) for a build to be under way.
class ServerShell : public FakeShell {
 public:
  explicit ServerShell(Meeting& m) : m_(m) {}
  Result<ProcessResult> run(const Endpoint& host, const Command& cmd) override {
    if (shell_join(cmd.argv).find("docker ps") != std::string::npos) {
      std::unique_lock lock(m_.mu);
      bool met = m_.cv.wait_for(lock, std::chrono::seconds(5), [&] { return m_.building; });
      (met ? met_ : missed_) += 1;
    }
    return FakeShell::run(host, cmd);
  }
  int met() const { return met_; }
  int missed() const { return missed_; }

 private:
  Meeting& m_;
  std::atomic<int> met_{0}, missed_{0};
};

struct Fixture {
  Meeting meeting;
  MemoryStore store;
  ServerShell servers{meeting};
  EngineShell engine{meeting};
  RoundRobinPlacer placer{{"s1", "s2"}};
  HealthyProber prober;
  ImageShipper shipper{servers, {}};
  ImageBuilder builder{engine};
  std::string source;

  Fixture() {
    save_two_servers(store);
    source = make_temp_dir("quarry-deployer").value();
    (void)write_file_atomic(source + "/Dockerfile", "FROM scratch\n");
    engine.on_out("docker image inspect", "sha256:feed\n");
    servers.on_out("docker image inspect", "[\"quarry/app_worker:r1\"]\n");
  }
  ~Fixture() { remove_all(source); }

  Result<DeployResult> deploy() {
    Process p;
    p.name = "worker";
    p.build = ".";
    p.memory_mb = 128;
    p.scale = 2;
    DeployRequest req;
    req.stack.name = "app";
    req.stack.nodes = {p};
    req.source_dir = source;
    LaunchOptions o;
    o.drain_ms = 0;
    Deployer d(DeployerDeps{&store, &servers, &placer, &builder, &shipper, nullptr, &prober, nullptr, nullptr}, o);
    return d.deploy(req);
  }
};

std::size_t count(const FakeShell& shell, const std::string& part) {
  std::size_t n = 0;
  for (const auto& c : shell.commands()) n += c.find(part) != std::string::npos;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(deployer)

BOOST_AUTO_TEST_CASE(the_builds_run_while_the_servers_are_reconciled) {
  Fixture f;
  auto r = f.deploy();
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
  BOOST_TEST(r->release == 1);
  // Both servers' queries saw a build under way; one after the other, each
  // would have waited its 5 s out.
  BOOST_TEST(f.servers.met() == 2);
  BOOST_TEST(f.servers.missed() == 0);
  BOOST_TEST(count(f.engine, "docker build") == 1u);
  BOOST_TEST(count(f.servers, "docker run") == 2u);
  BOOST_TEST(load_releases(f.store, "app").value().back().status == "deployed");
}

BOOST_AUTO_TEST_CASE(a_failed_build_starts_nothing_and_records_no_release) {
  Fixture f;
  f.engine.on("docker build", ProcessResult{1, "", "Step 1/1 : FROM nothing\nerror: no such image\n", false});
  auto r = f.deploy();
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message.find("build worker") != std::string::npos, r.error().message);
  BOOST_TEST(count(f.servers, "docker ps") == 2u);  // the reconcile still ran
  BOOST_TEST(count(f.servers, "docker run") == 0u);
  BOOST_TEST(load_releases(f.store, "app").value().empty());
}

BOOST_AUTO_TEST_SUITE_END()
