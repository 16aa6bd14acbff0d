#include <boost/test/unit_test.hpp>

#include <map>

#include "compiler/env_interpolation.h"
#include "compiler/manifest_parser.h"

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

BOOST_AUTO_TEST_CASE(a_value_is_capped_before_it_is_built) {
  std::string big(kMaxEnvValueBytes / 2 + 1, 'x');
  EnvLookup lookup = [&](std::string_view) -> std::optional<std::string> { return big; };
  BOOST_TEST(interpolate("${A}", lookup).has_value());
  auto r = interpolate("${A}${B}", lookup);
  BOOST_TEST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message == "the value grows past 65536 bytes at ${B} (the limit for one env value)");
  BOOST_TEST(!interpolate(std::string(kMaxEnvValueBytes + 1, 'y'), lookup).has_value());
  // Text after the last ${...} counts too (found by fuzz_env).
  std::string near(kMaxEnvValueBytes - 2, 'n');
  EnvLookup near_lookup = [&](std::string_view) -> std::optional<std::string> { return near; };
  BOOST_TEST(interpolate("${A}ab", near_lookup).has_value());
  auto past = interpolate("${A}abc", near_lookup);
  BOOST_TEST_REQUIRE(!past.has_value());
  BOOST_TEST(past.error().message == "the value grows past 65536 bytes (the limit for one env value)");
}

// A 1 KB manifest of doubling chains would expand to 2^60 bytes: it must
// fail at the first value past the cap, located there.
std::string doubling_manifest(int links) {
  std::string yaml = "name: boom\nenv:\n  V0: \"0123456789abcdef\"\n";
  for (int i = 1; i <= links; ++i) {
    yaml += "  V" + std::to_string(i) + ": \"${V" + std::to_string(i - 1) + "}${V" + std::to_string(i - 1) + "}\"\n";
  }
  return yaml + "nodes:\n  web:\n    image: busybox\n";
}

BOOST_AUTO_TEST_CASE(doubling_chains_fail_at_once_with_a_located_error) {
  std::string yaml = doubling_manifest(60);
  BOOST_TEST(yaml.size() < 1500u);
  auto r = parse_manifest(yaml, {});
  BOOST_TEST_REQUIRE(!r.has_value());
  // V12 is 65536 bytes; V13 would be twice that.
  BOOST_TEST(r.error().message.starts_with(
      "quarry.yml:16:8: env V13: the value grows past 65536 bytes at ${V12} (the limit for one env value)"));
}

BOOST_AUTO_TEST_CASE(the_total_of_all_env_values_is_capped) {
  // Each value stays under the per-value cap; together they pass the total.
  std::string yaml = "name: wide\nenv:\n  A: \"" + std::string(60000, 'a') + "\"\nnodes:\n";
  for (int i = 0; i < 20; ++i) {
    yaml += "  n" + std::to_string(i) + ":\n    image: busybox\n    env:\n      B: \"${A}\"\n";
  }
  auto r = parse_manifest(yaml, {});
  BOOST_TEST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message.find("the manifest's env values together grow past 1048576 bytes") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_stack_env_counts_once_per_process) {
  std::string yaml = "name: wide\nenv:\n  A: \"" + std::string(60000, 'a') + "\"\nnodes:\n";
  for (int i = 0; i < 20; ++i) yaml += "  n" + std::to_string(i) + ":\n    image: busybox\n";
  auto r = parse_manifest(yaml, {});
  BOOST_TEST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message ==
             "quarry.yml:2:1: env: 20 processes each inherit 60001 bytes of stack env, past the limit of 1048576 "
             "bytes for all env values");
}

BOOST_AUTO_TEST_CASE(a_manifest_over_the_size_cap_is_refused_unparsed) {
  std::string yaml = "name: big\nnodes:\n  web:\n    image: busybox\n#" + std::string(kMaxManifestBytes, 'x');
  auto r = parse_manifest(yaml, {});
  BOOST_TEST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message == "quarry.yml:1:1: the manifest is " + std::to_string(yaml.size()) +
                                      " bytes, over the limit of 1048576; keep data out of quarry.yml");
}

BOOST_AUTO_TEST_SUITE_END()
