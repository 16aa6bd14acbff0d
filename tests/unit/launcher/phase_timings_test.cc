// The deploy's phase recorder with a manual clock (no sleeping), and its
// pure summary and renderers against golden text.
#include <boost/test/unit_test.hpp>

#include "launcher/phase_timings.h"

using namespace quarry;

namespace {

// A deploy of two servers: reconcile and build on the HQ, then per server
// ship, two overlapping starts and their health gates, then the router.
PhaseSummary two_server_deploy() {
  ManualClock clock(1'000'000);
  PhaseTimings t(clock);
  {
    auto span = timed(&t, Phase::Reconcile);
    clock.advance_ms(340);
  }
  {
    auto span = timed(&t, Phase::Build);
    clock.advance_ms(1200);
  }
  const std::int64_t s = clock.now_ms();
  t.record(Phase::Ship, "s1", s, s + 40);
  t.record(Phase::Ship, "s2", s, s + 2500);
  t.record(Phase::Start, "s1", s + 40, s + 340);     // two at once: 300ms of wall time
  t.record(Phase::Start, "s1", s + 60, s + 330);
  t.record(Phase::Start, "s2", s + 2500, s + 2900);
  t.record(Phase::Start, "s2", s + 3000, s + 3100);  // apart: 400 + 100
  t.record(Phase::Health, "s1", s + 340, s + 360);
  t.record(Phase::Health, "s2", s + 3100, s + 4100);
  clock.set_ms(s + 4100);
  {
    auto span = timed(&t, Phase::Router);
    clock.advance_ms(90);
  }
  return t.summary();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(phase_timings)

BOOST_AUTO_TEST_CASE(spans_are_timed_by_the_injected_clock) {
  ManualClock clock(5000);
  PhaseTimings t(clock);
  clock.advance_ms(10);
  auto span = timed(&t, Phase::Start, "s1");
  clock.advance_ms(250);
  span.end();
  span.end();  // once only
  clock.advance_ms(1000);
  auto spans = t.spans();
  BOOST_REQUIRE(spans.size() == 1u);
  BOOST_TEST(spans[0].server == "s1");
  BOOST_TEST(spans[0].begin_ms == 5010);
  BOOST_TEST(spans[0].end_ms == 5260);
  BOOST_TEST(t.start_ms() == 5000);
  // A null recorder records nothing and does not fail.
  auto none = timed(nullptr, Phase::Build);
  none.end();
}

BOOST_AUTO_TEST_CASE(overlapping_spans_count_once_and_rows_follow_the_phases) {
  auto sum = two_server_deploy();
  BOOST_REQUIRE(sum.rows.size() == 9u);
  BOOST_TEST(sum.total_ms == 340 + 1200 + 4100 + 90);
  const auto& start_s1 = sum.rows[4];
  BOOST_TEST(phase_name(start_s1.phase) == "start");
  BOOST_TEST(start_s1.server == "s1");
  BOOST_TEST(start_s1.count == 2);
  BOOST_TEST(start_s1.busy_ms == 300);
  BOOST_TEST(sum.rows[5].busy_ms == 500);  // start on s2: two apart
}

BOOST_AUTO_TEST_CASE(the_table_per_phase_and_server) {
  BOOST_TEST(render_timings(two_server_deploy()) ==
             "PHASE      SERVER  N  TIME   FROM   TO\n"
             "reconcile  -       1  340ms  0ms    340ms\n"
             "build      -       1  1.2s   340ms  1.5s\n"
             "ship       s1      1  40ms   1.5s   1.6s\n"
             "ship       s2      1  2.5s   1.5s   4.0s\n"
             "start      s1      2  300ms  1.6s   1.9s\n"
             "start      s2      2  500ms  4.0s   4.6s\n"
             "health     s1      1  20ms   1.9s   1.9s\n"
             "health     s2      1  1.0s   4.6s   5.6s\n"
             "router     -       1  90ms   5.6s   5.7s\n"
             "total 5.7s\n");
}

BOOST_AUTO_TEST_CASE(one_progress_line_per_phase_names_the_slowest_server) {
  std::vector<std::string> want = {
      "reconcile 340ms  1 on the HQ",
      "build     1.2s   1 on the HQ",
      "ship      2.5s   2 on 2 servers, slowest s2 2.5s",
      "start     3.1s   4 on 2 servers, slowest s2 500ms",
      "health    3.8s   2 on 2 servers, slowest s2 1.0s",
      "router    90ms   1 on the HQ",
  };
  BOOST_TEST(render_phase_lines(two_server_deploy()) == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(json_has_every_row) {
  auto j = timings_json(two_server_deploy());
  BOOST_TEST(j["total_ms"].get<long>() == 5730);
  BOOST_REQUIRE(j["phases"].size() == 9u);
  BOOST_TEST(j["phases"][5].dump() ==
             R"({"busy_ms":500,"count":2,"from_ms":4040,"phase":"start","server":"s2","to_ms":4640})");
}

BOOST_AUTO_TEST_CASE(durations_read_as_people_write_them) {
  BOOST_TEST(format_ms(0) == "0ms");
  BOOST_TEST(format_ms(999) == "999ms");
  BOOST_TEST(format_ms(1049) == "1.0s");
  BOOST_TEST(format_ms(59999) == "60.0s");
  BOOST_TEST(format_ms(75000) == "75s");
}

BOOST_AUTO_TEST_SUITE_END()
