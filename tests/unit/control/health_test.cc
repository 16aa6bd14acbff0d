// Server health as a pure function of the passes.
#include <boost/test/unit_test.hpp>

#include "control/observed.h"

namespace quarry {
namespace {

BOOST_AUTO_TEST_SUITE(server_health)

BOOST_AUTO_TEST_CASE(up_suspect_down_up) {
  HealthSettings s;
  s.down_after_ms = 3000;
  ServerHealth h;
  h.server = "s1";
  struct Step {
    std::int64_t at;
    bool answered;
    Health want;
  };
  const Step steps[] = {{1000, true, Health::Up},      {2000, false, Health::Suspect}, {3000, false, Health::Suspect},
                        {4000, false, Health::Down},   {5000, false, Health::Down},    {6000, true, Health::Up},
                        {7000, false, Health::Suspect}};
  for (const auto& st : steps) {
    h = health_after(h, st.answered, st.answered ? "" : "No route to host", st.at, s);
    BOOST_TEST(health_name(h.state) == health_name(st.want), "at " << st.at);
  }
  BOOST_TEST(h.last_contact_ms == 6000);
  BOOST_TEST(h.since_ms == 7000);
  BOOST_TEST(h.reason == "No route to host");
}

BOOST_AUTO_TEST_CASE(a_server_never_reached_goes_down_after_the_grace) {
  HealthSettings s;
  s.down_after_ms = 2000;
  ServerHealth h;
  h.server = "s9";
  h = health_after(h, false, "refused", 10000, s);
  BOOST_TEST(health_name(h.state) == "suspect");
  h = health_after(h, false, "refused", 11000, s);
  BOOST_TEST(health_name(h.state) == "suspect");
  h = health_after(h, false, "refused", 12000, s);
  BOOST_TEST(health_name(h.state) == "down");
}

BOOST_AUTO_TEST_CASE(one_failed_pass_is_never_enough_for_down) {
  HealthSettings s;
  s.down_after_ms = 2000;
  ServerHealth h;
  h.server = "s1";
  h = health_after(h, true, "", 1000, s);
  // The first failure comes long after the last answer (a slow pass).
  h = health_after(h, false, "timed out", 9000, s);
  BOOST_TEST(health_name(h.state) == "suspect");
  h = health_after(h, false, "timed out", 9500, s);
  BOOST_TEST(health_name(h.state) == "down");
}

BOOST_AUTO_TEST_CASE(health_round_trips_through_json) {
  ServerHealth h{"s2", Health::Down, 5, 6, 7, "cut", 3};
  auto back = health_from_json(to_json(h));
  BOOST_TEST_REQUIRE(back.has_value());
  BOOST_TEST(to_json(*back) == to_json(h));
  BOOST_TEST(!health_from_json(nlohmann::json{{"server", "s"}, {"state", "sideways"}}).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace quarry
