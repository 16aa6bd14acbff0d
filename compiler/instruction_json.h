// The canonical JSON document of an InstructionList, which `quarry build`
// writes under the stack's build directory and the launcher reads back.
//
//   {
//     "format": 1,
//     "instructions": [
//       {"op": "ENSURE", "stack": "blog", "target": "db", "process": {...}, "links": []},
//       {"op": "DEPLOY", ..., "process": {...}, "links": ["db"]},
//       {"op": "SCALE",  ..., "scale": 3},
//       {"op": "ROUTE",  ..., "domains": ["blog.example.com"]},
//       {"op": "KILL",   "stack": "blog", "target": "old"}
//     ],
//     "manifest_hash": "<sha256 of quarry.yml>",
//     "stack": "blog"
//   }
//
// Each op carries only its own fields ("process" is stack_json's form).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "compiler/instruction.h"
#include "core/error.h"

namespace quarry {

// "ENSURE", "DEPLOY", "SCALE", "ROUTE", "KILL".
const char* op_name(Op op);
std::optional<Op> op_from_name(std::string_view name);

// Keys sorted, 2-space indent, a trailing newline: equal lists give equal
// bytes. Bytes that are not UTF-8 (only possible from the global env; the
// parser refuses them in a manifest) are written as U+FFFD. Never throws.
std::string to_json(const InstructionList& list);

// The inverse of to_json: to_json(*instructions_from_json(to_json(x))) is
// to_json(x), and for a list from compile() the lists are equal. Fields an
// op does not carry keep their defaults. Unknown keys are ignored; a
// missing field, a wrong type, an unknown op or format is an Error.
// Never throws.
Result<InstructionList> instructions_from_json(std::string_view text);

}  // namespace quarry
