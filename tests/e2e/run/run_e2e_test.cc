// `quarry run` end to end: the built binary runs examples/hello against a
// private docker engine (DockerLab) and the test talks to it over the lab
// namespace's 127.0.0.1.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <regex>
#include <thread>

#include "core/file_io.h"
#include "core/text.h"
#include "tests/e2e/run/docker_lab.h"

using namespace quarry;

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string quarry_bin() { return env_or("QUARRY_BIN", "quarry"); }
std::string source_dir() { return env_or("QUARRY_SOURCE_DIR", "."); }

// The example app, copied so that the test can edit its manifest.
std::string stage_app(const std::string& dir, const std::string& greeting, int web_scale = 2) {
  std::string app = dir + "/app";
  BOOST_REQUIRE(make_dirs(app));
  auto yml = read_file(source_dir() + "/examples/hello/quarry.yml");
  BOOST_REQUIRE(yml);
  auto at = yml->find("\"hello, world\"");
  BOOST_REQUIRE(at != std::string::npos);
  std::string text = *yml;
  text.replace(at, std::string("\"hello, world\"").size(), "\"" + greeting + "\"");
  auto scale = text.find("scale: 2");
  BOOST_REQUIRE(scale != std::string::npos);
  text.replace(scale, 8, "scale: " + std::to_string(web_scale));
  BOOST_REQUIRE(write_file_atomic(app + "/quarry.yml", text));
  if (!path_exists(app + "/Dockerfile")) {
    auto df = read_file(source_dir() + "/examples/hello/Dockerfile");
    BOOST_REQUIRE(df);
    BOOST_REQUIRE(write_file_atomic(app + "/Dockerfile", *df));
    auto bin = read_file(source_dir() + "/examples/hello/hello");
    BOOST_REQUIRE_MESSAGE(bin, "examples/hello/hello is missing: build the `hello` target");
    BOOST_REQUIRE(write_file_atomic(app + "/hello", *bin, 0755));
  }
  return app + "/quarry.yml";
}

struct Endpoints {
  std::vector<int> web;
  int entry = 0;
};

Endpoints parse_endpoints(const std::string& out) {
  Endpoints e;
  std::smatch m;
  std::regex web(R"(web\.\d+\s+http://127\.0\.0\.1:(\d+))"), entry(R"(entry web\s+http://127\.0\.0\.1:(\d+) \(Host: hello\.quarry\.test\))");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), web); it != std::sregex_iterator(); ++it) {
    e.web.push_back(std::stoi((*it)[1]));
  }
  if (std::regex_search(out, m, entry)) e.entry = std::stoi(m[1]);
  return e;
}

std::string get(const DockerLab& lab, int port, const std::string& path = "/", const std::string& host = "") {
  Argv argv = {"curl", "-sS", "--max-time", "5"};
  if (!host.empty()) argv.insert(argv.end(), {"-H", "Host: " + host});
  argv.push_back("http://127.0.0.1:" + std::to_string(port) + path);
  auto r = lab.run(argv);
  return r.ok() ? r.out : "curl failed: " + r.err;
}

