#include <boost/test/unit_test.hpp>

#include <map>

#include "compiler/env_interpolation.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(env_interpolation)

BOOST_AUTO_TEST_CASE(expands_and_escapes) {
  std::map<std::string, std::string> env{{"USER_NAME", "ann"}, {"A", "${B}"}, {"EMPTY", ""}};
  EnvLookup lookup = [&](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  struct Case {
    const char* value;
    const char* expected;  // nullptr: the error below
    const char* error;
  };
  const Case cases[] = {
      {"hello ${USER_NAME}", "hello ann", nullptr},
      {"${USER_NAME}${USER_NAME}", "annann", nullptr},
      {"${A}", "${B}", nullptr},  // a substituted value is not expanded again
      {"x${EMPTY}y", "xy", nullptr},
      {"$$", "$", nullptr},
      {"$${USER_NAME}", "${USER_NAME}", nullptr},
      {"$HOME $", "$HOME $", nullptr},
      {"p@$$w0rd", "p@$w0rd", nullptr},
      {"${UNDEFINED}", nullptr, "undefined variable ${UNDEFINED}"},
      {"a ${USER_NAME", nullptr, "unterminated '${'"},
      {"${}", nullptr, "'${}' is not a variable (names are letters, digits and '_')"},
      {"${1X}", nullptr, "'${1X}' is not a variable (names are letters, digits and '_')"},
      {"${A-B}", nullptr, "'${A-B}' is not a variable (names are letters, digits and '_')"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.value) {
      auto r = interpolate(c.value, lookup);
      if (c.expected) {
        BOOST_TEST_REQUIRE(r.has_value());
        BOOST_TEST(*r == c.expected);
      } else {
        BOOST_TEST_REQUIRE(!r.has_value());
        BOOST_TEST(r.error().message == c.error);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(env_names) {
  BOOST_TEST(is_env_name("RAILS_ENV"));
  BOOST_TEST(is_env_name("_x1"));
  BOOST_TEST(!is_env_name("1X"));
  BOOST_TEST(!is_env_name("MY-VAR"));
  BOOST_TEST(!is_env_name(""));
}

BOOST_AUTO_TEST_SUITE_END()
