// The control loop end to end: 3 app servers and a router made by the local
// cloud, the hello example (2 web replicas and a counter service) deployed
// with the built quarry binary, `quarry hq serve` running as a child, and a
// request loop through the router during each fault, a second stack whose
// node keeps crashing and a third whose stateless service (`reschedule:
// true`) moves off a cut server with its node following. Asserts what `quarry ps --json` and
// `quarry events --json` say; counts failed requests.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/file_io.h"
#include "core/text.h"
#include "tests/e2e/control/serve_process.h"
#include "tests/e2e/release/quarry_lab.h"

using namespace quarry;

namespace {

const char* const kDomain = "hello.quarry.test";

std::string manifest(const std::string& greeting) {
  return "name: hello\nenv:\n  GREETING: \"" + greeting +
         "\"\n"
         "services:\n"
         "  counter:\n    build: .\n    command: --mode counter --port 9000 --data /data\n    port: 9000\n"
         "    memory: 64\n    volumes: [/data]\n"
         "nodes:\n"
         "  web:\n    build: .\n    command: --port 8080\n    port: 8080\n    domains: [hello.quarry.test]\n"
         "    scale: 2\n    memory: 128\n    depends_on: [counter]\n"
         "    health: {path: /up, timeout: 2s, interval: 200ms, retries: 25}\n";
}

struct Lab {
  StartedLab started = start_lab();
  std::unique_ptr<ServeProcess> serve;

  Lab() {
    if (!started.lab) return;
    const std::string& home = started.lab->home();
    serve = std::make_unique<ServeProcess>(std::getenv("QUARRY_BIN"), home, home + "/serve.log");
  }
  ~Lab() {
    if (serve) serve->stop();
  }
};

Lab& the_lab() {
  static Lab lab;
  return lab;
}

QuarryLab& lab() {
  auto& l = the_lab();
  BOOST_REQUIRE_MESSAGE(l.started.cannot_run.empty(), l.started.cannot_run);
  return *l.started.lab;
}

ServeProcess& serve() {
  lab();
  return *the_lab().serve;
}

ProcessResult must(const Argv& args) {
  auto r = lab().quarry(args);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message));
  BOOST_REQUIRE_MESSAGE(r->ok(), shell_join(args) + " exited " + std::to_string(r->exit_code) + ":\n" + r->out + r->err);
  return *r;
}

nlohmann::json json_of(const Argv& args) {
  auto j = nlohmann::json::parse(must(args).out, nullptr, false);
  BOOST_REQUIRE(!j.is_discarded());
  return j;
}

nlohmann::json web_rows() {
  nlohmann::json web = nlohmann::json::array();
  for (const auto& c : json_of({"ps", "hello", "--json"})) {
    if (c.value("node", "") == "web") web.push_back(c);
  }
  return web;
}

// Two web replicas, both observed running, none missing, none on `not_on`.
bool full_scale(const std::string& not_on = {}) {
  auto web = web_rows();
  if (web.size() != 2) return false;
  for (const auto& c : web) {
    if (c["observed"].value("state", "") != "running") return false;
    if (!not_on.empty() && c.value("server", "") == not_on) return false;
  }
  return true;
}

bool has_event(const std::string& kind, const std::string& server = {}, std::uint64_t after = 0) {
  for (const auto& e : json_of({"events", "--json"})) {
    if (e.value("seq", std::uint64_t{0}) <= after) continue;
    if (e.value("kind", "") == kind && (server.empty() || e.value("server", "") == server)) return true;
  }
  return false;
}

std::uint64_t last_seq() {
  auto all = json_of({"events", "--json"});
  return all.empty() ? 0 : all.back().value("seq", std::uint64_t{0});
}

