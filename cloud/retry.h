// Retrying cloud API calls: exponential backoff with jitter, bounded in the
// number of attempts and in total time, and honoring the wait a server asks
// for (Retry-After in seconds, or DigitalOcean's ratelimit-reset as a unix
// time). The schedule is a pure function; the loop takes its clock, sleep and
// randomness from outside so tests run it without sleeping.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "cloud/http_client.h"
#include "cloud/waiting.h"

namespace quarry {

struct RetryPolicy {
  int max_attempts = 6;                              // including the first
  std::chrono::milliseconds base{500};               // the wait after the first failure, before jitter
  std::chrono::milliseconds cap{20000};              // no single wait is longer
  std::chrono::milliseconds budget{90000};           // no retry starts after this much time in total
};

// The wait before attempt `attempt + 1` (attempt counts from 1), "equal
// jitter": half of min(cap, base * 2^(attempt-1)) plus `jitter` (in [0, 1])
// times the other half. A server's own hint replaces it when longer, still
// bounded by `cap`.
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt, double jitter,
                                        std::optional<std::chrono::milliseconds> hint = std::nullopt);

// The wait a response asks for: Retry-After (seconds), else ratelimit-reset
// (unix seconds, relative to `now`); nullopt when it names none.
std::optional<std::chrono::milliseconds> retry_hint(const HttpResponse& response,
                                                    std::chrono::system_clock::time_point now);

// HTTP statuses worth another try: 429 and the 5xx that mean "not now"
// (500, 502, 503, 504).
bool retryable_status(int status);

// EC2 error codes botocore retries (throttling and transient errors).
bool retryable_ec2_code(std::string_view code);

// What one attempt of a call came to, as the retry loop sees it.
enum class AttemptOutcome {
  Done,        // success, or an error no retry can fix: stop
  Retry,       // try again after a wait
};

// Runs `attempt` until it says Done, the attempts are used up or the time
// budget is spent. `attempt` receives the attempt number (from 1) and sets
// the wait hint when the answer named one. Returns the number of attempts.
struct Retrier {
  RetryPolicy policy;
  WaitDeps deps;                    // its jitter (or 0.5) spreads the waits

  int run(const std::function<AttemptOutcome(int attempt, std::optional<std::chrono::milliseconds>& hint)>& attempt) const;
};

// A random jitter source (std::random_device seeded).
std::function<double()> random_jitter();

}  // namespace quarry
