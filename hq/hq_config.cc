#include "hq/hq_config.h"

#include "store/store_json.h"

namespace quarry {

Result<HqConfig> load_hq_config(Store& store) {
  auto doc = get_json(store, kHqConfigKey);
  if (!doc) return std::unexpected(doc.error());
  if (!*doc) return fail(store.locate(kHqConfigKey) + " is missing: set this machine up with `quarry hq init` first");
  HqConfig c;
  const auto& j = **doc;
  auto text = [&](const char* field) -> std::string {
    return j.contains(field) && j[field].is_string() ? j[field].get<std::string>() : std::string();
  };
  c.user = text("user");
  c.binary = text("binary");
  c.authorized_keys = text("authorized_keys");
  c.id = text("id");
  if (c.user.empty() || c.binary.empty() || c.authorized_keys.empty()) {
    return fail(store.locate(kHqConfigKey) + ": needs \"user\", \"binary\" and \"authorized_keys\" (re-run `quarry hq init`)");
  }
  return c;
}

Status save_hq_config(Store& store, const HqConfig& c) {
  nlohmann::json j = {{"user", c.user}, {"binary", c.binary}, {"authorized_keys", c.authorized_keys}};
  if (!c.id.empty()) j["id"] = c.id;
  return put_json(store, kHqConfigKey, j);
}

bool is_branch_name(const std::string& name) {
  if (name.empty() || name.size() > 200 || name.front() == '-' || name.front() == '/' || name.back() == '/') return false;
  if (name.find("..") != std::string::npos || name.find("//") != std::string::npos || name.ends_with(".lock")) {
    return false;
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-' || c == '/';
    if (!ok) return false;
  }
  return true;
}

Result<std::string> deploy_branch(Store& store, const std::string& stack) {
  std::string key = "stacks/" + stack + "/settings.json";
  auto doc = get_json(store, key);
  if (!doc) return std::unexpected(doc.error());
  if (!*doc || !(*doc)->contains("branch")) return std::string("main");
  const auto& b = (**doc)["branch"];
  if (!b.is_string() || !is_branch_name(b.get<std::string>())) {
    return fail(store.locate(key) + ": \"branch\" must be a branch name such as \"main\"");
  }
  return b.get<std::string>();
}

}  // namespace quarry
