#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "git_fixture.h"
#include "hq/process_deploy_runner.h"

using namespace quarry;
using namespace quarry::test;

namespace {

bool wait_for_file(const std::string& path, std::chrono::seconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!path_exists(path) && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return path_exists(path);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(process_deploy_runner)

BOOST_AUTO_TEST_CASE(command_line) {
  ProcessDeployRunner runner("/usr/bin/quarry", "/home/quarry");
  PushDeployRequest r{"blog", "/home/quarry/stacks/blog/src", std::string(40, 'a'), "main", "alice", "", {}};
  BOOST_TEST(shell_join(runner.command(r)) ==
             "/usr/bin/quarry --home /home/quarry deploy -f /home/quarry/stacks/blog/src/quarry.yml --name blog --commit " +
                 std::string(40, 'a') + " --by alice");
}

// Output reaches the pusher line by line, and stays in the deploy's log;
// the exit status is the result.
BOOST_AUTO_TEST_CASE(relays_the_log_line_by_line_and_reports_exit) {
  TempDir t;
  std::string script = t.path + "/fake-quarry";
  write(script,
        "#!/bin/sh\n"
        "printf 'step one\\nstep '; sleep 0.3; printf 'two\\n'\n"
        "echo \"args: $*\" >&2\n"
        "printf 'no newline'\n"
        "[ -e \"$PWD/fail\" ] && exit 4\n"
        "exit 0\n",
        0755);
  ProcessDeployRunner runner(script, "/h");
  std::vector<std::string> lines;
  PushDeployRequest r{"blog", t.path, std::string(40, 'c'), "main", "bob", t.path + "/deploys",
                      [&](std::string_view line) { lines.emplace_back(line); }};
  BOOST_REQUIRE(runner.deploy(r).has_value());
  BOOST_REQUIRE(lines.size() == 5u);
  std::string log = newest_deploy_log(t.path + "/deploys");
  BOOST_TEST(lines[0] == "deploy log: " + log);
  BOOST_TEST(log.ends_with("-cccccccccccc.log"), log);
  BOOST_TEST(lines[1] == "step one");
  BOOST_TEST(lines[2] == "step two");
  BOOST_TEST(lines[3].starts_with("args: --home /h deploy -f " + t.path + "/quarry.yml --name blog --commit"));
  BOOST_TEST(lines[4] == "no newline");
  BOOST_TEST(read_file(log).value_or("").starts_with("step one\nstep two\nargs: "));
  struct stat st {};
  BOOST_REQUIRE(stat(log.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  write(t.path + "/fail", "");
  auto failed = runner.deploy(r);
  BOOST_REQUIRE(!failed.has_value());
  BOOST_TEST((failed.error().kind == ErrorKind::Remote));
  BOOST_TEST(failed.error().message.find(": exit 4 (log: " + t.path + "/deploys/") != std::string::npos);
}

// The pusher hangs up mid-deploy: the push's whole process group gets
// SIGHUP, then SIGKILL, and its pipes close. The deploy runs on in its own
// session, writes on, and finishes.
BOOST_AUTO_TEST_CASE(the_deploy_outlives_its_pusher) {
  TempDir t;
  std::string script = t.path + "/fake-quarry";
  write(script,
        "#!/bin/sh\n"
        "echo \"$$ $(ps -o sid= -p $$ | tr -d ' ')\" > \"$PWD/ids\"\n"
        "echo started\n"
        "while [ ! -e \"$PWD/go\" ]; do sleep 0.02; done\n"
        "echo still writing after the hang-up\n"
        "echo done > \"$PWD/finished\"\n",
        0755);
  pid_t pusher = fork();
  BOOST_REQUIRE(pusher >= 0);
  if (pusher == 0) {
    setpgid(0, 0);
    // The push's output pipe, whose reader goes away with the pusher.
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) _exit(3);
    dup2(pipe_fds[1], 1);
    dup2(pipe_fds[1], 2);
    ProcessDeployRunner runner(script, "/h");
    PushDeployRequest r{"blog", t.path, std::string(40, 'd'), "main", "bob", t.path + "/deploys",
                        [](std::string_view line) { std::printf("%.*s\n", static_cast<int>(line.size()), line.data()); }};
    _exit(runner.deploy(r).has_value() ? 0 : 1);
  }
  setpgid(pusher, pusher);
  BOOST_REQUIRE(wait_for_file(t.path + "/ids", std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  kill(-pusher, SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  kill(-pusher, SIGKILL);
  int status = 0;
  waitpid(pusher, &status, 0);
  write(t.path + "/go", "");
  BOOST_TEST(wait_for_file(t.path + "/finished", std::chrono::seconds(10)));
  auto ids = split(trim(read_file(t.path + "/ids").value_or("")), ' ');
  BOOST_REQUIRE(ids.size() == 2u);
  BOOST_TEST(ids[0] == ids[1]);  // a session leader: its own session and group
  BOOST_TEST(ids[1] != std::to_string(getsid(0)));
  auto log = read_file(newest_deploy_log(t.path + "/deploys")).value_or("");
  BOOST_TEST(log == "started\nstill writing after the hang-up\n");
}

BOOST_AUTO_TEST_SUITE_END()
