// Reading yaml-cpp nodes into values while reporting located mistakes.
// Internal to compiler/: the manifest reader's vocabulary. None of these
// functions throws: they only inspect node types before converting.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "compiler/diagnostics.h"

namespace quarry {

// The node's place in the file; (1, 1) when yaml-cpp gives it none.
Position position_of(const YAML::Node& node);

// "a map", "a list", "a string" or "nothing", for "expected X, got Y".
std::string describe(const YAML::Node& node);

// A value quoted for a message: 'text', cut after 60 characters.
std::string quoted(std::string_view text);

// One key: value pair of a map, the key known to be a scalar.
struct MapEntry {
  std::string key;
  Position key_at;
  YAML::Node value;
  // Where to point at the value: its own position, or the key's when the
  // value is missing (yaml-cpp places an empty value on the next line).
  Position value_at() const;
};

// The entries of a map in file order. A key that is not a plain scalar, or
// that repeats an earlier key, is reported and left out.
std::vector<MapEntry> map_entries(const YAML::Node& map, Diagnostics& diags);

// Reports `entry.key` as unknown `where` ("at the top level", "in node
// 'web'"), naming the nearest of `valid` when it is close enough.
void report_unknown_key(const MapEntry& entry, std::string_view where, const std::vector<std::string>& valid,
                        Diagnostics& diags);

// A scalar value as text, or nullopt after reporting "KEY: expected ...".
std::optional<std::string> read_scalar(const MapEntry& entry, std::string_view expected, Diagnostics& diags);

// A scalar item of a list, with its place.
struct ListItem {
  std::string text;
  Position at;
};

// A list of scalars; a single scalar is taken as a list of one. Items that
// are not scalars are reported and left out; nullopt when the value is
// neither a list nor a scalar.
std::optional<std::vector<ListItem>> read_scalar_list(const MapEntry& entry, std::string_view expected,
                                                      Diagnostics& diags);

// The value as a map's entries, or nullopt after reporting "KEY: expected ...".
std::optional<std::vector<MapEntry>> read_map(const MapEntry& entry, std::string_view expected,
                                              Diagnostics& diags);

}  // namespace quarry
