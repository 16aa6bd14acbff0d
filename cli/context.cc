#include "cli/context.h"

#include <cstdlib>

namespace quarry {

std::string default_home() {
  const char* env = std::getenv("QUARRY_HOME");
  return env && *env ? env : "/home/quarry";
}

Context::Context(GlobalOptions options)
    : options_(std::move(options)), store_(std::make_unique<DirStore>(options_.home)) {}

}  // namespace quarry
