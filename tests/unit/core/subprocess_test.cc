#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <unistd.h>

#include "core/subprocess.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(subprocess)

BOOST_AUTO_TEST_CASE(captures_output_and_exit) {
  auto r = run_process({"sh", "-c", "echo out; echo err >&2; exit 3"});
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->exit_code == 3);
  BOOST_TEST(r->out == "out\n");
  BOOST_TEST(r->err == "err\n");
}

BOOST_AUTO_TEST_CASE(feeds_stdin) {
  ProcessOptions o;
  o.stdin_data = std::string(200000, 'x');
  auto r = run_process({"wc", "-c"}, o);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(std::stoi(r->out) == 200000);
}

BOOST_AUTO_TEST_CASE(times_out) {
  ProcessOptions o;
  o.timeout = std::chrono::milliseconds(100);
  auto r = run_process({"sleep", "5"}, o);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->timed_out);
  BOOST_TEST(r->exit_code == 124);
}

BOOST_AUTO_TEST_CASE(missing_program_exits_127) {
  auto r = run_process({"quarry-no-such-program"});
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->exit_code == 127);
}

BOOST_AUTO_TEST_CASE(checked_names_command) {
  auto r = run_checked({"sh", "-c", "echo boom >&2; exit 2"});
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message == "sh -c 'echo boom >&2; exit 2': exit 2: boom");
  BOOST_TEST(r.error().exit_code() == 3);
}

BOOST_AUTO_TEST_SUITE_END()

#include "core/process_stream.h"

BOOST_AUTO_TEST_SUITE(process_stream)

BOOST_AUTO_TEST_CASE(streams_stdout_and_reports_failure) {
  auto s = ProcessStream::start({"sh", "-c", "head -c 300000 /dev/zero; echo done >&2"});
  BOOST_REQUIRE(s.has_value());
  char buf[4096];
  long total = 0, n;
  while ((n = (*s)->read(buf, sizeof buf)) > 0) total += n;
  BOOST_TEST(total == 300000);
  BOOST_TEST((*s)->finish().has_value());

  auto bad = ProcessStream::start({"sh", "-c", "echo nope >&2; exit 4"});
  BOOST_REQUIRE(bad.has_value());
  while ((*bad)->read(buf, sizeof buf) > 0) {}
  auto st = (*bad)->finish();
  BOOST_REQUIRE(!st.has_value());
  BOOST_TEST(st.error().message == "sh -c 'echo nope >&2; exit 4': exit 4: nope");
}

// A descriptor this process holds without close-on-exec (a lock taken by
// a parent, say) does not reach a command: a daemon started through it
// would otherwise hold that lock for as long as it runs.
BOOST_AUTO_TEST_CASE(a_command_gets_no_descriptor_beyond_stdio) {
  int fd = open("/dev/null", O_RDONLY);  // no O_CLOEXEC on purpose
  BOOST_REQUIRE(fd > 2);
  auto r = run_process({"sh", "-c", "if [ -e /proc/$$/fd/" + std::to_string(fd) + " ]; then echo open; else echo closed; fi"});
  close(fd);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->out == "closed\n");
}

BOOST_AUTO_TEST_SUITE_END()
