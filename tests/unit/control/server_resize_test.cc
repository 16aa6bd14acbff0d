// ServerResizer over FakeDocker, a MemoryStore and the real GridPlacer: the
// server's node replicas move off it with no moment below their scale, the
// provider resizes it once it holds only services, and the grid uses it again.
#include <boost/test/unit_test.hpp>

#include "control/server_resize.h"
#include "store/grid_store.h"
#include "launcher/stack_records.h"
#include "tests/unit/control/control_fixture.h"

namespace quarry {
namespace {

using test::ControlFixture;

// Passes commands to FakeDocker; before every stop or removal (in a drain,
// only of old web replicas), counts the web containers running anywhere.
class WatchingShell : public RemoteShell {
 public:
  WatchingShell(FakeDocker& docker, std::vector<std::string> hosts) : docker_(docker), hosts_(std::move(hosts)) {}
  Result<ProcessResult> run(const Endpoint& host, const Command& cmd) override {
    const auto& a = cmd.argv;
    if (a.size() >= 3 && a[0] == "docker" && (a[1] == "stop" || a[1] == "rm") && runs(host.name, a.back()))
      min_running_at_stop = std::min(min_running_at_stop, running_webs());
    return docker_.run(host, cmd);
  }
  int running_webs() const {
    int n = 0;
    for (const auto& h : hosts_)
      for (const auto& c : docker_.on(h))
        if (c.running && c.name.find("web") != std::string::npos) ++n;
    return n;
  }
  // A stop of a running container (not the clean-up before a run).
  bool runs(const std::string& host, const std::string& ref) const {
    for (const auto& c : docker_.on(host))
      if (c.running && (c.name == ref || c.id == ref)) return true;
    return false;
  }
  int min_running_at_stop = 1 << 20;

 private:
  FakeDocker& docker_;
  std::vector<std::string> hosts_;
};

struct ResizeFixture : ControlFixture {
  explicit ResizeFixture(int servers = 3, bool autosize = false) : ControlFixture(servers, 2048, autosize) {}
  std::vector<std::string> resized;   // "ID SIZE", one per provider call
  std::vector<ContainerRecord> webs_on_server_at_resize;

  Result<ResizeReport> resize(const std::string& id, ResizeTarget target, RemoteShell* shell = nullptr) {
    ControlEnv e = env();
    if (shell) e.shell = shell;
    auto server = load_server(store, id).value().value();
    ServerResizer resizer(
        e, *placer, nullptr, options,
        [&](const ServerRecord& s, const std::string& size) -> Result<ServerRecord> {
          resized.push_back(s.id + " " + size);
          for (const auto& r : books_of("web"))
            if (r.server == s.id) webs_on_server_at_resize.push_back(r);
          return s;
        },
        [](int) {});
    return resizer.resize(server, target);
  }

