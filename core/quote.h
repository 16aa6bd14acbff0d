// Shell quoting: the one place where a string becomes shell text. Everything
// that reaches a remote shell (argv built by the docker, nginx and iptables
// builders, values from a manifest) passes through shell_quote exactly once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace quarry {

using Argv = std::vector<std::string>;

// POSIX single-quote quoting: the result is one word whose value is `s`
// byte for byte, whatever `s` holds (quotes, $(...), backticks, newlines).
// Plain words made only of [A-Za-z0-9_@%+=:,./-] are returned as they are.
std::string shell_quote(std::string_view s);

// Joins argv into one command line with every word quoted.
std::string shell_join(const Argv& argv);

}  // namespace quarry
