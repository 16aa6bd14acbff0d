#include "control/observed.h"

#include <algorithm>

#include "store/json_text.h"
#include "store/store_json.h"

namespace quarry {

std::string health_name(Health h) {
  switch (h) {
    case Health::Up: return "up";
    case Health::Suspect: return "suspect";
    case Health::Down: return "down";
  }
  return "up";
}

std::optional<Health> health_from(std::string_view name) {
  if (name == "up") return Health::Up;
  if (name == "suspect") return Health::Suspect;
  if (name == "down") return Health::Down;
  return std::nullopt;
}

ServerHealth health_after(const ServerHealth& before, bool answered, const std::string& reason, std::int64_t now_ms,
                          const HealthSettings& settings) {
  ServerHealth h = before;
  h.checked_ms = now_ms;
  auto enter = [&](Health s) {
    if (h.state != s || h.since_ms == 0) h.since_ms = now_ms;
    h.state = s;
  };
  if (answered) {
    h.last_contact_ms = now_ms;
    h.reason.clear();
    enter(Health::Up);
    return h;
  }
  h.reason = reason;
  // A server never seen counts its silence from the first pass that tried it.
  std::int64_t silent_since =
      h.last_contact_ms ? h.last_contact_ms : (before.state != Health::Up ? before.since_ms : now_ms);
  // One failed pass is never enough: an up server is suspect first.
  if (before.state == Health::Down ||
      (before.state == Health::Suspect && now_ms - silent_since >= settings.down_after_ms)) {
    enter(Health::Down);
  }
  else enter(Health::Suspect);
  return h;
}

nlohmann::json to_json(const ServerHealth& h) {
  return {{"server", h.server}, {"state", health_name(h.state)}, {"last_contact_ms", h.last_contact_ms},
          {"since_ms", h.since_ms}, {"checked_ms", h.checked_ms}, {"reason", h.reason}, {"containers", h.containers}};
}

nlohmann::json to_json(const ObservedContainer& c) {
  return {{"server", c.server}, {"name", c.name}, {"stack", c.stack}, {"node", c.node}, {"release", c.release},
          {"index", c.index}, {"state", c.state}, {"status", c.status}, {"running", c.running},
          {"last_seen_ms", c.last_seen_ms}};
}

Result<ServerHealth> health_from_json(const nlohmann::json& j) {
  try {
    ServerHealth h;
    h.server = j.at("server").get<std::string>();
    auto state = health_from(j.at("state").get<std::string>());
    if (!state) return fail("unknown health '" + j.at("state").get<std::string>() + "'");
    h.state = *state;
    h.last_contact_ms = j.value("last_contact_ms", std::int64_t{0});
    h.since_ms = j.value("since_ms", std::int64_t{0});
    h.checked_ms = j.value("checked_ms", std::int64_t{0});
    h.reason = j.value("reason", "");
    h.containers = j.value("containers", 0);
    return h;
  } catch (const nlohmann::json::exception& e) {
    return fail(std::string("bad health record: ") + e.what());
  }
}

Result<ObservedContainer> observed_from_json(const nlohmann::json& j) {
  try {
    ObservedContainer c;
    c.server = j.at("server").get<std::string>();
    c.name = j.at("name").get<std::string>();
    c.stack = j.value("stack", "");
    c.node = j.value("node", "");
    c.release = j.value("release", 0);
    c.index = j.value("index", 0);
    c.state = j.value("state", "");
    c.status = j.value("status", "");
    c.running = j.value("running", false);
    c.last_seen_ms = j.value("last_seen_ms", std::int64_t{0});
    return c;
  } catch (const nlohmann::json::exception& e) {
    return fail(std::string("bad observed container: ") + e.what());
  }
}

namespace {
std::string health_key(const std::string& server) { return "servers/" + server + "/health"; }
std::string observed_key(const std::string& stack) { return "stacks/" + stack + "/observed.json"; }
std::string restarts_key(const std::string& stack) { return "stacks/" + stack + "/restarts.json"; }
}  // namespace

Result<ServerHealth> load_health(Store& store, const std::string& server) {
  auto doc = get_json(store, health_key(server));
  if (!doc) return std::unexpected(doc.error());
  if (!*doc) {
    ServerHealth h;
    h.server = server;
    return h;
  }
  auto h = health_from_json(**doc);
  if (!h) return std::unexpected(h.error().context(store.locate(health_key(server))));
  return h;
}

Status save_health(Store& store, const ServerHealth& h) { return put_json(store, health_key(h.server), to_json(h)); }

namespace {
// As put_json writes to_json(h), written directly.
std::string health_text(const ServerHealth& h) {
  JsonText out;
  out.begin_object();  // to_json's members, in nlohmann's (sorted) order
  out.key("checked_ms"), out.value(h.checked_ms);
  out.key("containers"), out.value(h.containers);
  out.key("last_contact_ms"), out.value(h.last_contact_ms);
  out.key("reason"), out.value(h.reason);
  out.key("server"), out.value(h.server);
  out.key("since_ms"), out.value(h.since_ms);
  out.key("state"), out.value(health_name(h.state));
  out.end_object();
  return out.take();
}
}  // namespace

Result<ServerHealth> HealthBook::last(Store& store, const std::string& server) {
  auto& e = entries_[server];
  // Read before the value: a write in between is read again next time.
  auto revision = store.revision(health_key(server));
  if (!revision) {
    e.known = false;
    return std::unexpected(revision.error());
  }
  if (e.known && *revision == e.revision) return e.health;
  e.known = false;
  auto h = load_health(store, server);
  if (!h) return std::unexpected(h.error());
  e.revision = *revision;
  e.health = *h;
  e.known = true;
  return h;
}

Status HealthBook::save(Store& store, const ServerHealth& h) {
  auto& e = entries_[h.server];
  e.known = false;
  std::string text = health_text(h);
  if (auto s = store.put(health_key(h.server), text); !s) return s;
  // The revision of what was written, read back with the value: a writer
  // in between leaves the entry unknown (read again next time).
  auto now = store.get_versioned(health_key(h.server));
  if (!now || now->value != text) return {};
  e.revision = now->revision;
  e.health = h;
  e.known = true;
  return {};
}

Result<std::map<std::string, ServerHealth>> load_all_health(Store& store, const std::vector<ServerRecord>& servers) {
  std::map<std::string, ServerHealth> out;
  for (const auto& s : servers) {
    auto h = load_health(store, s.id);
    if (!h) return std::unexpected(h.error());
    out[s.id] = *h;
  }
  return out;
}

namespace {
Result<StackObservation> observation_from(const nlohmann::json& doc, const std::string& where) {
  StackObservation o;
  o.at_ms = doc.value("at_ms", std::int64_t{0});
  for (const auto& c : doc.value("containers", nlohmann::json::array())) {
    auto parsed = observed_from_json(c);
    if (!parsed) return std::unexpected(parsed.error().context(where));
    o.containers.push_back(*parsed);
  }
  return o;
}

// As put_json writes {at_ms, containers: [to_json(c)...]}, written directly.
std::string observation_text(const StackObservation& o) {
  JsonText out;
  out.begin_object();
  out.key("at_ms"), out.value(o.at_ms);
  out.key("containers");
  out.begin_array();
  for (const auto& c : o.containers) {
    out.begin_object();  // to_json's members, in nlohmann's (sorted) order
    out.key("index"), out.value(c.index);
    out.key("last_seen_ms"), out.value(c.last_seen_ms);
    out.key("name"), out.value(c.name);
    out.key("node"), out.value(c.node);
    out.key("release"), out.value(c.release);
    out.key("running"), out.value(c.running);
    out.key("server"), out.value(c.server);
    out.key("stack"), out.value(c.stack);
    out.key("state"), out.value(c.state);
    out.key("status"), out.value(c.status);
    out.end_object();
  }
  out.end_array();
  out.end_object();
  return out.take();
}

bool same_but_times(const ObservedContainer& a, const ObservedContainer& b) {
  return a.server == b.server && a.name == b.name && a.stack == b.stack && a.node == b.node &&
         a.release == b.release && a.index == b.index && a.state == b.state && a.running == b.running &&
         (a.running || a.status == b.status);
}
}  // namespace

Result<StackObservation> load_observation(Store& store, const std::string& stack) {
  auto doc = get_json(store, observed_key(stack));
  if (!doc) return std::unexpected(doc.error());
  if (!*doc) return StackObservation{};
  return observation_from(**doc, store.locate(observed_key(stack)));
}

Status save_observation(Store& store, const std::string& stack, const StackObservation& o) {
  return store.put(observed_key(stack), observation_text(o));
}

Result<const StackObservation*> ObservationBook::last(Store& store, const std::string& stack) {
  auto& e = entries_[stack];
  auto revision = store.revision(observed_key(stack));
  if (!revision) {
    e.known = false;
    return std::unexpected(revision.error());
  }
  if (e.known && *revision == e.revision) return &e.observation;
  e.known = false;
  auto text = store.get_versioned(observed_key(stack));
  if (!text) return std::unexpected(text.error());
  StackObservation o;
  if (text->value) {
    auto doc = nlohmann::json::parse(*text->value, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
      return fail(store.locate(observed_key(stack)) +
                  ": corrupt JSON: the file does not parse; restore it or remove it");
    }
    auto parsed = observation_from(doc, store.locate(observed_key(stack)));
    if (!parsed) return std::unexpected(parsed.error());
    o = std::move(*parsed);
  }
  e.revision = text->revision;
  e.observation = std::move(o);
  e.known = true;
  return &e.observation;
}

bool ObservationBook::holds(const std::string& stack, const ObservedRefs& reported,
                            const std::function<bool(const std::string& server)>& answered) const {
  auto it = entries_.find(stack);
  if (it == entries_.end() || !it->second.known || it->second.revision == 0) return false;
  const auto& kept = it->second.observation.containers;
  // The kept head must be what was reported; those servers answered, so
  // what the pass keeps of silent servers can only be the kept tail, and
  // is all of it when every server there is silent.
  if (reported.size() > kept.size()) return false;
  std::size_t i = 0;
  for (const auto* c : reported) {
    if (!same_but_times(*c, kept[i])) return false;
    ++i;
  }
  for (; i < kept.size(); ++i) {
    if (answered(kept[i].server)) return false;
  }
  return true;
}

std::int64_t ObservationBook::revision(const std::string& stack) const {
  auto it = entries_.find(stack);
  return it == entries_.end() || !it->second.known ? 0 : it->second.revision;
}

Result<bool> ObservationBook::save(Store& store, const std::string& stack, StackObservation o) {
  auto& e = entries_[stack];
  if (e.known && e.revision != 0 && e.observation.containers.size() == o.containers.size() &&
      std::equal(o.containers.begin(), o.containers.end(), e.observation.containers.begin(), same_but_times)) {
    return false;
  }
  e.known = false;
  std::string text = observation_text(o);
  if (auto s = store.put(observed_key(stack), text); !s) return std::unexpected(s.error());
  // The revision of what was written, read back with the value: a writer
  // in between leaves the entry unknown (read again next time).
  auto now = store.get_versioned(observed_key(stack));
  if (!now || now->value != text) return true;
  e.revision = now->revision;
  e.observation = std::move(o);
  e.known = true;
  return true;
}

Result<RestartBook> load_restarts(Store& store, const std::string& stack) {
  auto doc = get_json(store, restarts_key(stack));
  if (!doc) return std::unexpected(doc.error());
  RestartBook book;
  if (!*doc) return book;
  try {
    for (const auto& [key, j] : (*doc)->items()) {
      RestartState r;
      r.restarts = j.value("restarts", 0);
      r.last_ms = j.value("last_ms", std::int64_t{0});
      r.next_ms = j.value("next_ms", std::int64_t{0});
      r.crashloop = j.value("crashloop", false);
      r.last_logs = j.value("last_logs", "");
      r.engine_restarts = j.value("engine_restarts", 0);
      book[key] = r;
    }
  } catch (const nlohmann::json::exception& e) {
    return fail(store.locate(restarts_key(stack)) + ": " + e.what());
  }
  return book;
}

Status save_restarts(Store& store, const std::string& stack, const RestartBook& book) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, r] : book) {
    j[key] = {{"restarts", r.restarts}, {"last_ms", r.last_ms}, {"next_ms", r.next_ms}, {"crashloop", r.crashloop},
              {"last_logs", r.last_logs}, {"engine_restarts", r.engine_restarts}};
  }
  return put_json(store, restarts_key(stack), j);
}

}  // namespace quarry
