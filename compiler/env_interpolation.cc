#include "compiler/env_interpolation.h"

namespace quarry {

namespace {
std::unexpected<Error> too_long(std::size_t max_bytes, std::string_view after) {
  return fail("the value grows past " + std::to_string(max_bytes) + " bytes" +
              (after.empty() ? std::string() : " at ${" + std::string(after) + "}") + " (the limit for one env value)");
}
}  // namespace

Result<std::string> interpolate(std::string_view value, const EnvLookup& lookup, std::size_t max_bytes) {
  if (value.size() > max_bytes) return too_long(max_bytes, {});
  std::string out;
  std::size_t i = 0;
  while (i < value.size()) {
    char c = value[i];
    if (c != '$' || i + 1 >= value.size()) {
      out += c;
      ++i;
      continue;
    }
    char next = value[i + 1];
    if (next == '$') {
      out += '$';
      i += 2;
    } else if (next == '{') {
      auto close = value.find('}', i + 2);
      if (close == std::string_view::npos) return fail("unterminated '${'");
      auto name = value.substr(i + 2, close - i - 2);
      if (!is_env_name(name)) {
        return fail("'${" + std::string(name) + "}' is not a variable (names are letters, digits and '_')");
      }
      auto found = lookup(name);
      if (!found) return fail("undefined variable ${" + std::string(name) + "}");
      if (out.size() + found->size() > max_bytes) return too_long(max_bytes, name);
      out += *found;
      i = close + 1;
    } else {
      out += c;
      ++i;
    }
  }
  // Text after the last ${...} can still carry it past the limit (out stays
  // under twice the limit: the value itself is under it).
  if (out.size() > max_bytes) return too_long(max_bytes, {});
  return out;
}

}  // namespace quarry
