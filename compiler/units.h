// Sizes and durations as written in quarry.yml. Pure functions: no I/O, no
// locale, no exceptions. The error messages are complete sentences meant to
// follow "KEY: " in a located diagnostic.
#pragma once

#include <string_view>

#include "core/error.h"

namespace quarry {

// A memory size in megabytes (MB = 1024 * 1024 bytes).
//   "512"             512 (a bare number is megabytes)
//   "512M", "512MB"   512
//   "1G", "1GB"       1024
//   "1.5G"            1536
// Units are case-insensitive ("512m", "1g"); a space before the unit is not
// allowed. The result must be a whole number of megabytes from 1 to
// 1048576 (1 TB); "0.3G" and "0" are errors.
Result<int> parse_size_mb(std::string_view text);

// A duration in milliseconds.
//   "500ms"  500      "5s"  5000      "1m"  60000      "1.5s"  1500
//   "5"      5000 (a bare number is seconds)
// The result must be a whole number of milliseconds from 1 to 86400000
// (one day). "5 seconds", "5sec" and "-1s" are errors.
Result<int> parse_duration_ms(std::string_view text);

}  // namespace quarry
