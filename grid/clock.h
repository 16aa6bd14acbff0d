// Time for the grid's hysteresis, injected so that tests move it by hand and
// never sleep.
#pragma once

#include <chrono>
#include <cstdint>

namespace quarry {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch. Must be safe to call at any time.
  virtual std::int64_t now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

// A clock that moves only when told to. Not thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms = 0) : now_(start_ms) {}
  std::int64_t now_ms() const override { return now_; }
  void advance_ms(std::int64_t ms) { now_ += ms; }
  void set_ms(std::int64_t ms) { now_ = ms; }

 private:
  std::int64_t now_;
};

}  // namespace quarry
