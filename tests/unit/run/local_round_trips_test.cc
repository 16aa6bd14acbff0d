// What `quarry run` and `quarry stop` ask of the local engine, and what runs
// at once: no engine check while the engine works, one command for the
// network, the network, images and books' check together, a linked
// service's address asked once and during its health gate.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <condition_variable>

#include "compiler/compile.h"
#include "core/quote.h"
#include "launcher/launcher.h"
#include "launcher/local_placer.h"
#include "launcher/local_run.h"
#include "store/records.h"
#include "tests/fakes/fake_shell.h"
#include "tests/fakes/memory_store.h"
#include "tests/fakes/store_view.h"

using namespace quarry;

namespace {

// Two parties that should be under way at the same time: each arrive()
// waits (at most 2 s) for the other and says whether it came; one that gave
// up has left (a late other does not meet it).
class Rendezvous {
 public:
  bool arrive(int side) {
    std::unique_lock lock(mu_);
    here_[side] = true;
    cv_.notify_all();
    bool met = cv_.wait_for(lock, std::chrono::seconds(2), [&] { return here_[1 - side]; });
    if (!met) here_[side] = false;
    return met;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool here_[2] = {false, false};
};

// A FakeShell whose first command containing sides[k] arrives on side k of
// a Rendezvous before it is answered; met() when both found each other.
class MeetingShell : public FakeShell {
 public:
  MeetingShell(std::string side0, std::string side1) : sides_{std::move(side0), std::move(side1)} {}
  Result<ProcessResult> run(const Endpoint& host, const Command& cmd) override {
    auto text = shell_join(cmd.argv);
    for (int k = 0; k < 2; ++k) {
      if (sides_[k].empty() || text.find(sides_[k]) == std::string::npos || seen_[k].exchange(true)) continue;
      if (rendezvous.arrive(k)) met_ = true;
    }
    return FakeShell::run(host, cmd);
  }
  bool met() const { return met_; }
  Rendezvous rendezvous;

 private:
  std::string sides_[2];
  std::atomic<bool> seen_[2] = {false, false};
  std::atomic<bool> met_ = false;
};

Process process(const std::string& name, bool service, int port, int scale, std::vector<std::string> deps = {}) {
  Process p;
  p.name = name;
  p.is_service = service;
  p.image = "quarry-bench/hello:1";
  p.port = port;
  p.scale = scale;
  p.depends_on = std::move(deps);
  if (port > 0) p.health = HealthCheck{"", 100, 1, 1};
  return p;
}

// The bench's stack without ports (no health gate probes a real socket).
LocalRunRequest bench_request() {
  Stack s;
  s.name = "bench";
  s.services = {process("counter", true, 0, 1)};
  s.nodes = {process("web", false, 0, 3, {"counter"}), process("worker", false, 0, 2, {"counter"})};
  return LocalRunRequest{s, "/nonexistent"};
}

LaunchOptions local_options() {
  LaunchOptions o;
  o.network = "quarry-bench";
  o.bind_address = "127.0.0.1";
  o.link_by_container_ip = true;
  o.drain_ms = 0;
  return o;
}

std::size_t count(const std::vector<std::string>& cmds, const std::string& part) {
  return static_cast<std::size_t>(
      std::count_if(cmds.begin(), cmds.end(), [&](const std::string& c) { return c.find(part) != std::string::npos; }));
}

void answer_links(FakeShell& shell) {
  shell.on_out("docker inspect --format", "10.9.0.2\n");
  shell.on_out("docker run", "c0ffee\n");
}

class HealthyProber : public Prober {
 public:
  ProbeAttempt probe(const std::string&, int, const HealthCheck&, int number) override {
    if (first_.exchange(false) && meeting_) meeting_->arrive(0);
    return ProbeAttempt{number, true, "connected", 1};
  }
  std::string where() const override { return "from the test"; }
  void meet_on_first_probe(Rendezvous* r) { meeting_ = r; }

