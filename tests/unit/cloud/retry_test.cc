#include <boost/test/unit_test.hpp>

#include "cloud/retry.h"
#include "tests/unit/cloud/fake_clock.h"

using namespace quarry;
using std::chrono::milliseconds;

BOOST_AUTO_TEST_SUITE(retry)

BOOST_AUTO_TEST_CASE(backoff_doubles_up_to_the_cap_with_equal_jitter) {
  RetryPolicy p;  // base 500 ms, cap 20 s
  struct Case { int attempt; double jitter; long long want; };
  const Case cases[] = {
      {1, 0.0, 250},  {1, 1.0, 500},   {1, 0.5, 375},   {2, 0.0, 500},    {3, 1.0, 2000},
      {6, 1.0, 16000}, {7, 1.0, 20000}, {7, 0.0, 10000}, {40, 1.0, 20000}, {3, 7.0, 2000},
  };
  for (const auto& c : cases)
    BOOST_TEST(backoff_delay(p, c.attempt, c.jitter).count() == c.want,
               "attempt " << c.attempt << " jitter " << c.jitter);
}

BOOST_AUTO_TEST_CASE(a_server_hint_lengthens_the_wait_but_never_past_the_cap) {
  RetryPolicy p;
  BOOST_TEST(backoff_delay(p, 1, 0.0, milliseconds(3000)).count() == 3000);
  BOOST_TEST(backoff_delay(p, 1, 0.0, milliseconds(100)).count() == 250);
  BOOST_TEST(backoff_delay(p, 1, 0.0, milliseconds(999999)).count() == 20000);
}

BOOST_AUTO_TEST_CASE(hints_come_from_retry_after_or_ratelimit_reset) {
  auto now = std::chrono::system_clock::from_time_t(1000);
  HttpResponse r;
  BOOST_TEST(!retry_hint(r, now).has_value());
  r.headers = {{"retry-after", "7"}};
  BOOST_TEST(retry_hint(r, now)->count() == 7000);
  r.headers = {{"ratelimit-reset", "1012"}};
  BOOST_TEST(retry_hint(r, now)->count() == 12000);
  r.headers = {{"ratelimit-reset", "900"}};
  BOOST_TEST(retry_hint(r, now)->count() == 0);
  r.headers = {{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}};
  BOOST_TEST(!retry_hint(r, now).has_value());
}

BOOST_AUTO_TEST_CASE(retryable_answers) {
  for (int s : {429, 500, 502, 503, 504}) BOOST_TEST(retryable_status(s), s);
  for (int s : {200, 400, 401, 403, 404, 409, 422, 501}) BOOST_TEST(!retryable_status(s), s);
  BOOST_TEST(retryable_ec2_code("RequestLimitExceeded"));
  BOOST_TEST(retryable_ec2_code("Throttling"));
  BOOST_TEST(retryable_ec2_code("InternalError"));
  BOOST_TEST(!retryable_ec2_code("InvalidParameterValue"));
  BOOST_TEST(!retryable_ec2_code("UnauthorizedOperation"));
}

BOOST_AUTO_TEST_CASE(the_loop_is_bounded_in_attempts_and_in_time) {
  FakeWait wait;
  Retrier r{RetryPolicy{}, wait.deps()};
  int n = r.run([](int, std::optional<milliseconds>&) { return AttemptOutcome::Retry; });
  BOOST_TEST(n == 6);
  std::vector<long long> slept;
  for (auto d : wait.state->sleeps) slept.push_back(d.count());
  BOOST_TEST(slept == (std::vector<long long>{375, 750, 1500, 3000, 6000}), boost::test_tools::per_element());

  FakeWait w2;
  RetryPolicy tight;
  tight.budget = milliseconds(2000);
  Retrier r2{tight, w2.deps()};
  n = r2.run([](int, std::optional<milliseconds>& hint) {
    hint = milliseconds(1500);
    return AttemptOutcome::Retry;
  });
  BOOST_TEST(n == 2);  // a second 1.5 s wait would pass the 2 s budget
  BOOST_TEST(w2.state->sleeps.size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_loop_stops_at_done) {
  FakeWait wait;
  Retrier r{RetryPolicy{}, wait.deps()};
  int n = r.run([](int attempt, std::optional<milliseconds>&) {
    return attempt == 3 ? AttemptOutcome::Done : AttemptOutcome::Retry;
  });
  BOOST_TEST(n == 3);
}

BOOST_AUTO_TEST_SUITE_END()
