// libFuzzer target for ${VAR} interpolation alone (fast: no YAML). The input
// is lines "NAME=VALUE", read the way an env: map is: each VALUE is
// interpolated against the names defined before it, and a name that
// interpolates is defined with the result. A small per-value cap makes the
// doubling chains that would blow up memory common. Aborts when a result
// passes the cap, when a value without '$' changes, when a value without
// "${" differs from its "$$" -> "$" unescaping, or when an error has no
// message.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "compiler/env_interpolation.h"

namespace {

constexpr std::size_t kCap = 4096;

std::string unescape_dollars(std::string_view v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    out += v[i];
    if (v[i] == '$' && i + 1 < v.size() && v[i + 1] == '$') ++i;
  }
  return out;
}

[[noreturn]] void die(const char* what, std::string_view value) {
  std::fprintf(stderr, "%s: %.*s\n", what, static_cast<int>(value.size()), value.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace quarry;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::map<std::string, std::string> env;
  EnvLookup lookup = [&](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(std::string(name));
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  while (!input.empty()) {
    auto nl = input.find('\n');
    auto line = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    auto eq = line.find('=');
    auto name = line.substr(0, eq == std::string_view::npos ? 0 : eq);
    auto value = eq == std::string_view::npos ? line : line.substr(eq + 1);
    auto out = interpolate(value, lookup, kCap);
    if (!out) {
      if (out.error().message.empty()) die("an error without a message", value);
      continue;
    }
    if (out->size() > kCap) die("a result past the cap", value);
    if (value.find('$') == std::string_view::npos && *out != value) die("a plain value changed", value);
    if (value.find("${") == std::string_view::npos && *out != unescape_dollars(value)) die("bad $$ unescaping", value);
    if (is_env_name(name)) env[std::string(name)] = std::move(*out);
  }
  return 0;
}
