#include <boost/test/unit_test.hpp>

#include "core/ustar.h"
#include "router/router_apply.h"
#include "tests/fakes/fake_shell.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(router_apply)

namespace {

const Endpoint kRouter{"r1", "10.0.0.2"};

RouterConfig config() {
  RouterConfig c;
  c.routes.push_back({"blog", "web", {"blog.example.org"}, {{"10.0.0.5", 31001}, {"10.0.0.6", 31002}}});
  return c;
}

std::string generation_of(const RouterConfig& c) { return render_nginx(c).value().generation; }

NginxRouter make_router(FakeShell& shell, int* sleeps = nullptr, std::vector<long>* waits = nullptr,
                        int attempts = 3) {
  NginxRouter::Options o;
  o.prefix = "/srv/router";
  o.verify_attempts = attempts;
  o.sleep = [sleeps, waits](std::chrono::milliseconds d) {
    if (sleeps) ++*sleeps;
    if (waits) waits->push_back(static_cast<long>(d.count()));
  };
  return NginxRouter::create(shell, kRouter, o).value();
}

std::string headers(const std::string& route, const std::string& generation) {
  return "HTTP/1.1 200 OK\r\nServer: nginx\r\nx-quarry-route: " + route + "\r\nX-Quarry-Config: " + generation +
         "\r\n\r\n";
}

const std::string kPrepare =
    "sh -c 'mkdir -p \"$1/run\" \"$1/logs\" \"$1/tmp\" \"$1/gen\" && "
    "if [ -L \"$1/live\" ]; then basename \"$(readlink \"$1/live\")\"; fi' sh /srv/router";
const std::string kRunning =
    "sh -c 'p=$(cat \"$1\" 2>/dev/null) && [ -n \"$p\" ] && kill -0 \"$p\" 2>/dev/null || exit 1; "
    "ps -o pid= --ppid \"$p\" 2>/dev/null; true' sh /srv/router/run/nginx.pid";
const std::string kNginx = "nginx -p /srv/router/ -e /srv/router/logs/error.log -c ";

std::string stage(const std::string& g) {
  return "sh -c 'rm -rf \"$1\" && mkdir -p \"$1\" && tar -x -o -p -C \"$1\" -f -' sh /srv/router/gen/" + g;
}
std::string test_cmd(const std::string& g) {
  return "nginx -t -q -p /srv/router/ -e /srv/router/logs/error.log -c /srv/router/gen/" + g + "/nginx.conf";
}
std::string switch_to(const std::string& g) {
  return "sh -c 'ln -sfn \"gen/$2\" \"$1/live.next.$$\" && mv -T \"$1/live.next.$$\" \"$1/live\"' sh /srv/router " + g;
}
const std::string kReload =
    "nginx -s reload -p /srv/router/ -e /srv/router/logs/error.log -c /srv/router/live/nginx.conf";
const std::string kProbe =
    "curl -sS -o /dev/null -D - --max-time 5 -H 'Host: blog.example.org' http://127.0.0.1:80/";
std::string prune(const std::string& a, const std::string& b) {
  return "sh -c 'cd \"$1/gen\" || exit 0; for g in *; do [ \"$g\" = \"$2\" ] || [ \"$g\" = \"$3\" ] || "
         "[ \"$g\" = '\\''*'\\'' ] || rm -rf -- \"$g\"; done' sh /srv/router " + a + " " + b;
}

}  // namespace

BOOST_AUTO_TEST_CASE(apply_stages_tests_switches_reloads_and_verifies) {
  FakeShell shell;
  auto gen = generation_of(config());
  shell.on_out("readlink", "0123456789ab\n");
  shell.on_out("curl", headers("blog/web", gen));
  auto router = make_router(shell);
  auto s = router.apply(config());
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));
  std::vector<std::string> want = {
      kPrepare,
      stage(gen),
      test_cmd(gen),
      switch_to(gen),
      kRunning,
      kReload,
      kProbe,
      prune(gen, "0123456789ab"),
  };
  BOOST_TEST(shell.commands() == want, boost::test_tools::per_element());
  // The staged archive is the rendering, byte for byte, in one command.
  auto rendered = render_nginx(config()).value();
  BOOST_TEST(rendered.files.size() == 3u);
  BOOST_TEST(shell.ran()[1].stdin_data == ustar_archive(rendered.files).value());
}

