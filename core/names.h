// The one way quarry names what it makes for a process of a stack on docker
// and nginx (containers, volumes, images, env files, router upstreams).
//
// Stack and process names are DNS labels ([a-z0-9-], checked by the
// compiler), so they hold '-' but never '_'. Joining them with '_' is
// therefore unambiguous: stack "a-b" with process "c" gives "a-b_c", stack
// "a" with process "b-c" gives "a_b-c", and no two (stack, process) pairs
// ever share a name. Joining with '-' (as quarry once did) made both "a-b-c".
#pragma once

#include <string>
#include <string_view>

namespace quarry {

// Never part of a stack or process name.
inline constexpr char kNameSeparator = '_';

// "STACK_PROCESS". Both arguments must be DNS labels for the result to be
// unambiguous; callers build from validated names only.
std::string qualified_name(std::string_view stack, std::string_view process);

}  // namespace quarry
