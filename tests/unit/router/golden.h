// Golden files for the router's unit tests: under tests/unit/router/golden/,
// found through QUARRY_SOURCE_DIR (set by ctest) or this file's location.
// QUARRY_UPDATE_GOLDEN=1 rewrites them from the current output.
#pragma once

#include <cstdlib>
#include <string>

#include "core/file_io.h"

namespace quarry::testing {

inline std::string router_golden_dir() {
  const char* src = std::getenv("QUARRY_SOURCE_DIR");
  if (src && *src) return std::string(src) + "/tests/unit/router/golden";
  std::string here = __FILE__;
  return here.substr(0, here.rfind('/')) + "/golden";
}

// The golden content of `name`, or the error text when it cannot be read.
// In update mode, writes `actual` first.
inline std::string golden(const std::string& name, const std::string& actual) {
  auto path = router_golden_dir() + "/" + name;
  const char* update = std::getenv("QUARRY_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") (void)write_file_atomic(path, actual);
  auto content = read_file(path);
  return content ? *content : "missing golden file: " + content.error().message;
}

}  // namespace quarry::testing
