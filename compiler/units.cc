#include "compiler/units.h"

#include <cctype>
#include <cmath>
#include <optional>
#include <string>

namespace quarry {

namespace {

// A non-negative decimal number: digits with at most one '.', at least one
// digit. std::from_chars would also take "inf", "nan" and exponents, which
// are not sizes anybody means.
std::optional<double> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  double whole = 0, frac = 0, scale = 1;
  bool dot = false, digit = false;
  for (char c : s) {
    if (c == '.') {
      if (dot) return std::nullopt;
      dot = true;
    } else if (c >= '0' && c <= '9') {
      digit = true;
      if (dot) {
        scale /= 10;
        frac += (c - '0') * scale;
      } else {
        whole = whole * 10 + (c - '0');
      }
    } else {
      return std::nullopt;
    }
  }
  if (!digit) return std::nullopt;
  return whole + frac;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits "1.5G" into "1.5" and "g" (the unit lowercased).
std::pair<std::string_view, std::string> split_unit(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
  return {text.substr(0, i), lower(text.substr(i))};
}

// Scales and checks that the result is whole (within rounding noise of the
// decimal parse) and in [1, max].
std::optional<int> whole_in_range(double value, double factor, int max) {
  double scaled = value * factor;
  double rounded = std::round(scaled);
  if (std::fabs(scaled - rounded) > 1e-6) return std::nullopt;
  if (!(rounded >= 1 && rounded <= max)) return std::nullopt;
  return static_cast<int>(rounded);
}

}  // namespace

Result<int> parse_size_mb(std::string_view text) {
  const std::string hint = "'" + std::string(text) + "' is not a size (write megabytes like 512, or 512M, 1G)";
  auto [number, unit] = split_unit(text);
  auto value = parse_decimal(number);
  if (!value) return fail(hint);
  double factor = 0;
  if (unit.empty() || unit == "m" || unit == "mb") factor = 1;
  else if (unit == "g" || unit == "gb") factor = 1024;
  else return fail(hint);
  constexpr int kMaxMb = 1024 * 1024;
  if (*value * factor > kMaxMb) return fail("'" + std::string(text) + "' is more than 1 TB");
  auto mb = whole_in_range(*value, factor, kMaxMb);
  if (!mb) {
    if (*value * factor < 1) return fail("'" + std::string(text) + "' is less than 1 MB");
    return fail("'" + std::string(text) + "' is not a whole number of megabytes");
  }
  return *mb;
}

Result<int> parse_duration_ms(std::string_view text) {
  const std::string hint = "'" + std::string(text) + "' is not a duration (like 500ms, 5s, 1m)";
  auto [number, unit] = split_unit(text);
  auto value = parse_decimal(number);
  if (!value) return fail(hint);
  double factor = 0;
  if (unit == "ms") factor = 1;
  else if (unit.empty() || unit == "s") factor = 1000;
  else if (unit == "m") factor = 60 * 1000;
  else return fail(hint);
  constexpr int kMaxMs = 24 * 60 * 60 * 1000;
  if (*value * factor > kMaxMs) return fail("'" + std::string(text) + "' is longer than a day");
  auto ms = whole_in_range(*value, factor, kMaxMs);
  if (!ms) {
    if (*value * factor < 1) return fail("'" + std::string(text) + "' is shorter than 1ms");
    return fail("'" + std::string(text) + "' is not a whole number of milliseconds");
  }
  return *ms;
}

}  // namespace quarry
