// Typed helpers over any Store: JSON documents and env directories.
#pragma once

#include <map>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "store/store.h"

namespace quarry {

// The JSON document at `key`, or nullopt when absent. A document that does
// not parse is an error naming the file: "/home/quarry/grid/grid.json:
// corrupt JSON: ...".
Result<std::optional<nlohmann::json>> get_json(Store& store, std::string_view key);

// Writes `doc` (2-space indented, trailing newline) atomically.
Status put_json(Store& store, std::string_view key, const nlohmann::json& doc, unsigned mode = 0644);

// An env directory (etc/env, stacks/APP/env, servers/ID/env): one file per
// variable, the file's content the value. Values are stored with mode 0600.
Result<std::map<std::string, std::string>> read_env(Store& store, std::string_view dir);
Status set_env(Store& store, std::string_view dir, std::string_view key, std::string_view value);
Status unset_env(Store& store, std::string_view dir, std::string_view key);


}  // namespace quarry
