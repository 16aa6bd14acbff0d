// ${VAR} interpolation in env values of quarry.yml. Pure: the caller decides
// where a name is looked up (manifest_parser: earlier entries of the same
// env map, then the stack env, then the global env).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/text.h"

namespace quarry {

// Bounds on what ${VAR} may grow a manifest into: a few hundred bytes of
// doubling `B: ${A}${A}` chains would otherwise ask for exabytes. A value
// may not exceed kMaxEnvValueBytes once expanded, and all the env values a
// manifest gives its processes together (the stack's env counted once per
// process that inherits it) may not exceed kMaxEnvTotalBytes.
inline constexpr std::size_t kMaxEnvValueBytes = 64 * 1024;
inline constexpr std::size_t kMaxEnvTotalBytes = 1024 * 1024;

using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Replaces each ${NAME} in `value` with lookup(NAME) and each $$ with a
// single $. Any other $ is kept as it is ("$HOME" stays "$HOME"). A
// substituted value is not expanded again. Errors: an undefined variable,
// an unterminated "${", an invalid name inside ${}, a result longer than
// `max_bytes` (found before the long result is built).
Result<std::string> interpolate(std::string_view value, const EnvLookup& lookup,
                                std::size_t max_bytes = kMaxEnvValueBytes);

}  // namespace quarry
