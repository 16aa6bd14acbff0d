#include <boost/test/unit_test.hpp>

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
