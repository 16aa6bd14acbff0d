#include "core/log.h"

#include <cstdio>
#include <mutex>
#include <string>

#include "core/text.h"

namespace quarry {

namespace {
LogLevel g_level = LogLevel::Normal;
std::mutex g_mu;
void emit(std::string_view line) {
  std::lock_guard lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}
}  // namespace

void set_log_level(LogLevel level) { g_level = level; }
LogLevel log_level() { return g_level; }

void log_info(std::string_view message) {
  if (g_level >= LogLevel::Normal) emit(message);
}
void log_debug(std::string_view message) {
  if (g_level >= LogLevel::Verbose) emit(std::string("debug: ") + std::string(message));
}
void log_warn(std::string_view message) { emit(std::string("warning: ") + std::string(message)); }

Step::Step(std::string what) : what_(std::move(what)), start_(std::chrono::steady_clock::now()) {
  log_info("==> " + what_);
}

Step::~Step() {
  if (!finished_) done();
}

std::int64_t Step::elapsed_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_).count();
}

void Step::done(std::string_view note) {
  finished_ = true;
  std::string line = "    " + what_ + ": ok";
  if (!note.empty()) line += " (" + std::string(note) + ")";
  line += " in " + format_duration_ms(elapsed_ms());
  log_info(line);
}

void Step::failed(std::string_view why) {
  finished_ = true;
  emit("    " + what_ + ": FAILED after " + format_duration_ms(elapsed_ms()) + ": " + std::string(why));
}

}  // namespace quarry