 private:
  std::atomic<bool> first_ = true;
  Rendezvous* meeting_ = nullptr;
};

// Counts the writes of each key (every DirStore write is synced to disk).
class CountingStore : public StoreView {
 public:
  CountingStore() : StoreView(memory_) {}
  Status put(std::string_view k, std::string_view v, unsigned m = 0644) override {
    {
      std::lock_guard lock(mu_);
      ++puts_[std::string(k)];
    }
    return StoreView::put(k, v, m);
  }
  int puts(const std::string& key) {
    std::lock_guard lock(mu_);
    return puts_[key];
  }
  int puts_under(const std::string& prefix) {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& [k, c] : puts_) n += k.starts_with(prefix) ? c : 0;
    return n;
  }
  void reset() {
    std::lock_guard lock(mu_);
    puts_.clear();
  }

 private:
  MemoryStore memory_;
  std::mutex mu_;
  std::map<std::string, int> puts_;
};

// An entry point that notes how many containers the books held at each sync.
class BooksReadingRouter : public RouterHook {
 public:
  explicit BooksReadingRouter(Store& store) : store_(store) {}
  Status sync() override {
    auto recs = load_containers(store_, "bench");
    if (!recs) return std::unexpected(recs.error());
    std::lock_guard lock(mu_);
    seen.push_back(recs->size());
    return {};
  }
  std::vector<std::size_t> seen;

