#include <boost/test/unit_test.hpp>

#include <thread>

#include <algorithm>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/text.h"
#include "router/nginx_commands.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(nginx_commands)

BOOST_AUTO_TEST_CASE(commands_are_golden_shell_lines) {
  auto c = NginxCommands::create("/srv/router/", "/usr/sbin/nginx");
  BOOST_REQUIRE(c.has_value());
  BOOST_TEST(c->prefix() == "/srv/router");
  BOOST_TEST(shell_join(c->test("abc")) ==
             "/usr/sbin/nginx -t -q -p /srv/router/ -e /srv/router/logs/error.log -c /srv/router/gen/abc/nginx.conf");
  BOOST_TEST(shell_join(c->start()) ==
             "/usr/sbin/nginx -p /srv/router/ -e /srv/router/logs/error.log -c /srv/router/live/nginx.conf");
  BOOST_TEST(shell_join(c->reload()) ==
             "/usr/sbin/nginx -s reload -p /srv/router/ -e /srv/router/logs/error.log -c /srv/router/live/nginx.conf");
  BOOST_TEST(shell_join(c->switch_live("abc")) ==
             "sh -c 'ln -sfn \"gen/$2\" \"$1/live.next.$$\" && mv -T \"$1/live.next.$$\" \"$1/live\"' sh /srv/router abc");
  BOOST_TEST(shell_join(c->stage("abc")) ==
             "sh -c 'rm -rf \"$1\" && mkdir -p \"$1\" && tar -x -o -p -C \"$1\" -f -' sh /srv/router/gen/abc");
  BOOST_TEST(shell_join(c->probe("blog.example.org", "127.0.0.1", 80)) ==
             "curl -sS -o /dev/null -D - --max-time 5 -H 'Host: blog.example.org' http://127.0.0.1:80/");
}

// Run for real: a process titled like a serving nginx worker gets SIGQUIT,
// one titled as shutting down is left alone, and what is not a pid is
// never passed on.
BOOST_AUTO_TEST_CASE(prune_quits_only_workers_still_serving) {
  auto c = NginxCommands::create("/nonexistent/quarry-router").value();
  auto spawn = [](const std::string& title) {
    // cat without arguments, reading a pipe that stays open: its whole
    // command line is the title, as nginx sets it.
    auto r = run_process({"bash", "-c", "(sleep 30 | (exec -a '" + title + "' cat)) >/dev/null 2>&1 & sleep 0.2; "
                                        "pgrep -f -x '" + title + "' | head -1"});
    BOOST_REQUIRE(r.has_value());
    return trim(r->out);
  };
  auto serving = spawn("nginx: worker process");
  auto leaving = spawn("nginx: worker process is shutting down");
  auto argv = c.prune("a", "b", {serving, leaving, "1;reboot"});
  BOOST_TEST(std::count(argv.begin(), argv.end(), std::string("1;reboot")) == 0);
  auto r = run_process(argv);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->exit_code == 0, r->err);
  auto alive = [](const std::string& pid) {
    for (int i = 0; i < 50; ++i) {
      auto st = read_file("/proc/" + pid + "/stat");
      if (!st || st->find(") Z ") != std::string::npos) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (i > 5) return true;
    }
    return true;
  };
  BOOST_TEST(!alive(serving));
  BOOST_TEST(alive(leaving));
  (void)run_process({"kill", leaving});
}

// The prefix reaches nginx's command line and paths in its config verbatim:
// anything beyond plain path characters is refused up front.
BOOST_AUTO_TEST_CASE(unsafe_prefixes_are_refused) {
  for (const char* bad : {"", "/", "relative/dir", "/srv/a b", "/srv/it's", "/srv/../etc", "/srv/$(id)"}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!NginxCommands::create(bad).has_value()); }
  }
}

BOOST_AUTO_TEST_SUITE_END()
