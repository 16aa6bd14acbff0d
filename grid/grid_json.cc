#include "grid/grid_json.h"

#include <nlohmann/json.hpp>

namespace quarry {

using nlohmann::ordered_json;

namespace {

ordered_json tags_json(const Tags& tags) {
  ordered_json j = ordered_json::object();
  for (const auto& [k, v] : tags) j[k] = v;
  return j;
}

ordered_json slice_json(const Slice& s) {
  ordered_json j;
  j["id"] = s.id;
  j["memory_mb"] = s.size.memory_mb;
  j["cpu_millis"] = s.size.cpu_millis;
  j["service"] = s.is_service;
  j["requires"] = tags_json(s.required_tags);
  return j;
}

ordered_json block_json(const BlockState& bs) {
  const auto& b = bs.block;
  ordered_json j;
  j["id"] = b.id;
  j["memory_mb"] = b.capacity.memory_mb;
  j["cpu_millis"] = b.capacity.cpu_millis;
  j["used_memory_mb"] = b.used.memory_mb;
  j["used_cpu_millis"] = b.used.cpu_millis;
  j["tags"] = tags_json(b.tags);
  j["created_ms"] = b.created_ms;
  j["low_since_ms"] = b.low_since_ms ? ordered_json(*b.low_since_ms) : ordered_json(nullptr);
  j["slices"] = ordered_json::array();
  for (const auto& s : bs.slices) j["slices"].push_back(slice_json(s));
  return j;
}

// Reads one document, remembering where it is so that every error names the
// place ("blocks[2].slices[0].memory_mb").
using Json = nlohmann::json;

std::unexpected<Error> bad(const std::string& where, const std::string& what) {
  return fail("grid document: " + where + ": " + what);
}

Result<const Json*> member(const Json& obj, const std::string& where, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return bad(where.empty() ? key : where + "." + key, "missing");
  return &*it;
}

std::string at(const std::string& where, const char* key) { return where.empty() ? key : where + "." + key; }

Result<std::int64_t> read_int(const Json& obj, const std::string& where, const char* key) {
  auto v = member(obj, where, key);
  if (!v) return fail(v.error());
  if (!(*v)->is_number_integer()) return bad(at(where, key), "expected an integer");
  return (*v)->get<std::int64_t>();
}

Result<std::string> read_string(const Json& obj, const std::string& where, const char* key) {
  auto v = member(obj, where, key);
  if (!v) return fail(v.error());
  if (!(*v)->is_string()) return bad(at(where, key), "expected a string");
  return (*v)->get<std::string>();
}

Result<Tags> read_tags(const Json& obj, const std::string& where, const char* key) {
  auto v = member(obj, where, key);
  if (!v) return fail(v.error());
  if (!(*v)->is_object()) return bad(at(where, key), "expected an object");
  Tags tags;
  for (const auto& [k, value] : (*v)->items()) {
    if (!value.is_string()) return bad(at(where, key) + "." + k, "expected a string");
    tags[k] = value.get<std::string>();
  }
  return tags;
}

Result<const Json*> read_array(const Json& obj, const std::string& where, const char* key) {
  auto v = member(obj, where, key);
  if (!v) return fail(v.error());
  if (!(*v)->is_array()) return bad(at(where, key), "expected an array");
  return *v;
}

Result<Slice> read_slice(const Json& j, const std::string& where) {
  if (!j.is_object()) return bad(where, "expected an object");
  Slice s;
  auto id = read_string(j, where, "id");
  if (!id) return fail(id.error());
  s.id = *id;
  auto mem = read_int(j, where, "memory_mb");
  if (!mem) return fail(mem.error());
  auto cpu = read_int(j, where, "cpu_millis");
  if (!cpu) return fail(cpu.error());
  s.size = {*mem, *cpu};
  auto service = member(j, where, "service");
  if (!service) return fail(service.error());
  if (!(*service)->is_boolean()) return bad(at(where, "service"), "expected true or false");
  s.is_service = (*service)->get<bool>();
  auto tags = read_tags(j, where, "requires");
  if (!tags) return fail(tags.error());
  s.required_tags = *tags;
  return s;
}

Result<BlockState> read_block(const Json& j, const std::string& where) {
  if (!j.is_object()) return bad(where, "expected an object");
  BlockState bs;
  auto& b = bs.block;
  auto id = read_string(j, where, "id");
  if (!id) return fail(id.error());
  b.id = *id;
  auto mem = read_int(j, where, "memory_mb");
  if (!mem) return fail(mem.error());
  auto cpu = read_int(j, where, "cpu_millis");
  if (!cpu) return fail(cpu.error());
  b.capacity = {*mem, *cpu};
  auto tags = read_tags(j, where, "tags");
  if (!tags) return fail(tags.error());
  b.tags = *tags;
  auto created = read_int(j, where, "created_ms");
  if (!created) return fail(created.error());
  b.created_ms = *created;
  auto low = member(j, where, "low_since_ms");
  if (!low) return fail(low.error());
  if ((*low)->is_number_integer()) b.low_since_ms = (*low)->get<std::int64_t>();
  else if (!(*low)->is_null()) return bad(at(where, "low_since_ms"), "expected an integer or null");
  auto slices = read_array(j, where, "slices");
  if (!slices) return fail(slices.error());
  for (std::size_t i = 0; i < (*slices)->size(); ++i) {
    auto s = read_slice((**slices)[i], at(where, "slices") + "[" + std::to_string(i) + "]");
    if (!s) return fail(s.error());
    b.used += s->size;
    bs.slices.push_back(std::move(*s));
  }
  auto used_mem = read_int(j, where, "used_memory_mb");
  if (!used_mem) return fail(used_mem.error());
  auto used_cpu = read_int(j, where, "used_cpu_millis");
  if (!used_cpu) return fail(used_cpu.error());
  if (*used_mem != b.used.memory_mb || *used_cpu != b.used.cpu_millis)
    return bad(where, "used capacity does not match the sum of its slices");
  return bs;
}

Result<CreateRequest> read_request(const Json& j, const std::string& where) {
  if (!j.is_object()) return bad(where, "expected an object");
  CreateRequest r;
  auto id = read_int(j, where, "request");
  if (!id) return fail(id.error());
  if (*id <= 0) return bad(at(where, "request"), "expected a positive integer");
  r.id = static_cast<std::uint64_t>(*id);
  auto mem = read_int(j, where, "memory_mb");
  if (!mem) return fail(mem.error());
  auto cpu = read_int(j, where, "cpu_millis");
  if (!cpu) return fail(cpu.error());
  r.size = {*mem, *cpu};
  auto tags = read_tags(j, where, "tags");
  if (!tags) return fail(tags.error());
  r.tags = *tags;
  auto at_ms = read_int(j, where, "requested_ms");
  if (!at_ms) return fail(at_ms.error());
  r.requested_ms = *at_ms;
  return r;
}

template <class T, class F>
Status read_list(const Json& doc, const char* key, F read, std::vector<T>& out) {
  auto list = read_array(doc, "", key);
  if (!list) return fail(list.error());
  for (std::size_t i = 0; i < (*list)->size(); ++i) {
    auto item = read((**list)[i], std::string(key) + "[" + std::to_string(i) + "]");
    if (!item) return fail(item.error());
    out.push_back(std::move(*item));
  }
  return {};
}

}  // namespace

std::string grid_to_json(const GridState& state) {
  ordered_json j;
  j["version"] = 1;
  j["next_request"] = state.next_request;
  j["blocks"] = ordered_json::array();
  for (const auto& b : state.blocks) j["blocks"].push_back(block_json(b));
  j["pending"] = ordered_json::array();
  for (const auto& s : state.pending) j["pending"].push_back(slice_json(s));
  j["creating"] = ordered_json::array();
  for (const auto& r : state.creating) {
    ordered_json c;
    c["request"] = r.id;
    c["memory_mb"] = r.size.memory_mb;
    c["cpu_millis"] = r.size.cpu_millis;
    c["tags"] = tags_json(r.tags);
    c["requested_ms"] = r.requested_ms;
    j["creating"].push_back(std::move(c));
  }
  j["errors"] = state.errors;
  return j.dump(2) + "\n";
}

Result<GridState> grid_from_json(std::string_view text) {
  Json doc;
  // The parser's exception stops here: callers get an Error with the position.
  try {
    doc = Json::parse(text);
  } catch (const Json::exception& e) {
    return fail(std::string("grid document: invalid JSON: ") + e.what());
  }
  if (!doc.is_object()) return bad("top level", "expected an object");
  auto version = read_int(doc, "", "version");
  if (!version) return fail(version.error());
  if (*version != 1) return bad("version", "unsupported version " + std::to_string(*version));
  GridState state;
  auto next = read_int(doc, "", "next_request");
  if (!next) return fail(next.error());
  if (*next <= 0) return bad("next_request", "expected a positive integer");
  state.next_request = static_cast<std::uint64_t>(*next);
  if (auto ok = read_list(doc, "blocks", read_block, state.blocks); !ok) return fail(ok.error());
  if (auto ok = read_list(doc, "pending", read_slice, state.pending); !ok) return fail(ok.error());
  if (auto ok = read_list(doc, "creating", read_request, state.creating); !ok) return fail(ok.error());
  auto errors = read_array(doc, "", "errors");
  if (!errors) return fail(errors.error());
  for (std::size_t i = 0; i < (*errors)->size(); ++i) {
    const auto& e = (**errors)[i];
    if (!e.is_string()) return bad("errors[" + std::to_string(i) + "]", "expected a string");
    state.errors.push_back(e.get<std::string>());
  }
  return state;
}

}  // namespace quarry
