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


using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Replaces each ${NAME} in `value` with lookup(NAME) and each $$ with a
// single $. Any other $ is kept as it is ("$HOME" stays "$HOME"). A
// substituted value is not expanded again. Errors: an undefined variable,
// an unterminated "${", an invalid name inside ${}.
Result<std::string> interpolate(std::string_view value, const EnvLookup& lookup);

}  // namespace quarry
