#include <boost/test/unit_test.hpp>

#include "core/quote.h"
#include "core/subprocess.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(quote)

struct QuoteCase {
  const char* input;
  const char* quoted;
};

// Golden table: the exact shell text for each hostile input.
const QuoteCase kCases[] = {
    {"plain", "plain"},
    {"", "''"},
    {"with space", "'with space'"},
    {"it's", "'it'\\''s'"},
    {"\"double\"", "'\"double\"'"},
    {"$(rm -rf /)", "'$(rm -rf /)'"},
    {"`id`", "'`id`'"},
    {"a;b", "'a;b'"},
    {"a|b", "'a|b'"},
    {"line1\nline2", "'line1\nline2'"},
    {"KEY=value", "KEY=value"},
    {"~root", "'~root'"},
    {"*", "'*'"},
};

BOOST_AUTO_TEST_CASE(golden) {
  for (const auto& c : kCases) {
    BOOST_TEST_CONTEXT("input: " << c.input) { BOOST_TEST(shell_quote(c.input) == c.quoted); }
  }
}

// The quoted text, given to a real shell, yields the original bytes as one
// word and runs nothing else.
BOOST_AUTO_TEST_CASE(round_trips_through_sh) {
  for (const auto& c : kCases) {
    auto script = "printf %s " + shell_quote(c.input);
    auto r = run_process({"sh", "-c", script});
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST_CONTEXT("input: " << c.input) {
      BOOST_TEST(r->exit_code == 0);
      BOOST_TEST(r->out == c.input);
    }
  }
}

BOOST_AUTO_TEST_CASE(join_quotes_each_word) {
  BOOST_TEST(shell_join({"docker", "run", "--env", "A=b c", "x;y"}) == "docker run --env 'A=b c' 'x;y'");
}

BOOST_AUTO_TEST_SUITE_END()
