#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/file_io.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(file_io)

BOOST_AUTO_TEST_CASE(atomic_write_round_trips_with_mode) {
  auto dir = make_temp_dir("quarry-test");
  BOOST_REQUIRE(dir.has_value());
  auto path = *dir + "/a/b/secret";
  BOOST_REQUIRE(write_file_atomic(path, "value", 0600).has_value());
  BOOST_TEST(read_file(path).value() == "value");
  struct stat st;
  BOOST_REQUIRE(stat(path.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  BOOST_TEST(list_dir(*dir + "/a/b").size() == 1u);  // no temporary left behind
  remove_all(*dir);
}

BOOST_AUTO_TEST_CASE(missing_file_names_path) {
  auto r = read_file("/nonexistent/quarry/file");
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message == "/nonexistent/quarry/file: No such file or directory");
}

// A writer killed in the middle of a write leaves the previous content.
BOOST_AUTO_TEST_CASE(killed_writer_leaves_old_content) {
  auto dir = make_temp_dir("quarry-test");
  BOOST_REQUIRE(dir.has_value());
  auto path = *dir + "/state.json";
  BOOST_REQUIRE(write_file_atomic(path, "old").has_value());
  for (int i = 0; i < 20; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      std::string big(8 << 20, 'n');
      while (true) (void)write_file_atomic(path, big);
    }
    usleep(1000 * (i % 5 + 1));
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    auto now = read_file(path);
    BOOST_REQUIRE(now.has_value());
    BOOST_TEST((*now == "old" || *now == std::string(8 << 20, 'n')));
  }
  remove_all(*dir);
}

BOOST_AUTO_TEST_SUITE_END()
