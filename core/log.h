// Progress and diagnostic output. Commands report long work as one line per
// step with its duration ("==> build images ... 1.2s"); --quiet silences
// progress, --verbose adds debug lines. All of it goes to stderr so that
// stdout stays clean for --json.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace quarry {

enum class LogLevel { Quiet = 0, Normal = 1, Verbose = 2 };

void set_log_level(LogLevel level);
LogLevel log_level();

void log_info(std::string_view message);   // shown at Normal
void log_debug(std::string_view message);  // shown at Verbose
void log_warn(std::string_view message);   // always shown, "warning: "

// A step of long work: prints "==> what" when constructed and "    ok (1.2s)"
// or the failure when finished. Thread-safe (lines are written whole).
class Step {
 public:
  explicit Step(std::string what);
  ~Step();
  void done(std::string_view note = {});
  void failed(std::string_view why);
  std::int64_t elapsed_ms() const;

 private:
  std::string what_;
  std::chrono::steady_clock::time_point start_;
  bool finished_ = false;
};

}  // namespace quarry