// Waits until `path` holds `text` or `pid` exits; the file's content.
std::string wait_for_output(const std::string& path, const std::string& text, pid_t pid, int timeout_s) {
  for (int i = 0; i < timeout_s * 10; ++i) {
    auto content = read_file(path);
    if (content && content->find(text) != std::string::npos) return *content;
    if (kill(pid, 0) != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto content = read_file(path);
  return content ? *content : "";
}

int visit_number(const std::string& reply) {
  auto at = reply.find("visit ");
  if (at == std::string::npos) return -1;
  try {
    return std::stoi(reply.substr(at + 6));
  } catch (...) {
    return -1;
  }
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  for (const auto& l : split_lines(s)) {
    if (!trim(l).empty()) out.push_back(trim(l));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e_run)

BOOST_AUTO_TEST_CASE(errors_are_one_line_with_what_to_do) {
  auto dir = make_temp_dir("quarry-run-errors");
  BOOST_REQUIRE(dir);
  auto file = stage_app(*dir, "hello, world");
  std::map<std::string, std::string> env = {{"QUARRY_HOME", *dir + "/home"},
                                            {"DOCKER_HOST", "unix://" + *dir + "/no-engine.sock"}};
  ProcessOptions o;
  o.env = env;
  o.timeout = std::chrono::seconds(60);
  auto down = run_process({quarry_bin(), "run", "-d", "-f", file}, o);
  BOOST_REQUIRE(down);
  BOOST_TEST(down->exit_code == 3, down->err);
  auto last = lines_of(down->err);
  BOOST_REQUIRE(!last.empty());
  BOOST_TEST(last.back().find("quarry: error: the docker engine is not running (unix://") == 0, last.back());
  BOOST_TEST(last.back().find("start it") != std::string::npos);

  // A port the user asks for that another program holds.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  BOOST_REQUIRE(listen(fd, 1) == 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int held = ntohs(addr.sin_port);
  auto busy = run_process({quarry_bin(), "run", "-d", "-f", file, "--entry-port", std::to_string(held)}, o);
  close(fd);
  BOOST_REQUIRE(busy);
  BOOST_TEST(busy->exit_code == 1, busy->err);
  BOOST_TEST(busy->err == "quarry: error: port " + std::to_string(held) +
                              " on 127.0.0.1 is in use by another program: pick another with --entry-port, or leave "
                              "it out to get a free one\n");
  // Nothing to stop.
  auto stop = run_process({quarry_bin(), "stop", "--stack", "hello"}, o);
  BOOST_REQUIRE(stop);
  BOOST_TEST(stop->exit_code == 1, stop->err);
  (void)remove_all(*dir);
}

BOOST_AUTO_TEST_CASE(run_replace_and_stop_hello_locally) {
  auto lab = DockerLab::start("quarry-run-e2e");
  BOOST_REQUIRE_MESSAGE(lab.has_value(), (lab ? std::string() : lab.error().message));
  const auto& L = **lab;
  auto file = stage_app(L.dir(), "hello, world");
  std::map<std::string, std::string> env = {{"QUARRY_HOME", L.dir() + "/home"}};
  std::string log = L.dir() + "/run.log";

  // 1. The foreground run: build, network, counter, web x2, entry point, logs.
  pid_t fg = L.spawn({quarry_bin(), "run", "-f", file}, log, env);
  BOOST_REQUIRE(fg > 0);
  auto out = wait_for_output(log, "following the logs", fg, 120);
  BOOST_REQUIRE_MESSAGE(out.find("following the logs") != std::string::npos, "quarry run did not come up:\n" + out);
  auto ep = parse_endpoints(out);
  BOOST_REQUIRE_MESSAGE(ep.web.size() == 2u && ep.entry > 0, out);
  auto reply = get(L, ep.web[0]);
  BOOST_TEST(reply.find("hello, world from web (release 1), visit ") == 0, reply);
  int first_visit = visit_number(reply);
  BOOST_TEST(first_visit >= 1, reply);  // a number: the node reached the counter
  auto routed = get(L, ep.entry, "/", "hello.quarry.test");
  BOOST_TEST(routed.find("hello, world from web (release 1), visit ") == 0, routed);
  BOOST_TEST(visit_number(routed) > first_visit, routed);
  // The injected env: the counter's address on the stack's network.
  auto host = get(L, ep.web[1], "/env/COUNTER_HOST");
  BOOST_TEST(std::regex_match(host, std::regex(R"(\d+\.\d+\.\d+\.\d+)")), host);
  BOOST_TEST(get(L, ep.web[1], "/env/COUNTER_PORT") == "9000");
  BOOST_TEST(get(L, ep.web[1], "/env/COUNTER_ADDR") == host + ":9000");
  // Logs are followed, one prefix per container (no colors: not a terminal).
  auto logs = wait_for_output(log, "counter | hello: counter listening on :9000", fg, 10);
  BOOST_TEST(logs.find("counter | hello: counter listening on :9000") != std::string::npos, logs);
  BOOST_TEST(logs.find("\x1b[") == std::string::npos);
  auto ps = L.run({quarry_bin(), "ps", "--local", "--json"}, env);
  BOOST_TEST(ps.ok(), ps.err);
  auto ps_rows = nlohmann::json::parse(ps.out, nullptr, false);
  BOOST_TEST((ps_rows.is_array() && ps_rows.size() == 3u), ps.out);
  std::string counter_id = L.docker({"inspect", "--format", "{{.Id}}", "hello_counter"});
  BOOST_REQUIRE(!counter_id.empty());

  // 2. An edit of the node only (its scale), run again (detached): web is
  // replaced as release 2, the counter keeps running and counting.
  file = stage_app(L.dir(), "hello, world", 3);
  auto second = L.run({quarry_bin(), "run", "-d", "-f", file}, env);
  BOOST_REQUIRE_MESSAGE(second.ok(), second.out + second.err);
  auto ep2 = parse_endpoints(second.out);
  BOOST_REQUIRE_MESSAGE(ep2.web.size() == 3u, second.out);
  reply = get(L, ep2.web[2]);
  BOOST_TEST(reply.find("hello, world from web (release 2), visit ") == 0, reply);
  int after_edit = visit_number(reply);
  BOOST_TEST(after_edit > visit_number(routed), reply);
  BOOST_TEST(L.docker({"inspect", "--format", "{{.Id}}", "hello_counter"}) == counter_id);
  auto names = L.docker({"ps", "--format", "{{.Names}}", "--filter", "label=quarry.node=web"});
  BOOST_TEST(names.find("hello_web_r2_3") != std::string::npos, names);
  BOOST_TEST(names.find("-r1-") == std::string::npos, names);
  routed = get(L, ep.entry, "/", "hello.quarry.test");
  BOOST_TEST(routed.find("hello, world from web (release 2)") == 0, routed);

  // 3. No change: nothing is replaced.
  auto third = L.run({quarry_bin(), "run", "-d", "-f", file}, env);
  BOOST_REQUIRE_MESSAGE(third.ok(), third.out + third.err);
  BOOST_TEST(third.out.find("release 3 runs locally (unchanged, kept: web)") != std::string::npos, third.out);
  names = L.docker({"ps", "--format", "{{.Names}}", "--filter", "label=quarry.node=web"});
  BOOST_TEST(names.find("hello_web_r2_1") != std::string::npos, names);

  // 4. SIGTERM: everything the stack started goes, but the counter's volume.
  BOOST_REQUIRE(kill(fg, SIGTERM) == 0);
  int code = DockerLab::wait_exit(fg, 60);
  auto fg_out = read_file(log);
  BOOST_TEST(code == 0, (fg_out ? *fg_out : std::string()));
  BOOST_TEST(L.docker({"ps", "--all", "--quiet"}) == "");
  auto networks = lines_of(L.docker({"network", "ls", "--format", "{{.Name}}"}));
  bool net_gone = std::find(networks.begin(), networks.end(), "quarry-hello") == networks.end();
  BOOST_TEST(net_gone, join(networks, " "));
  BOOST_TEST(L.docker({"volume", "ls", "--format", "{{.Name}}"}) == "hello_counter_data");
  auto nginx_pid = read_file(L.dir() + "/home/local/hello/nginx/run/nginx.pid");
  if (nginx_pid) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    BOOST_TEST(kill(std::atoi(nginx_pid->c_str()), 0) != 0, "the entry point's nginx still runs");
  }

  // 5. A fresh run, with the stack's env edited, keeps counting from the
  // named volume; quarry stop tears it down.
  file = stage_app(L.dir(), "hello again", 3);
  auto again = L.run({quarry_bin(), "run", "-d", "-f", file}, env);
  BOOST_REQUIRE_MESSAGE(again.ok(), again.out + again.err);
  auto ep3 = parse_endpoints(again.out);
  BOOST_REQUIRE_MESSAGE(!ep3.web.empty(), again.out);
  reply = get(L, ep3.web[0]);
  BOOST_TEST(reply.find("hello again from web (release 4), visit ") == 0, reply);
  BOOST_TEST(visit_number(reply) > after_edit, reply);
  auto listed = L.run({quarry_bin(), "ps", "--local"}, env);
  BOOST_TEST(listed.out.find("hello_web_r4_1") != std::string::npos, listed.out);
  auto stopped = L.run({quarry_bin(), "stop", "-f", file}, env);
  BOOST_TEST(stopped.ok(), stopped.out + stopped.err);
  BOOST_TEST(L.docker({"ps", "--all", "--quiet"}) == "");
  BOOST_TEST(L.docker({"network", "ls", "--quiet", "--filter", "name=quarry-hello"}) == "");
  listed = L.run({quarry_bin(), "ps", "--local"}, env);
  BOOST_TEST(listed.out.find("no local containers") != std::string::npos, listed.out);
  // The kept volume was the test's to keep: it goes now.
  (void)L.docker({"volume", "rm", "hello_counter_data"});
}

BOOST_AUTO_TEST_SUITE_END()
