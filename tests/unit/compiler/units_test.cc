#include <boost/test/unit_test.hpp>

#include "compiler/units.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(units)

struct Case {
  const char* text;
  int value;           // expected on success
  const char* error;   // expected message, or nullptr for success
};

BOOST_AUTO_TEST_CASE(sizes) {
  const Case cases[] = {
      {"512", 512, nullptr},
      {"512M", 512, nullptr},
      {"512m", 512, nullptr},
      {"512MB", 512, nullptr},
      {"1G", 1024, nullptr},
      {"1g", 1024, nullptr},
      {"2GB", 2048, nullptr},
      {"1.5G", 1536, nullptr},
      {"0.5M", 0, "'0.5M' is less than 1 MB"},
      {"0.3G", 0, "'0.3G' is not a whole number of megabytes"},
      {"0", 0, "'0' is less than 1 MB"},
      {"1024G", 1048576, nullptr},
      {"1025G", 0, "'1025G' is more than 1 TB"},
      {"lots", 0, "'lots' is not a size (write megabytes like 512, or 512M, 1G)"},
      {"512 M", 0, "'512 M' is not a size (write megabytes like 512, or 512M, 1G)"},
      {"512K", 0, "'512K' is not a size (write megabytes like 512, or 512M, 1G)"},
      {"-1", 0, "'-1' is not a size (write megabytes like 512, or 512M, 1G)"},
      {"", 0, "'' is not a size (write megabytes like 512, or 512M, 1G)"},
      {"1..5G", 0, "'1..5G' is not a size (write megabytes like 512, or 512M, 1G)"},
      {"1e3", 0, "'1e3' is not a size (write megabytes like 512, or 512M, 1G)"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.text) {
      auto r = parse_size_mb(c.text);
      if (c.error) {
        BOOST_TEST_REQUIRE(!r.has_value());
        BOOST_TEST(r.error().message == c.error);
      } else {
        BOOST_TEST_REQUIRE(r.has_value());
        BOOST_TEST(*r == c.value);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(durations) {
  const Case cases[] = {
      {"500ms", 500, nullptr},
      {"5s", 5000, nullptr},
      {"5", 5000, nullptr},
      {"1.5s", 1500, nullptr},
      {"1m", 60000, nullptr},
      {"1440m", 86400000, nullptr},
      {"1441m", 0, "'1441m' is longer than a day"},
      {"0s", 0, "'0s' is shorter than 1ms"},
      {"0.5ms", 0, "'0.5ms' is shorter than 1ms"},
      {"1.0005s", 0, "'1.0005s' is not a whole number of milliseconds"},
      {"5 seconds", 0, "'5 seconds' is not a duration (like 500ms, 5s, 1m)"},
      {"5sec", 0, "'5sec' is not a duration (like 500ms, 5s, 1m)"},
      {"-1s", 0, "'-1s' is not a duration (like 500ms, 5s, 1m)"},
      {"1h", 0, "'1h' is not a duration (like 500ms, 5s, 1m)"},
      {"s", 0, "'s' is not a duration (like 500ms, 5s, 1m)"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.text) {
      auto r = parse_duration_ms(c.text);
      if (c.error) {
        BOOST_TEST_REQUIRE(!r.has_value());
        BOOST_TEST(r.error().message == c.error);
      } else {
        BOOST_TEST_REQUIRE(r.has_value());
        BOOST_TEST(*r == c.value);
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
