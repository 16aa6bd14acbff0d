#include <boost/test/unit_test.hpp>

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

// The prefix reaches nginx's command line and paths in its config verbatim:
// anything beyond plain path characters is refused up front.
BOOST_AUTO_TEST_CASE(unsafe_prefixes_are_refused) {
  for (const char* bad : {"", "/", "relative/dir", "/srv/a b", "/srv/it's", "/srv/../etc", "/srv/$(id)"}) {
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!NginxCommands::create(bad).has_value()); }
  }
}

BOOST_AUTO_TEST_SUITE_END()