 private:
  Store& store_;
  std::mutex mu_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(local_round_trips)

// Before: the local server record (four keys) on every run, and the books
// once per container started (each a synced write on the critical path).
BOOST_AUTO_TEST_CASE(the_books_are_written_once_per_run_and_the_server_record_once) {
  CountingStore store;
  FakeShell shell;
  answer_links(shell);
  LocalRunner runner(shell, store, nullptr, local_options());
  auto up = runner.up(bench_request());
  BOOST_REQUIRE(up.has_value());
  BOOST_TEST(store.puts("stacks/bench/containers.json") == 1);
  BOOST_TEST(store.puts_under("servers/local/") == 4);
  auto books = load_containers(store, "bench");
  BOOST_REQUIRE(books);
  BOOST_TEST(books->size() == 6u);

  store.reset();
  BOOST_REQUIRE(runner.down("bench", false));
  BOOST_TEST(store.puts("stacks/bench/routes.json") == 0);  // there were none
  BOOST_TEST(store.puts("stacks/bench/containers.json") == 1);

  store.reset();
  BOOST_REQUIRE(runner.up(bench_request()));
  BOOST_TEST(store.puts_under("servers/local/") == 0);
  BOOST_TEST(store.puts("stacks/bench/containers.json") == 1);
}

// With an entry point, which reads the books when it syncs, each start is
// written as it happens, as before.
BOOST_AUTO_TEST_CASE(an_entry_point_reads_the_books_as_the_launch_writes_them) {
  MemoryStore store;
  FakeShell shell;
  answer_links(shell);
  BooksReadingRouter router(store);
  LocalRunner runner(shell, store, &router, local_options());
  BOOST_REQUIRE(runner.up(bench_request()));
  BOOST_REQUIRE(!router.seen.empty());
  BOOST_TEST(*std::max_element(router.seen.begin(), router.seen.end()) >= 4u);  // the service and a node's replicas
}

// Before: `docker version` ahead of every run and stop (one more round trip
// on the critical path of each).
BOOST_AUTO_TEST_CASE(a_working_engine_is_not_asked_for_its_version) {
  MemoryStore store;
  FakeShell shell;
  answer_links(shell);
  LocalRunner runner(shell, store, nullptr, local_options());
  auto up = runner.up(bench_request());
  BOOST_REQUIRE_MESSAGE(up.has_value(), (up ? "" : up.error().message));
  BOOST_TEST(up->containers.size() == 6u);
  BOOST_REQUIRE(runner.down("bench", false));
  auto cmds = shell.commands();
  BOOST_TEST(count(cmds, "docker version") == 0u);
  BOOST_TEST(count(cmds, "docker run") == 6u);
}

BOOST_AUTO_TEST_CASE(a_failure_with_the_engine_down_says_so_in_one_line) {
  MemoryStore store;
  FakeShell shell;
  shell.on("docker", ProcessResult{1, "", "Cannot connect to the Docker daemon at unix:///x.sock\n", false});
  LocalRunner runner(shell, store, nullptr, local_options());
  auto up = runner.up(bench_request());
  BOOST_REQUIRE(!up);
  BOOST_TEST(up.error().message.rfind("the docker engine is not running (", 0) == 0, up.error().message);
  BOOST_TEST(up.error().exit_code() == 3);
  BOOST_TEST(runner.engine_down());
  BOOST_REQUIRE(save_containers(store, "bench", {}));
  auto down = runner.down("bench", false);
  BOOST_REQUIRE(!down);
  BOOST_TEST(down.error().message.rfind("the docker engine is not running (", 0) == 0, down.error().message);
}

// A failure of the engine's listing in stop is an error, never an empty
// stack: the books stay as they are.
BOOST_AUTO_TEST_CASE(stop_keeps_the_books_when_the_engine_cannot_list) {
  MemoryStore store;
  ContainerRecord r;
  r.stack = "bench";
  r.node = "web";
  r.index = 1;
  r.release = 1;
  r.server = "local";
  r.name = "bench_web_r1_1";
  BOOST_REQUIRE(save_containers(store, "bench", {r}));
  FakeShell shell;
  shell.on("docker ps", ProcessResult{1, "", "Cannot connect to the Docker daemon\n", false});
  shell.on_out("docker version", "20.10.24\n");
  LocalRunner runner(shell, store, nullptr, local_options());
  auto down = runner.down("bench", false);
  BOOST_REQUIRE(!down);
  BOOST_TEST(down.error().message.find("docker ps") != std::string::npos, down.error().message);
  auto left = load_containers(store, "bench");
  BOOST_REQUIRE(left);
  BOOST_TEST(left->size() == 1u);
}

// Before: `docker network inspect`, then `docker network create`.
BOOST_AUTO_TEST_CASE(the_network_is_made_in_one_command_and_an_existing_one_is_taken) {
  MemoryStore store;
  FakeShell shell;
  answer_links(shell);
  LocalRunner runner(shell, store, nullptr, local_options());
  BOOST_REQUIRE(runner.up(bench_request()));
  auto cmds = shell.commands();
  BOOST_TEST(count(cmds, "docker network inspect") == 0u);
  BOOST_TEST(count(cmds, "docker network create --driver bridge --label quarry.stack=bench quarry-bench") == 1u);

  FakeShell again;
  answer_links(again);
  again.on("docker network create",
           ProcessResult{1, "", "Error response from daemon: network with name quarry-bench already exists\n", false});
  MemoryStore fresh;
  LocalRunner rerun(again, fresh, nullptr, local_options());
  auto up = rerun.up(bench_request());
  BOOST_TEST(up.has_value(), (up ? "" : up.error().message));

  FakeShell refused;
  refused.on("docker network create", ProcessResult{1, "", "Error response from daemon: pool overlaps\n", false});
  refused.on_out("docker version", "20.10.24\n");
  MemoryStore third;
  LocalRunner no(refused, third, nullptr, local_options());
  auto failed = no.up(bench_request());
  BOOST_REQUIRE(!failed);
  BOOST_TEST(failed.error().message == "network quarry-bench could not be made: Error response from daemon: pool overlaps");
  BOOST_TEST(!no.engine_down());
}

// Before: the network, then the images, then the books' check, one after
// the other ahead of the first container.
BOOST_AUTO_TEST_CASE(network_images_and_books_check_are_under_way_at_once) {
  for (const auto& [a, b] : {std::pair{"docker network create", "docker image inspect"},
                             std::pair{"docker network create", "docker ps --all"}}) {
    BOOST_TEST_CONTEXT(a << " with " << b) {
      MemoryStore store;
      MeetingShell shell(a, b);
      answer_links(shell);
      LocalRunner runner(shell, store, nullptr, local_options());
      BOOST_REQUIRE(runner.up(bench_request()));
      BOOST_TEST(shell.met());
    }
  }
}

// Before: each replica that links to the service asked its address when it
// started (five `docker inspect` at once for the bench's stack), after the
// service's health gate.
BOOST_AUTO_TEST_CASE(a_linked_service_address_is_asked_once_during_its_health_gate) {
  MemoryStore store;
  BOOST_REQUIRE(save_server(store, local_server_record()));
  MeetingShell shell("", "docker inspect --format");
  answer_links(shell);
  HealthyProber prober;
  prober.meet_on_first_probe(&shell.rendezvous);
  LocalPlacer placer;
  Stack s;
  s.name = "bench";
  s.services = {process("counter", true, 9000, 1)};
  s.nodes = {process("web", false, 8080, 3, {"counter"}), process("worker", false, 8081, 2, {"counter"})};
  std::map<std::string, BuiltImage> images;
  for (const auto& name : {"counter", "web", "worker"}) images[name] = {name, "quarry-bench/hello:1", "sha256:a"};
  Launcher launcher(LaunchDeps{&store, &shell, &placer, nullptr, nullptr, &prober, nullptr}, local_options());
  auto done = launcher.execute(compile(s, {}), 1, images);
  BOOST_REQUIRE_MESSAGE(done.has_value(), (done ? "" : done.error().message));
  BOOST_TEST(shell.met());
  auto cmds = shell.commands();
  BOOST_TEST(count(cmds, "docker inspect --format") == 1u);
  BOOST_TEST(count(cmds, "docker run") == 6u);
}

// Before: every service start listed the engine's containers of that
// service (one `docker ps`) to take over an earlier one's volumes, though
// the books' check had just listed every container of the stack.
BOOST_AUTO_TEST_CASE(a_service_start_looks_for_earlier_containers_only_when_the_check_saw_one) {
  const std::string adopt = "docker ps --all --no-trunc --filter label=quarry.kind=service";
  {
    MemoryStore store;
    FakeShell shell;
    answer_links(shell);
    LocalRunner runner(shell, store, nullptr, local_options());
    BOOST_REQUIRE(runner.up(bench_request()));
    BOOST_TEST(count(shell.commands(), adopt) == 0u);
  }
  {
    MemoryStore store;
    FakeShell shell;
    answer_links(shell);
    // The check finds a stopped container of the service (an earlier run's).
    shell.on_out("docker ps --all --no-trunc --filter label=quarry.stack=bench",
                 R"({"ID":"0ld","Names":"bench_counter","Labels":"quarry.kind=service,quarry.node=counter,)"
                 R"(quarry.stack=bench","State":"exited","Status":"Exited (0) 1 minute ago"})"
                 "\n");
    LocalRunner runner(shell, store, nullptr, local_options());
    BOOST_REQUIRE(runner.up(bench_request()));
    BOOST_TEST(count(shell.commands(), adopt) == 1u);
  }
}

BOOST_AUTO_TEST_CASE(a_timed_run_and_stop_record_their_local_phases) {
  MemoryStore store;
  FakeShell shell;
  answer_links(shell);
  ManualClock clock(1000);
  PhaseTimings up_timings(clock), down_timings(clock);
  LocalRunner runner(shell, store, nullptr, local_options());
  runner.record_timings(&up_timings);
  BOOST_REQUIRE(runner.up(bench_request()));
  runner.record_timings(&down_timings);
  BOOST_REQUIRE(runner.down("bench", false));
  auto names = [](const PhaseTimings& t) {
    std::map<std::string, int> out;
    for (const auto& s : t.spans()) out[std::string(phase_name(s.phase))] += 1;
    return out;
  };
  std::map<std::string, int> up_want = {{"network", 1}, {"build", 1}, {"reconcile", 1}, {"start", 6}, {"link", 1}};
  std::map<std::string, int> down_want = {{"stop", 1}, {"remove", 1}, {"network", 1}};
  BOOST_TEST(names(up_timings) == up_want);
  BOOST_TEST(names(down_timings) == down_want);
}

BOOST_AUTO_TEST_SUITE_END()
