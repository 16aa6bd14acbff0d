#include <boost/test/unit_test.hpp>

#include "launcher/local_run.h"
#include "store/records.h"
#include "tests/fakes/fake_shell.h"
#include "tests/fakes/memory_store.h"

using namespace quarry;

namespace {

Process proc(const std::string& name, bool service, std::vector<std::string> deps = {}) {
  Process p;
  p.name = name;
  p.is_service = service;
  p.build = ".";
  p.depends_on = std::move(deps);
  return p;
}

Stack sample() {
  Stack s;
  s.name = "hello";
  s.services = {proc("counter", true), proc("db", true)};
  s.nodes = {proc("web", false, {"counter", "api"}), proc("api", false, {"db"}), proc("worker", false)};
  return s;
}

std::vector<std::string> names(const Stack& s) {
  std::vector<std::string> out;
  for (const auto& p : s.services) out.push_back(p.name);
  for (const auto& p : s.nodes) out.push_back(p.name);
  return out;
}

Instruction deploy(const std::string& node) {
  Instruction in;
  in.op = Op::Deploy;
  in.stack = "hello";
  in.target = node;
  in.process = proc(node, false);
  in.process.env = {{"GREETING", "hi"}};
  in.links = {"counter"};
  return in;
}

ContainerRecord rec(const std::string& node, bool service, int index) {
  ContainerRecord r;
  r.stack = "hello";
  r.node = node;
  r.service = service;
  r.index = index;
  r.release = 1;
  r.server = "local";
  r.name = service ? "hello-" + node : "hello-" + node + "-r1-" + std::to_string(index);
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(local_run)

BOOST_AUTO_TEST_CASE(select_keeps_the_named_nodes_and_what_they_depend_on) {
  auto all = select_processes(sample(), {});
  BOOST_REQUIRE(all);
  BOOST_TEST(names(*all) == (std::vector<std::string>{"counter", "db", "web", "api", "worker"}));
  auto web = select_processes(sample(), {"web"});
  BOOST_REQUIRE(web);
  BOOST_TEST(names(*web) == (std::vector<std::string>{"counter", "db", "web", "api"}));
  auto worker = select_processes(sample(), {"worker"});
  BOOST_REQUIRE(worker);
  BOOST_TEST(names(*worker) == (std::vector<std::string>{"worker"}));
}

BOOST_AUTO_TEST_CASE(select_refuses_an_unknown_name_with_a_suggestion) {
  auto r = select_processes(sample(), {"wrker"});
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().message == "stack hello has no node or service 'wrker' (did you mean worker?)");
  BOOST_TEST(r.error().exit_code() == 1);
}

BOOST_AUTO_TEST_CASE(scale_overrides) {
  struct Case {
    std::vector<std::string> args;
    int web_scale;         // expected when ok
    std::string error;     // expected message prefix when not
    int exit_code;
  };
  const Case cases[] = {
      {{"web=3"}, 3, "", 0},
      {{"web=0", "worker=2"}, 0, "", 0},
      {{"web"}, 0, "--scale expects NODE=N", 2},
      {{"web=x"}, 0, "--scale expects NODE=N", 2},
      {{"=3"}, 0, "--scale expects NODE=N", 2},
      {{"web=-1"}, 0, "--scale expects NODE=N", 2},
      {{"wbe=2"}, 0, "--scale wbe=2: stack hello has no node 'wbe' (did you mean web?)", 1},
      {{"counter=2"}, 0, "--scale counter=2: stack hello has no node 'counter'", 1},
  };
  for (const auto& c : cases) {
    auto s = sample();
    auto r = apply_scale_overrides(s, c.args);
    std::string label = c.args.front();
    if (c.error.empty()) {
      BOOST_TEST(r.has_value(), label);
      BOOST_TEST(s.nodes[0].scale == c.web_scale, label);
    } else {
      BOOST_REQUIRE_MESSAGE(!r, label);
      BOOST_TEST(r.error().message.rfind(c.error, 0) == 0, label + ": " + r.error().message);
      BOOST_TEST(r.error().exit_code() == c.exit_code, label);
    }
  }
}

BOOST_AUTO_TEST_CASE(fingerprint_changes_with_image_env_links_and_scale) {
  auto base = fingerprint(deploy("web"), "sha256:a", 2);
  BOOST_TEST(base.size() == 64u);
  BOOST_TEST(fingerprint(deploy("web"), "sha256:a", 2) == base);
  BOOST_TEST(fingerprint(deploy("web"), "sha256:b", 2) != base);
  BOOST_TEST(fingerprint(deploy("web"), "sha256:a", 3) != base);
  auto env = deploy("web");
  env.process.env["GREETING"] = "hello";
  BOOST_TEST(fingerprint(env, "sha256:a", 2) != base);
  auto links = deploy("web");
  links.links.clear();
  BOOST_TEST(fingerprint(links, "sha256:a", 2) != base);
}

BOOST_AUTO_TEST_CASE(fingerprints_use_the_scale_instruction) {
  InstructionList list;
  list.instructions = {deploy("web")};
  Instruction scale;
  scale.op = Op::Scale;
  scale.target = "web";
  scale.scale = 4;
  list.instructions.push_back(scale);
  std::map<std::string, BuiltImage> images = {{"web", BuiltImage{"web", "t", "sha256:a"}}};
  auto prints = fingerprints(list, images);
  BOOST_REQUIRE(prints.count("web"));
  BOOST_TEST(prints["web"] == fingerprint(deploy("web"), "sha256:a", 4));
  BOOST_TEST(fingerprints(list, {}).empty());
}

BOOST_AUTO_TEST_CASE(plan_changes_keeps_unchanged_running_nodes) {
  std::set<std::string> services = {"counter"};
  std::map<std::string, std::string> before = {{"counter", "c1"}, {"web", "w1"}, {"worker", "k1"}};
  std::map<std::string, std::string> now = {{"counter", "c1"}, {"web", "w2"}, {"worker", "k1"}, {"api", "a1"}};
  auto plan = plan_changes(before, now, {"counter", "web", "worker"}, services);
  BOOST_TEST(plan.keep_nodes == (std::set<std::string>{"worker"}));
  BOOST_TEST(plan.restart_services.empty());
  // Not running: never kept, even with an equal fingerprint.
  plan = plan_changes(before, now, {"counter", "web"}, services);
  BOOST_TEST(plan.keep_nodes.empty());
  // No fingerprint from the last run: nothing is kept.
  plan = plan_changes({}, now, {"counter", "web", "worker"}, services);
  BOOST_TEST(plan.keep_nodes.empty());
  BOOST_TEST(plan.restart_services.empty());
}

BOOST_AUTO_TEST_CASE(plan_changes_restarts_a_changed_service_and_replaces_every_node) {
  std::map<std::string, std::string> before = {{"counter", "c1"}, {"worker", "k1"}};
  std::map<std::string, std::string> now = {{"counter", "c2"}, {"worker", "k1"}};
  auto plan = plan_changes(before, now, {"counter", "worker"}, {"counter"});
  BOOST_TEST(plan.restart_services == (std::set<std::string>{"counter"}));
  BOOST_TEST(plan.keep_nodes.empty());
}

BOOST_AUTO_TEST_CASE(first_free_port_skips_taken_ones) {
  std::set<int> taken = {8000, 8001, 8003};
  BOOST_TEST(first_free_port(8000, [&](int p) { return !taken.count(p); }) == 8002);
  BOOST_TEST(first_free_port(8000, [](int) { return false; }, 10) == 0);
  BOOST_TEST(first_free_port(65535, [](int p) { return p > 65535; }) == 0);
}

BOOST_AUTO_TEST_CASE(log_prefix_pads_and_colors_only_when_asked) {
  BOOST_TEST(log_prefix("web.1", 0, false, 8) == "web.1    | ");
  BOOST_TEST(log_prefix("counter", 1, true, 7) == "\x1b[33mcounter |\x1b[0m ");
  BOOST_TEST(log_prefix("a", 6, true, 1) == "\x1b[36ma |\x1b[0m ");
}

BOOST_AUTO_TEST_CASE(line_splitter_emits_whole_lines) {
  std::vector<std::string> lines;
  LineSplitter s([&](std::string_view l) { lines.emplace_back(l); });
  s.feed("one\ntw");
  s.feed("o\r\nthree\n\nfo");
  BOOST_TEST(lines == (std::vector<std::string>{"one", "two", "three", ""}));
  s.flush();
  BOOST_TEST(lines.back() == "fo");
  s.flush();
  BOOST_TEST(lines.size() == 5u);
}

BOOST_AUTO_TEST_CASE(local_state_round_trips) {
  MemoryStore store;
  auto none = load_local_state(store);
  BOOST_REQUIRE(none);
  BOOST_TEST(!none->has_value());
  LocalState s{"hello", "quarry-hello", 8001, 42, {"hello.quarry.test"}};
  BOOST_REQUIRE(save_local_state(store, s));
  auto back = load_local_state(store);
  BOOST_REQUIRE(back);
  BOOST_REQUIRE(back->has_value());
  BOOST_TEST((*back)->stack == "hello");
  BOOST_TEST((*back)->network == "quarry-hello");
  BOOST_TEST((*back)->entry_port == 8001);
  BOOST_TEST((*back)->pid == 42);
  BOOST_TEST((*back)->domains == (std::vector<std::string>{"hello.quarry.test"}));
}

BOOST_AUTO_TEST_CASE(local_paths_and_network) {
  BOOST_TEST(local_root("/h", "blog") == "/h/local/blog");
  BOOST_TEST(local_network("blog") == "quarry-blog");
  BOOST_TEST(local_server_record().ip == "127.0.0.1");
  BOOST_TEST(local_server_record().id == "local");
}

BOOST_AUTO_TEST_CASE(engine_down_is_one_line_with_what_to_do) {
  MemoryStore store;
  FakeShell shell;
  shell.on("docker version", ProcessResult{1, "", "Cannot connect to the Docker daemon at unix:///x.sock\n", false});
  LocalRunner runner(shell, store, nullptr, LaunchOptions{});
  auto s = runner.check_engine();
  BOOST_REQUIRE(!s);
  BOOST_TEST(s.error().exit_code() == 3);
  BOOST_TEST(s.error().message.find('\n') == std::string::npos);
  BOOST_TEST(s.error().message.rfind("the docker engine is not running (", 0) == 0, s.error().message);
  BOOST_TEST(s.error().message.find("start it") != std::string::npos);

  FakeShell missing;
  missing.on("docker version", ProcessResult{127, "", "cannot run docker: No such file or directory\n", false});
  LocalRunner r2(missing, store, nullptr, LaunchOptions{});
  auto m = r2.check_engine();
  BOOST_REQUIRE(!m);
  BOOST_TEST(m.error().message.rfind("docker is not installed", 0) == 0, m.error().message);

  FakeShell fine;
  fine.on_out("docker version", "20.10.24\n");
  LocalRunner r3(fine, store, nullptr, LaunchOptions{});
  BOOST_TEST(r3.check_engine().has_value());
}

BOOST_AUTO_TEST_CASE(down_removes_containers_strays_and_network_and_keeps_volumes) {
  MemoryStore store;
  BOOST_REQUIRE(save_server(store, local_server_record()));
  BOOST_REQUIRE(save_containers(store, "hello", {rec("counter", true, 1), rec("web", false, 1)}));
  BOOST_REQUIRE(save_routes(store, "hello", {{"hello.quarry.test", "web"}}));
  FakeShell shell;
  shell.on_out("docker ps --all", "abc123\nhello-web-r1-1\n");
  LaunchOptions o;
  o.network = "quarry-hello";
  LocalRunner runner(shell, store, nullptr, o);
  BOOST_REQUIRE(runner.down("hello", false));
  auto cmds = shell.commands();
  auto has = [&](const std::string& c) { return std::find(cmds.begin(), cmds.end(), c) != cmds.end(); };
  // One docker stop and one docker rm for the whole stack, strays included;
  // each container waits its own stop_timeout (no -t).
  BOOST_TEST(has("docker stop hello-counter hello-web-r1-1 abc123"));
  BOOST_TEST(has("docker rm --force hello-counter hello-web-r1-1 abc123"));
  BOOST_TEST(has("docker network rm quarry-hello"));
  BOOST_TEST(std::count_if(cmds.begin(), cmds.end(), [](const std::string& c) { return c.starts_with("docker stop"); }) == 1);
  for (const auto& c : cmds) BOOST_TEST(c.find("volume") == std::string::npos, c);
  auto left = load_containers(store, "hello");
  BOOST_REQUIRE(left);
  BOOST_TEST(left->empty());
  auto routes = load_routes(store, "hello");
  BOOST_REQUIRE(routes);
  BOOST_TEST(routes->empty());
}

BOOST_AUTO_TEST_CASE(forced_down_removes_at_once) {
  MemoryStore store;
  BOOST_REQUIRE(save_containers(store, "hello", {rec("web", false, 1), rec("web", false, 2)}));
  FakeShell shell;
  LocalRunner runner(shell, store, nullptr, LaunchOptions{});
  BOOST_REQUIRE(runner.down("hello", true));
  auto cmds = shell.commands();
  for (const auto& c : cmds) BOOST_TEST(c.find("docker stop") == std::string::npos, c);
  BOOST_TEST(std::count(cmds.begin(), cmds.end(), "docker rm --force hello-web-r1-1 hello-web-r1-2") == 1);
}

BOOST_AUTO_TEST_SUITE_END()
