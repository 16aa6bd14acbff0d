#include "store/records.h"

#include <algorithm>

#include "store/json_text.h"
#include "store/store_json.h"

namespace quarry {

using nlohmann::json;

bool ServerRecord::has_tag(const std::string& tag) const {
  return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

json to_json(const ServerRecord& r) {
  return {{"id", r.id},       {"name", r.name},         {"provider", r.provider}, {"provider_ref", r.provider_ref},
          {"ip", r.ip},       {"ssh_port", r.ssh_port}, {"ssh_user", r.ssh_user}, {"memory_mb", r.memory_mb},
          {"cpu", r.cpu},     {"tags", r.tags},         {"created_at", r.created_at}};
}

json to_json(const ContainerRecord& r) {
  json j = {{"stack", r.stack},         {"node", r.node},
          {"service", r.service},     {"index", r.index},
          {"release", r.release},     {"server", r.server},
          {"name", r.name},           {"id", r.id},
          {"image", r.image},         {"host_port", r.host_port},
          {"container_port", r.container_port}, {"weight", r.weight},
          {"memory_mb", r.memory_mb}, {"cpu", r.cpu},
          {"state", r.state},         {"started_at", r.started_at}};
  if (!r.links.empty()) j["links"] = r.links;
  return j;
}

json to_json(const ReleaseRecord& r) {
  return {{"number", r.number},   {"stack", r.stack},     {"commit", r.commit},
          {"images", r.images},   {"manifest_hash", r.manifest_hash}, {"env_hash", r.env_hash},
          {"created_at", r.created_at}, {"by", r.by},     {"status", r.status},
          {"spec", r.spec}};
}

namespace {
// Reads j[key] into out when present; a present value of the wrong type is
// an error naming the field.
template <class T>
Status field(const json& j, const char* key, T& out, bool required = false) {
  if (!j.is_object()) return fail("expected a JSON object");
  auto it = j.find(key);
  if (it == j.end()) {
    if (required) return fail(std::string("missing field '") + key + "'");
    return {};
  }
  try {
    out = it->get<T>();
  } catch (const json::exception&) {
    return fail(std::string("field '") + key + "' has the wrong type");
  }
  return {};
}
}  // namespace

#define QUARRY_FIELD(...) \
  if (auto s = field(__VA_ARGS__); !s) return std::unexpected(s.error())

Result<ServerRecord> server_from_json(const json& j) {
  ServerRecord r;
  QUARRY_FIELD(j, "id", r.id, true);
  QUARRY_FIELD(j, "name", r.name);
  QUARRY_FIELD(j, "provider", r.provider);
  QUARRY_FIELD(j, "provider_ref", r.provider_ref);
  QUARRY_FIELD(j, "ip", r.ip, true);
  QUARRY_FIELD(j, "ssh_port", r.ssh_port);
  QUARRY_FIELD(j, "ssh_user", r.ssh_user);
  QUARRY_FIELD(j, "memory_mb", r.memory_mb);
  QUARRY_FIELD(j, "cpu", r.cpu);
  QUARRY_FIELD(j, "tags", r.tags);
  QUARRY_FIELD(j, "created_at", r.created_at);
  return r;
}

Result<ContainerRecord> container_from_json(const json& j) {
  ContainerRecord r;
  QUARRY_FIELD(j, "stack", r.stack, true);
  QUARRY_FIELD(j, "node", r.node, true);
  QUARRY_FIELD(j, "service", r.service);
  QUARRY_FIELD(j, "index", r.index);
  QUARRY_FIELD(j, "release", r.release);
  QUARRY_FIELD(j, "server", r.server, true);
  QUARRY_FIELD(j, "name", r.name, true);
  QUARRY_FIELD(j, "id", r.id);
  QUARRY_FIELD(j, "image", r.image);
  QUARRY_FIELD(j, "host_port", r.host_port);
  QUARRY_FIELD(j, "container_port", r.container_port);
  QUARRY_FIELD(j, "weight", r.weight);
  QUARRY_FIELD(j, "memory_mb", r.memory_mb);
  QUARRY_FIELD(j, "cpu", r.cpu);
  QUARRY_FIELD(j, "state", r.state);
  QUARRY_FIELD(j, "started_at", r.started_at);
  QUARRY_FIELD(j, "links", r.links);
  return r;
}

Result<ReleaseRecord> release_from_json(const json& j) {
  ReleaseRecord r;
  QUARRY_FIELD(j, "number", r.number, true);
  QUARRY_FIELD(j, "stack", r.stack, true);
  QUARRY_FIELD(j, "commit", r.commit);
  QUARRY_FIELD(j, "images", r.images);
  QUARRY_FIELD(j, "manifest_hash", r.manifest_hash);
  QUARRY_FIELD(j, "env_hash", r.env_hash);
  QUARRY_FIELD(j, "created_at", r.created_at);
  QUARRY_FIELD(j, "by", r.by);
  QUARRY_FIELD(j, "status", r.status);
  if (j.contains("spec")) r.spec = j["spec"];
  return r;
}

#undef QUARRY_FIELD

namespace {
template <class T, class F>
Result<T> load_doc(Store& store, const std::string& key, F from) {
  auto doc = get_json(store, key);
  if (!doc) return std::unexpected(doc.error());
  if (!*doc) return fail(store.locate(key) + ": missing");
  auto r = from(**doc);
  if (!r) return std::unexpected(r.error().context(store.locate(key)));
  return r;
}
}  // namespace

Result<std::vector<ServerRecord>> load_servers(Store& store) {
  auto ids = store.list("servers");
  if (!ids) return std::unexpected(ids.error());
  std::vector<ServerRecord> out;
  for (const auto& id : *ids) {
    // A server whose settings are not there yet (being added) or no longer
    // (being removed) is not part of the cluster; another writer holds it.
    auto r = load_server(store, id);
    if (!r) return std::unexpected(r.error());
    if (*r) out.push_back(std::move(**r));
  }
  return out;
}

Result<std::optional<ServerRecord>> load_server(Store& store, const std::string& id) {
  if (auto s = store.get("servers/" + id + "/settings.json"); !s) return std::unexpected(s.error());
  else if (!*s) return std::optional<ServerRecord>{};
  auto r = load_doc<ServerRecord>(store, "servers/" + id + "/settings.json", server_from_json);
  if (!r) return std::unexpected(r.error());
  return std::optional<ServerRecord>(std::move(*r));
}

Status save_server(Store& store, const ServerRecord& r) {
  const std::string dir = "servers/" + r.id;
  if (auto s = put_json(store, dir + "/settings.json", to_json(r)); !s) return s;
  if (auto s = store.put(dir + "/id", r.id + "\n"); !s) return s;
  if (auto s = store.put(dir + "/ip", r.ip + "\n"); !s) return s;
  return store.put(dir + "/hostname", r.name + "\n");
}

Status remove_server(Store& store, const std::string& id) { return store.remove("servers/" + id); }

Result<std::vector<std::string>> list_stacks(Store& store) { return store.list("stacks"); }

Result<std::vector<ContainerRecord>> load_containers(Store& store, const std::string& stack) {
  const std::string key = "stacks/" + stack + "/containers.json";
  auto doc = get_json(store, key);
  if (!doc) return std::unexpected(doc.error());
  std::vector<ContainerRecord> out;
  if (!*doc) return out;
  if (!(*doc)->is_array()) return fail(store.locate(key) + ": expected a JSON array");
  for (const auto& item : **doc) {
    auto r = container_from_json(item);
    if (!r) return std::unexpected(r.error().context(store.locate(key)));
    out.push_back(std::move(*r));
  }
  return out;
}

std::string containers_text(const std::vector<ContainerRecord>& records) {
  JsonText out;
  out.begin_array();
  for (const auto& r : records) {
    // to_json's members, in nlohmann's (sorted) order.
    out.begin_object();
    out.key("container_port"), out.value(r.container_port);
    out.key("cpu"), out.value(r.cpu);
    out.key("host_port"), out.value(r.host_port);
    out.key("id"), out.value(r.id);
    out.key("image"), out.value(r.image);
    out.key("index"), out.value(r.index);
    if (!r.links.empty()) {
      out.key("links");
      out.begin_object();
      for (const auto& [k, v] : r.links) out.key(k), out.value(v);
      out.end_object();
    }
    out.key("memory_mb"), out.value(r.memory_mb);
    out.key("name"), out.value(r.name);
    out.key("node"), out.value(r.node);
    out.key("release"), out.value(r.release);
    out.key("server"), out.value(r.server);
    out.key("service"), out.value(r.service);
    out.key("stack"), out.value(r.stack);
    out.key("started_at"), out.value(r.started_at);
    out.key("state"), out.value(r.state);
    out.key("weight"), out.value(r.weight);
    out.end_object();
  }
  out.end_array();
  return out.take();
}

Status save_containers(Store& store, const std::string& stack, const std::vector<ContainerRecord>& records) {
  return store.put("stacks/" + stack + "/containers.json", containers_text(records));
}

Result<RouteList> load_routes(Store& store, const std::string& stack) {
  const std::string key = "stacks/" + stack + "/routes.json";
  auto doc = get_json(store, key);
  if (!doc) return std::unexpected(doc.error());
  RouteList out;
  if (!*doc) return out;
  for (const auto& item : **doc) {
    if (!item.is_object() || !item.contains("domain") || !item.contains("node") || !item["domain"].is_string() ||
        !item["node"].is_string()) {
      return fail(store.locate(key) + ": each route needs a string 'domain' and 'node'");
    }
    out.emplace_back(item["domain"].get<std::string>(), item["node"].get<std::string>());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status save_routes(Store& store, const std::string& stack, const RouteList& routes) {
  json arr = json::array();
  auto sorted = routes;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [domain, node] : sorted) arr.push_back({{"domain", domain}, {"node", node}});
  return put_json(store, "stacks/" + stack + "/routes.json", arr);
}

Result<std::vector<ReleaseRecord>> load_releases(Store& store, const std::string& stack) {
  const std::string dir = "stacks/" + stack + "/releases";
  auto names = store.list(dir);
  if (!names) return std::unexpected(names.error());
  std::vector<ReleaseRecord> out;
  for (const auto& name : *names) {
    if (!name.ends_with(".json")) continue;
    auto r = load_doc<ReleaseRecord>(store, dir + "/" + name, release_from_json);
    if (!r) return std::unexpected(r.error());
    out.push_back(std::move(*r));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.number < b.number; });
  return out;
}

Status save_release(Store& store, const ReleaseRecord& r) {
  // 0600: the spec holds the compiled instructions, env values included.
  return put_json(store, "stacks/" + r.stack + "/releases/" + std::to_string(r.number) + ".json", to_json(r), 0600);
}

}  // namespace quarry
