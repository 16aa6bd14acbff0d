#include "cli/context.h"

#include <cstdlib>

#include "store/store_url.h"

namespace quarry {

std::string default_home() {
  const char* env = std::getenv("QUARRY_HOME");
  return env && *env ? env : "/home/quarry";
}

std::string default_store() {
  const char* env = std::getenv("QUARRY_STORE");
  return env && *env ? env : "";
}

Result<Context> Context::open(GlobalOptions options) {
  if (options.store.empty()) return Context(std::move(options));
  auto store = open_store(options.store);
  if (!store) return std::unexpected(store.error().context("--store"));
  Context ctx(std::move(options));
  ctx.store_ = std::move(*store);
  return ctx;
}

Context::Context(GlobalOptions options)
    : options_(std::move(options)), store_(std::make_unique<DirStore>(options_.home)) {}

}  // namespace quarry