  // Every record's slice is on the record's server in the saved grid.
  bool grid_matches_books() {
    auto grid = load_grid(store, kGridKey).value();
    for (const auto& r : books()) {
      bool found = false;
      for (const auto& b : grid.blocks)
        for (const auto& s : b.slices)
          if (s.id == slice_id_of(r) && b.block.id == r.server) found = true;
      if (!found) return false;
    }
    return true;
  }
  Block block(const std::string& id) {
    auto grid = load_grid(store, kGridKey).value();
    for (const auto& b : grid.blocks)
      if (b.block.id == id) return b.block;
    return {};
  }
};

std::set<int> indices(const std::vector<ContainerRecord>& list) {
  std::set<int> out;
  for (const auto& r : list) out.insert(r.index);
  return out;
}

BOOST_AUTO_TEST_SUITE(server_resize)

BOOST_AUTO_TEST_CASE(nodes_move_off_with_no_downtime_then_the_server_is_resized_and_used_again) {
  ResizeFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  const std::string id = f.books_of("db")[0].server;  // holds the service, and a web replica
  int webs_there = 0;
  for (const auto& r : f.books_of("web")) webs_there += r.server == id;
  BOOST_TEST_REQUIRE(webs_there == 1);
  const auto names_before = f.books().size();
  WatchingShell shell(f.docker, {"s1", "s2", "s3"});
  auto report = f.resize(id, ResizeTarget{"s-4vcpu-8gb", 8192, 4}, &shell);
  BOOST_TEST_REQUIRE(report.has_value(), (report ? "" : report.error().message));
  BOOST_TEST(f.resized == std::vector<std::string>{id + " s-4vcpu-8gb"}, boost::test_tools::per_element());
  BOOST_TEST(f.webs_on_server_at_resize.empty());  // drained before the provider was called
  BOOST_TEST(report->moved.size() == 1u);
  auto web = f.books_of("web");
  BOOST_TEST(web.size() == 2u);
  BOOST_TEST((indices(web) == std::set<int>{1, 2}));
  for (const auto& r : web) BOOST_TEST(r.server != id);
  BOOST_TEST(f.books().size() == names_before);
  // Two web replicas were always running: three at each stop of an old one.
  BOOST_TEST(shell.min_running_at_stop == 3);
  BOOST_TEST(f.grid_matches_books());
  BOOST_TEST(f.block(id).capacity.memory_mb == 8192);
  BOOST_TEST(f.block(id).capacity.cpu_millis == 4000);
  BOOST_TEST(load_server(f.store, id).value()->memory_mb == 8192);
  BOOST_TEST(report->restarted == std::vector<std::string>{"blog db#1"}, boost::test_tools::per_element());
  BOOST_TEST(f.books_of("db")[0].server == id);  // services stay
  // The control loop finds nothing to do: the moved replicas are what it wants.
  f.clock.advance_ms(1000);
  auto pass = f.pass();
  BOOST_TEST_REQUIRE(pass.has_value());
  BOOST_TEST(pass->actions == 0);
  // The grid places on the resized server again.
  auto placed = f.placer->place(Slice{"other/big.r1/1", Resources{6000, 100}, false, {}});
  BOOST_TEST_REQUIRE(placed.has_value(), (placed ? "" : placed.error().message));
  BOOST_TEST(*placed == id);
}

BOOST_AUTO_TEST_CASE(a_size_too_small_for_its_services_changes_nothing) {
  ResizeFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  const std::string id = f.books_of("db")[0].server;
  auto before = f.books();
  auto report = f.resize(id, ResizeTarget{"s-1vcpu-512mb", 256, 1});
  BOOST_TEST_REQUIRE(!report.has_value());
  BOOST_TEST(report.error().message.find("runs services needing 512 MB") != std::string::npos, report.error().message);
  BOOST_TEST(f.resized.empty());
  BOOST_TEST(f.books().size() == before.size());
  for (std::size_t i = 0; i < before.size(); ++i) BOOST_TEST(f.books()[i].name == before[i].name);
}

BOOST_AUTO_TEST_CASE(with_autosize_the_grid_asks_for_a_server_to_move_onto) {
  ResizeFixture f(1, true);
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  BOOST_TEST_REQUIRE(f.source.created == 0);
  auto report = f.resize("s1", ResizeTarget{"s-2vcpu-4gb", 4096, 2});
  BOOST_TEST_REQUIRE(report.has_value(), (report ? "" : report.error().message));
  BOOST_TEST(f.source.created == 1);
  for (const auto& r : f.books_of("web")) BOOST_TEST(r.server == "n1");
  BOOST_TEST((indices(f.books_of("web")) == std::set<int>{1, 2}));
  BOOST_TEST(f.books_of("db")[0].server == "s1");
  BOOST_TEST(f.grid_matches_books());
}

BOOST_AUTO_TEST_CASE(a_replacement_that_fails_its_health_check_leaves_the_old_one_and_the_size) {
  ResizeFixture f(2);
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  std::string id = f.books_of("web")[0].server;
  std::string other = id == "s1" ? "s2" : "s1";
  f.prober.bad.insert("10.0.0." + other.substr(1));  // nothing is healthy on the other server
  auto before = f.books_of("web");
  auto report = f.resize(id, ResizeTarget{"s-4vcpu-8gb", 8192, 4});
  BOOST_TEST_REQUIRE(!report.has_value());
  BOOST_TEST(report.error().message.find("failed its health check") != std::string::npos, report.error().message);
  BOOST_TEST(f.resized.empty());
  BOOST_TEST(f.books_of("web").size() == before.size());
  BOOST_TEST(f.grid_matches_books());
  BOOST_TEST(f.block(id).capacity.memory_mb == 2048);
}

BOOST_AUTO_TEST_CASE(a_renamed_slice_stays_where_it_is_and_a_bad_rename_changes_nothing) {
  ResizeFixture f;
  auto a = f.placer->place(Slice{"blog/web.r1/1", Resources{256, 100}, false, {}});
  auto b = f.placer->place(Slice{"blog/web.r1/2", Resources{256, 100}, false, {}});
  BOOST_TEST_REQUIRE((a && b));
  auto before = load_grid(f.store, kGridKey).value();
  BOOST_TEST(!f.placer->rename_slice("blog/web.r1/9", "blog/web.r1/3").has_value());  // unknown
  BOOST_TEST(!f.placer->rename_slice("blog/web.r1/1", "blog/web.r1/2").has_value());  // taken
  BOOST_TEST((load_grid(f.store, kGridKey).value() == before));
  BOOST_TEST_REQUIRE(f.placer->rename_slice("blog/web.r1/2", "blog/web.r1/7").has_value());
  auto grid = load_grid(f.store, kGridKey).value();
  bool found = false;
  for (const auto& blk : grid.blocks)
    for (const auto& sl : blk.slices) found = found || (sl.id == "blog/web.r1/7" && blk.block.id == *b);
  BOOST_TEST(found);
  auto ids = f.placer->slices("blog/").value();
  BOOST_TEST(ids.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace quarry
