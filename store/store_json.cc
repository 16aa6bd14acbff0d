#include "store/store_json.h"

namespace quarry {

Result<std::optional<nlohmann::json>> get_json(Store& store, std::string_view key) {
  auto text = store.get(key);
  if (!text) return std::unexpected(text.error());
  if (!*text) return std::optional<nlohmann::json>{};
  auto doc = nlohmann::json::parse(**text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return fail(store.locate(key) + ": corrupt JSON: the file does not parse; restore it or remove it");
  }
  return std::optional<nlohmann::json>(std::move(doc));
}

Status put_json(Store& store, std::string_view key, const nlohmann::json& doc, unsigned mode) {
  return store.put(key, doc.dump(2) + "\n", mode);
}

Result<std::map<std::string, std::string>> read_env(Store& store, std::string_view dir) {
  std::map<std::string, std::string> env;
  auto names = store.list(dir);
  if (!names) return std::unexpected(names.error());
  for (const auto& name : *names) {
    if (!is_env_name(name)) continue;
    auto value = store.get(std::string(dir) + "/" + name);
    if (!value) return std::unexpected(value.error());
    if (*value) env[name] = **value;
  }
  return env;
}

Status set_env(Store& store, std::string_view dir, std::string_view key, std::string_view value) {
  if (!is_env_name(key)) {
    return fail("invalid env name '" + std::string(key) + "': use letters, digits and _ (not first)");
  }
  return store.put(std::string(dir) + "/" + std::string(key), value, 0600);
}

Status unset_env(Store& store, std::string_view dir, std::string_view key) {
  if (!is_env_name(key)) return fail("invalid env name '" + std::string(key) + "'");
  return store.remove(std::string(dir) + "/" + std::string(key));
}

}  // namespace quarry