// Polls `ok` every 250 ms for at most `seconds`; returns the time it took.
double wait_for(const std::function<bool()>& ok, int seconds, const std::string& what) {
  auto t0 = std::chrono::steady_clock::now();
  while (true) {
    if (ok()) return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    BOOST_REQUIRE_MESSAGE(spent < seconds, what + ": not within " + std::to_string(seconds) + " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

nlohmann::json server(const std::string& id) {
  for (const auto& s : json_of({"servers", "--json"})) {
    if (s.value("id", "") == id) return s;
  }
  BOOST_FAIL("no server " + id);
  return {};
}

// Runs docker on a server over SSH with the HQ's key.
ProcessResult docker_on(const std::string& id, const Argv& args) {
  auto s = server(id);
  Argv argv{"ssh", "-i", lab().home() + "/keys/hq_ed25519", "-o", "StrictHostKeyChecking=no", "-o",
            "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-p", std::to_string(s.value("ssh_port", 22)),
            s.value("ssh_user", "") + "@" + s.value("ip", ""), "docker"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_process(argv);
  BOOST_REQUIRE(r.has_value());
  return *r;
}

// A server running a web replica but not the counter service.
std::string web_only_server() {
  std::string counter;
  for (const auto& c : json_of({"ps", "hello", "--json"})) {
    if (c.value("node", "") == "counter") counter = c.value("server", "");
  }
  for (const auto& c : web_rows()) {
    if (c.value("server", "") != counter) return c.value("server", "");
  }
  BOOST_FAIL("every web replica shares the counter's server");
  return {};
}

void report(const LoadLoop& loop, const std::string& what) {
  BOOST_TEST_MESSAGE(what << ": " << loop.sent() << " requests, " << loop.failed() << " failed; "
                          << join(loop.failures(), "; "));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(control_e2e)

BOOST_AUTO_TEST_CASE(deploy_and_serve) {
  auto file = lab().stage_app("one", manifest("one"));
  BOOST_REQUIRE(file.has_value());
  must({"deploy", "-f", *file});
  BOOST_REQUIRE(serve().start().has_value());
  wait_for([] { return full_scale(); }, 30, "first observation");
  auto servers = json_of({"servers", "--json"});
  for (const auto& s : servers) BOOST_TEST(s["health"].value("state", "") == "up", s.dump());
}

BOOST_AUTO_TEST_CASE(a_killed_web_container_is_back_at_full_scale) {
  auto web = web_rows();
  auto after = last_seq();
  LoadLoop loop(lab().router_ip(), kDomain, "", 4000, 5);
  loop.start();
  auto r = docker_on(web[0].value("server", ""), {"kill", web[0].value("name", "")});
  BOOST_REQUIRE_MESSAGE(r.ok(), r.err);
  wait_for([&] { return has_event("restarted", "", after) && full_scale(); }, 30, "restart of a killed container");
  loop.stop();
  report(loop, "docker kill");
}

BOOST_AUTO_TEST_CASE(a_cut_server_has_its_replicas_moved_and_cleaned_when_back) {
  std::string lost = web_only_server();
  auto after = last_seq();
  LoadLoop loop(lab().router_ip(), kDomain, "", 6000, 5);
  loop.start();
  must({"cluster", "fault", lost, "down"});
  // A replica is observed running as soon as it passed its health check;
  // the pass journals its events when it ends.
  double healed = wait_for([&] { return full_scale(lost) && has_event("moved", "", after); }, 40,
                           "replicas moved off " + lost);
  loop.stop();
  report(loop, "server cut");
  BOOST_TEST_MESSAGE("full scale elsewhere " << healed << " s after the cut");
  BOOST_TEST(has_event("server-down", lost, after));
  BOOST_TEST(has_event("moved", "", after));
  BOOST_TEST(server(lost)["health"].value("state", "") == "down");
  must({"cluster", "fault", lost, "up"});
  wait_for([&] { return has_event("server-up", lost, after) && has_event("removed", lost, after); }, 40,
           "stale containers removed from " + lost);
  auto left = docker_on(lost, {"ps", "--all", "--filter", "label=quarry.stack=hello", "--format", "{{.Names}}"});
  std::set<std::string> names;
  for (const auto& n : split_lines(left.out)) names.insert(n);
  for (const auto& c : web_rows()) {
    if (c.value("server", "") != lost) BOOST_TEST(!names.count(c.value("name", "")), "stale " << c.value("name", ""));
  }
}

BOOST_AUTO_TEST_CASE(a_deploy_while_a_server_is_down_succeeds_on_the_others) {
  std::string lost = web_only_server();
  auto after = last_seq();
  must({"cluster", "fault", lost, "down"});
  wait_for([&] { return has_event("server-down", lost, after); }, 30, lost + " marked down");
  auto file = lab().stage_app("two", manifest("two"));
  BOOST_REQUIRE(file.has_value());
  LoadLoop loop(lab().router_ip(), kDomain, "", 8000, 5);
  loop.start();
  auto r = lab().quarry({"deploy", "-f", *file});
  loop.stop();
  report(loop, "deploy with a server down");
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->ok(), r->out + r->err);
  BOOST_TEST((r->out + r->err).find("avoided: " + lost) != std::string::npos, r->out + r->err);
  for (const auto& c : web_rows()) {
    BOOST_TEST(c.value("release", 0) == 2);
    BOOST_TEST(c.value("server", "") != lost);
  }
  must({"cluster", "fault", lost, "up"});
  wait_for([&] { return server(lost)["health"].value("state", "") == "up"; }, 30, lost + " up again");
}

// A kill between placing the replacement and recording it leaves a grid
// slice no record holds; the restarted loop frees it (event `freed`) and
// starts the replica. On failure the loop's log is printed.
BOOST_AUTO_TEST_CASE(the_hq_killed_mid_repair_converges_after_restart) {
  auto web = web_rows();
  auto r = docker_on(web[0].value("server", ""), {"rm", "--force", web[0].value("name", "")});
  BOOST_REQUIRE_MESSAGE(r.ok(), r.err);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // inside the pass that repairs it
  serve().crash();
  BOOST_REQUIRE(serve().start().has_value());
  bool back = false;
  for (int i = 0; i < 80 && !back; ++i) {
    back = full_scale();
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (!back) {
    auto log = read_file(lab().home() + "/serve.log").value_or("");
    BOOST_FAIL("full scale after the HQ restarted: not within 40 s; ps: " +
               json_of({"ps", "hello", "--json"}).dump() + "\nserve.log:\n" +
               log.substr(log.size() > 6000 ? log.size() - 6000 : 0));
  }
  auto again = web_rows();
  std::set<std::string> names;
  for (const auto& c : again) names.insert(c.value("server", "") + "/" + c.value("name", ""));
  BOOST_TEST(names.size() == 2u);
}

// A node whose process exits 1.5 s after each start: docker's restart
// policy restarts it, further apart each time; the loop does not fight it,
// counts its deaths and, after three in a row, shows it as `crashloop` with
// its last log lines. The hello stack keeps serving meanwhile.
BOOST_AUTO_TEST_CASE(a_crashlooping_node_is_backed_off_and_shown) {
  const std::string crashy =
      "name: crashy\n"
      "nodes:\n"
      "  flaky:\n    build: .\n    command: --port 8080 --exit-after 1500\n    port: 8080\n    memory: 32\n"
      "    health: {path: /up, timeout: 2s, interval: 200ms, retries: 10}\n";
  auto file = lab().stage_app("crashy", crashy);
  BOOST_REQUIRE(file.has_value());
  LoadLoop loop(lab().router_ip(), kDomain, "", 8000, 5);
  loop.start();
  must({"deploy", "-f", *file});
  auto row = [] {
    auto rows = json_of({"ps", "crashy", "--json"});
    BOOST_REQUIRE_EQUAL(rows.size(), 1u);
    return rows[0];
  };
  nlohmann::json crash;
  int restarted = 0;
  auto read_events = [&] {
    restarted = 0;
    for (const auto& e : json_of({"events", "crashy", "--json"})) {
      if (e.value("kind", "") == "crashloop") crash = e;
      restarted += e.value("kind", "") == "restarted";
    }
    return !crash.is_null();
  };
  // The pass records the restart book before it journals the pass's events.
  wait_for([&] { return row()["observed"].value("state", "") == "crashloop" && read_events(); }, 45,
           "crashy's flaky#1 in crashloop, in ps and in events");
  auto flaky = row();
  BOOST_TEST(flaky["observed"].value("last_logs", "").find("exiting after 1500 ms") != std::string::npos, flaky.dump());
  BOOST_TEST(crash.value("text", "").find("exiting after 1500 ms") != std::string::npos, crash.dump());
  BOOST_TEST(restarted == 0, "the loop restarted what docker's restart policy restarts");
  // Backed off: the time between restarts grows (a run lasts 1.5 s each time).
  const std::string server = flaky.value("server", ""), name = flaky.value("name", "");
  auto count = [&] { return std::atoi(docker_on(server, {"inspect", "--format", "{{.RestartCount}}", name}).out.c_str()); };
  std::vector<double> at;
  auto t0 = std::chrono::steady_clock::now();
  for (int last = count(); at.size() < 3;) {
    double spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    BOOST_REQUIRE_MESSAGE(spent < 40, "three more restarts: not within 40 s");
    int n = count();
    if (n != last) at.push_back(spent);
    last = n;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  loop.stop();
  report(loop, "hello while crashy crashloops");
  BOOST_TEST(loop.failed() == 0);
  BOOST_TEST_MESSAGE("restarts of flaky#1 " << at[1] - at[0] << " s, then " << at[2] - at[1] << " s apart");
  // docker's delay doubles (0.8 s before the 4th restart, then 1.6 s, ...):
  // each gap is 0.8 s or more longer than the one before, less the polling's
  // noise (100 ms sleeps and an ssh round trip a poll).
  BOOST_TEST(at[2] - at[1] > (at[1] - at[0]) + 0.3);
  BOOST_TEST(full_scale());
}

// A stateless service (`reschedule: true`) on a cut server is moved to an
// up server, and the node that depends on it follows: the loop redeploys
// the live release (event `refreshed`), so the node dials the service's new
// address ("visit N" through the router, not "visit ?").
BOOST_AUTO_TEST_CASE(a_rescheduled_service_moves_off_a_cut_server_and_its_node_follows) {
  const std::string moves =
      "name: moves\n"
      "services:\n"
      "  counter:\n    build: .\n    command: --mode counter --port 9000\n    port: 9000\n    memory: 32\n"
      "    reschedule: true\n"
      "nodes:\n"
      "  web:\n    build: .\n    command: --port 8080\n    port: 8080\n    domains: [moves.quarry.test]\n"
      "    memory: 32\n    depends_on: [counter]\n"
      "    health: {path: /up, timeout: 2s, interval: 200ms, retries: 25}\n";
  auto file = lab().stage_app("moves", moves);
  BOOST_REQUIRE(file.has_value());
  must({"deploy", "-f", *file});
  auto where = [](const std::string& process) {
    for (const auto& c : json_of({"ps", "moves", "--json"})) {
      if (c.value("node", "") == process && c["observed"].value("state", "") == "running") return c.value("server", "");
    }
    return std::string();
  };
  wait_for([&] { return !where("counter").empty() && !where("web").empty(); }, 30, "moves observed running");
  const std::string lost = where("counter");
  // web on another server dials the counter's old address once it moved,
  // and is refreshed; web on the same server moves with it and is started
  // with the new one.
  const bool refresh = where("web") != lost;
  auto after = last_seq();
  must({"cluster", "fault", lost, "down"});
  // web's recorded link names the counter where it now runs.
  auto follows = [&] {
    std::string counter = where("counter"), link;
    if (counter.empty() || counter == lost || where("web").empty() || where("web") == lost) return false;
    std::string address = server(counter).value("ip", "");
    for (const auto& c : json_of({"ps", "moves", "--json"})) {
      if (c.value("node", "") == "counter" && c.value("server", "") == counter) {
        address += ":" + std::to_string(c.value("host_port", 0));
      }
      if (c.value("node", "") == "web") link = c.value("links", nlohmann::json::object()).value("counter", "");
    }
    return link == address && (!refresh || has_event("refreshed", "", after));
  };
  bool followed = false;
  for (int i = 0; i < 120 && !followed; ++i) {
    followed = follows();
    if (!followed) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (!followed) {
    auto log = read_file(lab().home() + "/serve.log").value_or("");
    BOOST_FAIL("counter moved off " + lost + " and web following it: not within 60 s; ps: " +
               json_of({"ps", "moves", "--json"}).dump() + "\nevents: " + json_of({"events", "moves", "--json"}).dump() +
               "\nserve.log:\n" + log.substr(log.size() > 8000 ? log.size() - 8000 : 0));
  }
  BOOST_TEST_MESSAGE("web " << (refresh ? "was refreshed" : "moved with the counter"));
  bool moved = false;
  const auto events = json_of({"events", "moves", "--json"});
  for (const auto& e : events) {
    if (e.value("seq", std::uint64_t{0}) > after && e.value("kind", "") == "moved" &&
        e.value("text", "").find("counter#1 moved from " + lost) == 0) {
      moved = true;
    }
  }
  BOOST_TEST(moved, "a `moved` event for counter#1 from " << lost << "; events after #" << after << ": "
                                                           << events.dump());
  auto reply = http_get(lab().router_ip(), 80, "moves.quarry.test", "/", 5000);
  BOOST_REQUIRE_MESSAGE(reply.has_value(), (reply ? "" : reply.error().message));
  BOOST_TEST(reply->status == 200);
  BOOST_TEST(reply->body.find("visit ?") == std::string::npos, "web dials the counter's old address: " << reply->body);
  must({"cluster", "fault", lost, "up"});
  wait_for([&] { return server(lost)["health"].value("state", "") == "up"; }, 30, lost + " up again");
}

BOOST_AUTO_TEST_SUITE_END()
