#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "core/file_io.h"
#include "core/file_lock.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(file_lock)

BOOST_AUTO_TEST_CASE(exclusive_and_reports_holder) {
  auto dir = make_temp_dir("quarry-test");
  BOOST_REQUIRE(dir.has_value());
  auto path = *dir + "/locks/deploy";
  int pipefd[2];
  BOOST_REQUIRE(pipe(pipefd) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    auto l = FileLock::acquire(path, "push by alice");
    char c = 'x';
    (void)write(pipefd[1], &c, 1);
    usleep(300000);
    _exit(0);
  }
  char c;
  BOOST_REQUIRE(read(pipefd[0], &c, 1) == 1);
  auto busy = FileLock::try_acquire(path, "me");
  BOOST_REQUIRE(busy.has_value());
  BOOST_TEST(!busy->has_value());
  std::string waited_for;
  auto got = FileLock::acquire(path, "me", std::chrono::seconds(5), [&](const std::string& who) { waited_for = who; });
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST(waited_for.find("push by alice") == 0u);
  waitpid(pid, nullptr, 0);
  remove_all(*dir);
}

// A holder that dies without releasing never leaves the lock stuck.
BOOST_AUTO_TEST_CASE(dead_holder_releases) {
  auto dir = make_temp_dir("quarry-test");
  BOOST_REQUIRE(dir.has_value());
  auto path = *dir + "/lock";
  pid_t pid = fork();
  if (pid == 0) {
    auto l = FileLock::acquire(path, "doomed");
    kill(getpid(), SIGKILL);
  }
  waitpid(pid, nullptr, 0);
  auto got = FileLock::acquire(path, "me", std::chrono::seconds(2));
  BOOST_TEST(got.has_value());
  remove_all(*dir);
}

BOOST_AUTO_TEST_SUITE_END()