// The workers that served before a reload are named to the prune, which
// tells any of them still serving (not shutting down) to quit.
BOOST_AUTO_TEST_CASE(the_workers_from_before_a_reload_go_to_the_prune) {
  FakeShell shell;
  auto gen = generation_of(config());
  shell.on_out("readlink", "0123456789ab\n");
  shell.on_out("--ppid", " 101\n 102\n");
  shell.on_out("curl", headers("blog/web", gen));
  auto router = make_router(shell);
  BOOST_REQUIRE(router.apply(config()).has_value());
  auto commands = NginxCommands::create("/srv/router").value();
  BOOST_TEST(shell.commands().back() == shell_join(commands.prune(gen, "0123456789ab", {"101", "102"})));
  BOOST_TEST(shell.commands().back().ends_with(" 0123456789ab 101 102"));
}

BOOST_AUTO_TEST_CASE(failed_nginx_test_leaves_the_old_config_and_reports_nginx) {
  FakeShell shell;
  auto gen = generation_of(config());
  shell.on_out("readlink", "0123456789ab\n");
  shell.on(" -t -q ", ProcessResult{1, "",
                                    "nginx: [emerg] unknown directive \"bogus\" in /srv/router/gen/x/nginx.conf:3\n"
                                    "nginx: configuration file /srv/router/gen/x/nginx.conf test failed\n",
                                    false});
  auto router = make_router(shell);
  auto s = router.apply(config());
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message ==
             "r1: nginx -t rejected generation " + gen +
                 ": nginx: [emerg] unknown directive \"bogus\" in /srv/router/gen/x/nginx.conf:3\n"
                 "nginx: configuration file /srv/router/gen/x/nginx.conf test failed");
  BOOST_TEST(s.error().exit_code() == 3);
  auto cmds = shell.commands();
  // After the failed test only the staged generation is removed: no switch,
  // no reload.
  BOOST_REQUIRE(cmds.size() >= 2u);
  BOOST_TEST(cmds[cmds.size() - 2] == test_cmd(gen));
  BOOST_TEST(cmds.back() == "rm -rf /srv/router/gen/" + gen);
}

BOOST_AUTO_TEST_CASE(first_apply_starts_nginx) {
  FakeShell shell;
  auto gen = generation_of(config());
  shell.on("kill -0", ProcessResult{1, "", "", false});
  shell.on_out("curl", headers("blog/web", gen));
  auto router = make_router(shell);
  BOOST_REQUIRE(router.apply(config()).has_value());
  auto cmds = shell.commands();
  BOOST_TEST(cmds[cmds.size() - 4] == kRunning);
  BOOST_TEST(cmds[cmds.size() - 3] == kNginx + "/srv/router/live/nginx.conf");
  BOOST_TEST(cmds.back() == prune(gen, "''"));
}

