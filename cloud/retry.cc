#include "cloud/retry.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>
#include <mutex>
#include <random>

namespace quarry {

namespace {

std::optional<long long> parse_whole(const std::string& s) {
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int attempt, double jitter,
                                        std::optional<std::chrono::milliseconds> hint) {
  using std::chrono::milliseconds;
  jitter = std::clamp(jitter, 0.0, 1.0);
  std::int64_t exp = policy.base.count();
  for (int i = 1; i < attempt && exp < policy.cap.count(); ++i) exp *= 2;
  exp = std::min<std::int64_t>(exp, policy.cap.count());
  auto d = milliseconds(exp / 2 + static_cast<std::int64_t>(jitter * static_cast<double>(exp - exp / 2)));
  if (hint && *hint > d) d = std::min(*hint, policy.cap);
  return d;
}

std::optional<std::chrono::milliseconds> retry_hint(const HttpResponse& r, std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  if (auto v = parse_whole(r.header("retry-after"))) return duration_cast<milliseconds>(seconds(*v));
  if (auto v = parse_whole(r.header("ratelimit-reset"))) {
    auto at = system_clock::time_point(seconds(*v));
    if (at <= now) return milliseconds(0);
    return duration_cast<milliseconds>(at - now);
  }
  return std::nullopt;
}

bool retryable_status(int status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

bool retryable_ec2_code(std::string_view code) {
  // botocore/data/_retry.json: the general throttling and transient codes,
  // and EC2's own RequestLimitExceeded.
  static constexpr std::array<std::string_view, 13> kCodes = {
      "Throttling",           "ThrottlingException",   "ThrottledException",  "RequestThrottledException",
      "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
      "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
      "SlowDown",             "EC2ThrottledException"};
  if (std::find(kCodes.begin(), kCodes.end(), code) != kCodes.end()) return true;
  return code == "InternalError" || code == "Unavailable" || code == "ServiceUnavailable" ||
         code == "InternalFailure";
}

int Retrier::run(
    const std::function<AttemptOutcome(int attempt, std::optional<std::chrono::milliseconds>& hint)>& attempt) const {
  auto start = deps.now();
  for (int n = 1;; ++n) {
    std::optional<std::chrono::milliseconds> hint;
    if (attempt(n, hint) == AttemptOutcome::Done) return n;
    if (n >= policy.max_attempts) return n;
    auto wait = backoff_delay(policy, n, deps.jitter ? deps.jitter() : 0.5, hint);
    if (deps.now() + wait - start > policy.budget) return n;
    deps.sleep(wait);
  }
}

std::function<double()> random_jitter() {
  struct Source {
    std::mutex mu;
    std::mt19937_64 gen{std::random_device{}()};
  };
  auto src = std::make_shared<Source>();
  return [src] {
    std::lock_guard lock(src->mu);
    return std::uniform_real_distribution<double>(0.0, 1.0)(src->gen);
  };
}

}  // namespace quarry
