// The words of a process's `command:`. A command is never given to a shell:
// the launcher passes split_command's argv to docker as the container's
// command, so it must split the same way here, at parse time, and there.
#pragma once

#include <string_view>

#include "core/error.h"
#include "core/quote.h"

namespace quarry {

// Splits a command line into words with these rules, and nothing more:
//   - spaces, tabs and newlines separate words;
//   - 'single quotes' keep everything up to the next ' as it is;
//   - "double quotes" keep everything up to the next unescaped ", where a
//     backslash escapes only " \ $ and `;
//   - outside quotes a backslash makes the next character literal;
//   - "" and '' make an empty word.
// Nothing is expanded: no variables, globs, ~ or command substitution. So
// that a command written for a shell does not silently mean something else,
// an unquoted | & ; < > ( ) ` or $ is an error (quote it to pass it as is,
// or run `sh -c '...'` explicitly). Other errors: an unterminated quote, a
// trailing backslash, no words at all. On success the argv has at least one
// word; shell_join(argv) splits back to the same argv.
Result<Argv> split_command(std::string_view command);

}  // namespace quarry
