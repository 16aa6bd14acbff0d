#include "compiler/stop_settings.h"

#include <array>
#include <cctype>

#include "compiler/units.h"
#include "core/text.h"

namespace quarry {

namespace {

// Linux signal numbers 1-31, as docker names them.
constexpr std::array<std::string_view, 31> kSignals{
    "HUP",  "INT",  "QUIT", "ILL",    "TRAP", "ABRT", "BUS",  "FPE",   "KILL", "USR1", "SEGV",
    "USR2", "PIPE", "ALRM", "TERM",   "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
    "URG",  "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO",   "PWR",   "SYS"};

}  // namespace

std::string normalize_signal(std::string_view text) {
  if (text.empty() || text.size() > 12) return "";
  if (std::isdigit(static_cast<unsigned char>(text[0]))) {
    int n = 0;
    for (char c : text) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return "";
      n = n * 10 + (c - '0');
      if (n > 31) return "";
    }
    return n >= 1 ? "SIG" + std::string(kSignals[static_cast<std::size_t>(n - 1)]) : "";
  }
  std::string upper;
  for (unsigned char c : text) upper += static_cast<char>(std::toupper(c));
  std::string_view name = upper;
  if (starts_with(name, "SIG")) name.remove_prefix(3);
  for (auto s : kSignals)
    if (s == name) return "SIG" + std::string(s);
  return "";
}

void read_stop_signal(const MapEntry& e, Process& p, Diagnostics& diags) {
  auto text = read_scalar(e, "a signal name (like SIGINT)", diags);
  if (!text) return;
  auto sig = normalize_signal(*text);
  if (sig.empty()) {
    diags.error(e.value_at(), "stop_signal: " + quoted(*text) + " is not a signal (like SIGINT, SIGTERM or SIGQUIT)");
    return;
  }
  p.stop_signal = sig;
}

void read_stop_timeout(const MapEntry& e, Process& p, Diagnostics& diags) {
  auto text = read_scalar(e, "a duration (like 30s)", diags);
  if (!text) return;
  if (*text == "0" || *text == "0s") {
    p.stop_timeout_s = 0;
    return;
  }
  auto ms = parse_duration_ms(*text);
  if (!ms) {
    diags.error(e.value_at(), "stop_timeout: " + ms.error().message);
  } else if (*ms % 1000 != 0) {
    diags.error(e.value_at(), "stop_timeout: " + *text + " is not a whole number of seconds (docker counts seconds)");
  } else if (*ms / 1000 > kMaxStopTimeoutS) {
    diags.error(e.value_at(), "stop_timeout: " + *text + " is out of range (0s-" + std::to_string(kMaxStopTimeoutS) + "s)");
  } else {
    p.stop_timeout_s = *ms / 1000;
  }
}

void read_init(const MapEntry& e, Process& p, Diagnostics& diags) {
  auto text = read_scalar(e, "true or false", diags);
  if (!text) return;
  if (*text == "true") {
    p.init = true;
  } else if (*text == "false") {
    p.init = false;
  } else {
    diags.error(e.value_at(), "init: expected true or false, got " + quoted(*text));
  }
}

}  // namespace quarry
