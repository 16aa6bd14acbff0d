// The JSON form of a Stack, as a release stores it and as instructions
// embed their processes. Every field is written, keys sorted, so equal
// Stacks give equal bytes.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "compiler/stack.h"
#include "core/error.h"

namespace quarry {

nlohmann::json process_to_json(const Process& process);
// Every field of process_to_json is required with its type; unknown keys
// are ignored. Never throws.
Result<Process> process_from_json(const nlohmann::json& j);

nlohmann::json stack_to_json(const Stack& stack);
Result<Stack> stack_from_json(const nlohmann::json& j);
// Parses `text` first; a JSON syntax error is an Error too.
Result<Stack> stack_from_json_text(std::string_view text);

}  // namespace quarry
