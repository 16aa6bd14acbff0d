#include "launcher/config_store.h"

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace quarry {

namespace {

constexpr const char* kIndex = "etc/files.json";
std::string data_key(const std::string& path) { return "etc/files/data/" + path; }

Result<nlohmann::json> load_index(Store& store) {
  auto text = store.get(kIndex);
  if (!text) return std::unexpected(text.error());
  if (!*text) return nlohmann::json::object();
  try {
    auto j = nlohmann::json::parse(**text);
    if (!j.is_object()) return fail(store.locate(kIndex) + ": expected an object");
    return j;
  } catch (const nlohmann::json::exception& e) {
    return fail(store.locate(kIndex) + ": not JSON: " + e.what());
  }
}

}  // namespace

Result<FileSet> load_config_files(Store& store) {
  auto index = load_index(store);
  if (!index) return std::unexpected(index.error());
  FileSet out;
  for (const auto& [path, meta] : index->items()) {
    if (!meta.is_object() || !meta.contains("mode") || !meta["mode"].is_number_unsigned())
      return fail(store.locate(kIndex) + ": entry '" + path + "' needs a numeric mode");
    auto data = store.get(data_key(path));
    if (!data) return std::unexpected(data.error());
    if (!*data) return fail(store.locate(data_key(path)) + ": missing (listed in " + kIndex + ")");
    out[path] = FileEntry{**data, meta["mode"].get<unsigned>()};
  }
  return out;
}

Status put_config_file(Store& store, const std::string& path, const std::string& content, unsigned mode) {
  if (auto s = check_file_path(path); !s) return s;
  if (auto s = check_file_mode(mode); !s) return s;
  if (path == kHostsFile) return fail("'hosts' is the cluster's generated hosts file; choose another path");
  if (content.size() > kMaxConfigFileBytes) return fail(path + ": larger than 1 MiB; replicated files are for configuration");
  auto index = load_index(store);
  if (!index) return std::unexpected(index.error());
  if (!index->contains(path) && index->size() >= kMaxConfigFiles)
    return fail("the cluster already has " + std::to_string(kMaxConfigFiles) + " replicated files; remove one first");
  for (const auto& [other, meta] : index->items()) {
    if (other.starts_with(path + "/") || path.starts_with(other + "/"))
      return fail(path + ": clashes with the replicated file " + other + " (a file cannot also be a directory)");
  }
  if (auto s = store.put(data_key(path), content, 0600); !s) return s;
  (*index)[path] = {{"mode", mode}, {"sha256", sha256_hex(content)}};
  return store.put(kIndex, index->dump(2) + "\n", 0600);
}

Status remove_config_file(Store& store, const std::string& path) {
  auto index = load_index(store);
  if (!index) return std::unexpected(index.error());
  if (!index->contains(path)) return fail("no replicated file '" + path + "' (see quarry config ls)");
  index->erase(path);
  if (auto s = store.put(kIndex, index->dump(2) + "\n", 0600); !s) return s;
  return store.remove(data_key(path));
}

}  // namespace quarry
