#include <boost/test/unit_test.hpp>

#include "launcher/local_placer.h"

using namespace quarry;

namespace {
Slice slice(const std::string& id, std::int64_t mb) {
  Slice s;
  s.id = id;
  s.size.memory_mb = mb;
  s.size.cpu_millis = 100;
  return s;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(local_placer)

BOOST_AUTO_TEST_CASE(unlimited_block_takes_everything) {
  LocalPlacer p;
  for (int i = 1; i <= 50; ++i) {
    auto r = p.place(slice("hello/web.r1/" + std::to_string(i), 100000));
    BOOST_REQUIRE(r);
    BOOST_TEST(*r == "local");
  }
  BOOST_TEST(p.used().memory_mb == 50 * 100000);
}

BOOST_AUTO_TEST_CASE(sized_block_refuses_what_does_not_fit_and_names_the_slice) {
  LocalPlacer p(Resources{1000, 2000});
  BOOST_REQUIRE(p.place(slice("hello/web.r1/1", 600)));
  auto r = p.place(slice("hello/web.r1/2", 600));
  BOOST_REQUIRE(!r);
  BOOST_TEST(r.error().message.find("hello/web.r1/2 needs 600M but this machine has 400M left") != std::string::npos,
             r.error().message);
  BOOST_REQUIRE(p.release("hello/web.r1/1"));
  BOOST_TEST(p.place(slice("hello/web.r1/2", 600)).has_value());
}

BOOST_AUTO_TEST_CASE(placing_twice_counts_once_and_unknown_release_succeeds) {
  LocalPlacer p(Resources{1000, 0});
  BOOST_REQUIRE(p.place(slice("s/a/1", 700)));
  BOOST_REQUIRE(p.place(slice("s/a/1", 700)));
  BOOST_TEST(p.used().memory_mb == 700);
  BOOST_TEST(p.release("s/none/1").has_value());
}

BOOST_AUTO_TEST_CASE(machine_resources_are_read) {
  auto m = machine_resources();
  BOOST_TEST(m.memory_mb > 0);
  BOOST_TEST(m.cpu_millis >= 1000);
}

BOOST_AUTO_TEST_SUITE_END()
