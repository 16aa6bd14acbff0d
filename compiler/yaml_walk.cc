#include "compiler/yaml_walk.h"

#include <map>

#include "core/text.h"

namespace quarry {

Position position_of(const YAML::Node& node) {
  auto mark = node.Mark();
  if (mark.line < 0 || mark.column < 0) return Position{};
  return Position{mark.line + 1, mark.column + 1};
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a string";
    default: return "nothing";
  }
}

std::string quoted(std::string_view text) {
  constexpr std::size_t kMax = 60;
  if (text.size() <= kMax) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, kMax)) + "...'";
}

Position MapEntry::value_at() const {
  if (!value.IsDefined() || value.IsNull()) return key_at;
  return position_of(value);
}

std::vector<MapEntry> map_entries(const YAML::Node& map, Diagnostics& diags) {
  std::vector<MapEntry> out;
  std::map<std::string, int> first_line;
  for (auto it = map.begin(); it != map.end(); ++it) {
    // it-> yields a temporary proxy: copy the nodes (cheap handles) out of it.
    YAML::Node key = it->first;
    YAML::Node value = it->second;
    Position at = position_of(key);
    if (!key.IsScalar()) {
      diags.error(at, "a key must be a plain word, not " + describe(key));
      continue;
    }
    std::string text = key.Scalar();
    auto [seen, fresh] = first_line.emplace(text, at.line);
    if (!fresh) {
      diags.error(at, "duplicate key " + quoted(text) + " (first at line " + std::to_string(seen->second) + ")");
      continue;
    }
    out.push_back(MapEntry{std::move(text), at, value});
  }
  return out;
}

void report_unknown_key(const MapEntry& entry, std::string_view where, const std::vector<std::string>& valid,
                        Diagnostics& diags) {
  std::string message = "unknown key " + quoted(entry.key) + " " + std::string(where);
  if (auto near = nearest(entry.key, valid)) {
    message += "; did you mean '" + *near + "'?";
  } else {
    message += " (valid keys: " + join(valid, ", ") + ")";
  }
  diags.error(entry.key_at, message);
}

std::optional<std::string> read_scalar(const MapEntry& entry, std::string_view expected, Diagnostics& diags) {
  if (entry.value.IsScalar()) return entry.value.Scalar();
  diags.error(entry.value_at(), entry.key + ": expected " + std::string(expected) + ", got " + describe(entry.value));
  return std::nullopt;
}

std::optional<std::vector<ListItem>> read_scalar_list(const MapEntry& entry, std::string_view expected,
                                                      Diagnostics& diags) {
  if (entry.value.IsScalar()) return std::vector<ListItem>{ListItem{entry.value.Scalar(), position_of(entry.value)}};
  if (!entry.value.IsSequence()) {
    diags.error(entry.value_at(), entry.key + ": expected " + std::string(expected) + ", got " + describe(entry.value));
    return std::nullopt;
  }
  std::vector<ListItem> items;
  for (const auto& item : entry.value) {
    if (!item.IsScalar()) {
      Position at = item.IsNull() ? entry.value_at() : position_of(item);
      diags.error(at, entry.key + ": each item must be a string, got " + describe(item));
      continue;
    }
    items.push_back(ListItem{item.Scalar(), position_of(item)});
  }
  return items;
}

std::optional<std::vector<MapEntry>> read_map(const MapEntry& entry, std::string_view expected, Diagnostics& diags) {
  if (entry.value.IsMap()) return map_entries(entry.value, diags);
  diags.error(entry.value_at(), entry.key + ": expected " + std::string(expected) + ", got " + describe(entry.value));
  return std::nullopt;
}

}  // namespace quarry
