#include <boost/test/unit_test.hpp>

#include "git_fixture.h"
#include "hq/process_deploy_runner.h"

using namespace quarry;
using namespace quarry::test;

BOOST_AUTO_TEST_SUITE(process_deploy_runner)

BOOST_AUTO_TEST_CASE(command_line) {
  ProcessDeployRunner runner("/usr/bin/quarry", "/home/quarry");
  PushDeployRequest r{"blog", "/home/quarry/stacks/blog/src", std::string(40, 'a'), "main", "alice", {}};
  BOOST_TEST(shell_join(runner.command(r)) ==
             "/usr/bin/quarry --home /home/quarry deploy -f /home/quarry/stacks/blog/src/quarry.yml --name blog --commit " +
                 std::string(40, 'a') + " --by alice");
}

// Output reaches the pusher line by line; the exit status is the result.
BOOST_AUTO_TEST_CASE(streams_lines_and_reports_exit) {
  TempDir t;
  std::string script = t.path + "/fake-quarry";
  write(script,
        "#!/bin/sh\n"
        "printf 'step one\\nstep '; sleep 0.05; printf 'two\\n'\n"
        "echo \"args: $*\" >&2\n"
        "printf 'no newline'\n"
        "[ -e \"$PWD/fail\" ] && exit 4\n"
        "exit 0\n",
        0755);
  ProcessDeployRunner runner(script, "/h");
  std::vector<std::string> lines;
  PushDeployRequest r{"blog", t.path, std::string(40, 'c'), "main", "bob",
                  [&](std::string_view line) { lines.emplace_back(line); }};
  BOOST_REQUIRE(runner.deploy(r).has_value());
  BOOST_REQUIRE(lines.size() == 4u);
  BOOST_TEST(lines[0] == "step one");
  BOOST_TEST(lines[1] == "step two");
  // stderr's line and stdout's unterminated tail come last, in either order.
  std::string rest = lines[2] + "|" + lines[3];
  BOOST_TEST(rest.find("no newline") != std::string::npos);
  BOOST_TEST(rest.find("args: --home /h deploy -f " + t.path + "/quarry.yml --name blog --commit") != std::string::npos);
  write(t.path + "/fail", "");
  auto failed = runner.deploy(r);
  BOOST_REQUIRE(!failed.has_value());
  BOOST_TEST((failed.error().kind == ErrorKind::Remote));
  BOOST_TEST(failed.error().message.ends_with(": exit 4"));
}

BOOST_AUTO_TEST_SUITE_END()
