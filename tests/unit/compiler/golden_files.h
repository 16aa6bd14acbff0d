// Finding the golden files of these tests: under $QUARRY_SOURCE_DIR (set by
// ctest), else beside this file.
#pragma once

#include <cstdlib>
#include <string>

namespace quarry::testing {

inline std::string golden_dir() {
  if (const char* root = std::getenv("QUARRY_SOURCE_DIR"); root && *root) {
    return std::string(root) + "/tests/unit/compiler/golden";
  }
  std::string here = __FILE__;
  return here.substr(0, here.rfind('/')) + "/golden";
}

}  // namespace quarry::testing