BOOST_AUTO_TEST_CASE(verification_retries_until_the_new_generation_answers) {
  FakeShell shell;
  auto gen = generation_of(config());
  shell.on_out("readlink", "0123456789ab\n");
  // The old workers still answer: the probe sees the old generation.
  shell.on_out("curl", headers("blog/web", "0123456789ab"));
  int sleeps = 0;
  auto router = make_router(shell, &sleeps);
  auto s = router.apply(config());
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message ==
             "rolled back to generation 0123456789ab: r1: blog.example.org is not served by generation " + gen +
                 " (last answer: HTTP/1.1 200 OK)");
  BOOST_TEST(sleeps == 2);
  auto cmds = shell.commands();
  std::vector<std::string> tail(cmds.end() - 6, cmds.end());
  std::vector<std::string> want = {kProbe, kProbe, kProbe, switch_to("0123456789ab"), kRunning, kReload};
  BOOST_TEST(tail == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(verification_waits_start_short_and_double_up_to_the_interval) {
  FakeShell shell;
  shell.on_out("readlink", "0123456789ab\n");
  shell.on_out("curl", headers("blog/web", "0123456789ab"));
  std::vector<long> waits;
  auto router = make_router(shell, nullptr, &waits, 10);
  BOOST_REQUIRE(!router.apply(config()).has_value());
  std::vector<long> want = {5, 10, 20, 40, 80, 160, 250, 250, 250};
  BOOST_TEST(waits == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(failed_reload_switches_back) {
  FakeShell shell;
  shell.on_out("readlink", "0123456789ab\n");
  shell.on("-s reload", ProcessResult{1, "", "nginx: [alert] kill(42, 1) failed (3: No such process)\n", false});
  auto router = make_router(shell);
  auto s = router.apply(config());
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message ==
             "rollback failed too (r1: nginx reload failed: nginx: [alert] kill(42, 1) failed (3: No such process)): "
             "r1: nginx reload failed: nginx: [alert] kill(42, 1) failed (3: No such process)");
  auto cmds = shell.commands();
  BOOST_TEST(cmds[cmds.size() - 3] == switch_to("0123456789ab"));
}

BOOST_AUTO_TEST_CASE(reapplying_the_live_generation_only_verifies) {
  FakeShell shell;
  auto gen = generation_of(config());
  shell.on_out("readlink", gen + "\n");
  shell.on_out("curl", headers("blog/web", gen));
  auto router = make_router(shell);
  BOOST_REQUIRE(router.apply(config()).has_value());
  std::vector<std::string> want = {kPrepare, kRunning, kProbe};
  BOOST_TEST(shell.commands() == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(ensure_running_starts_a_stopped_nginx_on_its_live_config) {
  FakeShell shell;
  shell.on_out("readlink", "0123456789ab\n");
  shell.on("kill -0", ProcessResult{1, "", "", false});
  auto router = make_router(shell);
  BOOST_REQUIRE(router.ensure_running().has_value());
  std::vector<std::string> want = {kPrepare, kRunning, kNginx + "/srv/router/live/nginx.conf"};
  BOOST_TEST(shell.commands() == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(invalid_config_runs_nothing) {
  FakeShell shell;
  auto router = make_router(shell);
  auto c = config();
  c.routes[0].domains[0] = "$(reboot).example.org";
  auto s = router.apply(c);
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message == "router config: route blog/web: invalid domain '$(reboot).example.org'");
  BOOST_TEST(shell.commands().empty());
}

BOOST_AUTO_TEST_CASE(unreachable_router_is_a_remote_error) {
  FakeShell shell;
  shell.unreachable("r1");
  auto router = make_router(shell);
  auto s = router.apply(config());
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().exit_code() == 3);
}

BOOST_AUTO_TEST_CASE(plan_lists_commands_and_files) {
  FakeShell shell;
  auto router = make_router(shell);
  auto lines = router.plan(config());
  BOOST_REQUIRE(lines.has_value());
  auto gen = generation_of(config());
  BOOST_TEST(lines->at(0) == "r1: " + kPrepare);
  BOOST_TEST(lines->at(1) == "r1: " + stage(gen));
  BOOST_TEST(lines->at(2) == "r1: " + test_cmd(gen));
  BOOST_TEST(lines->at(5) == "r1: " + kProbe);
  BOOST_TEST(lines->size() == 9u);
  BOOST_TEST(shell.commands().empty());
}

BOOST_AUTO_TEST_CASE(header_matching) {
  BOOST_TEST(has_header("HTTP/1.1 200 OK\r\nX-Quarry-Route: a/b\r\n", "x-quarry-route", "a/b"));
  BOOST_TEST(!has_header("HTTP/1.1 200 OK\r\nX-Quarry-Route: a/bc\r\n", "X-Quarry-Route", "a/b"));
  BOOST_TEST(!has_header("X-Quarry-Routes: a/b\r\n", "X-Quarry-Route", "a/b"));
}

BOOST_AUTO_TEST_SUITE_END()
