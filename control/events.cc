#include "control/events.h"

#include <ctime>

#include "store/store_json.h"

namespace quarry {

namespace {
constexpr std::string_view kJournal = "events/journal.json";

Event event_from(const nlohmann::json& j) {
  Event e;
  e.seq = j.value("seq", std::uint64_t{0});
  e.at_ms = j.value("at_ms", std::int64_t{0});
  e.kind = j.value("kind", "");
  e.stack = j.value("stack", "");
  e.server = j.value("server", "");
  e.text = j.value("text", "");
  return e;
}
}  // namespace

nlohmann::json to_json(const Event& e) {
  return {{"seq", e.seq}, {"at_ms", e.at_ms}, {"kind", e.kind}, {"stack", e.stack}, {"server", e.server},
          {"text", e.text}};
}

std::string render_event(const Event& e) {
  std::time_t t = static_cast<std::time_t>(e.at_ms / 1000);
  char when[32] = "-";
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::gmtime(&t));
  std::string where = e.stack;
  if (!e.server.empty()) where += (where.empty() ? "" : "@") + e.server;
  return std::string(when) + "  " + e.kind + "  " + (where.empty() ? "-" : where) + "  " + e.text;
}

Status append_events(Store& store, std::vector<Event> events) {
  if (events.empty()) return {};
  auto lock = store.lock("events", "event journal");
  if (!lock) return std::unexpected(lock.error());
  auto doc = get_json(store, kJournal);
  if (!doc) return std::unexpected(doc.error());
  nlohmann::json list = *doc && (*doc)->is_object() ? (**doc).value("events", nlohmann::json::array())
                                                    : nlohmann::json::array();
  std::uint64_t seq = *doc && (*doc)->is_object() ? (**doc).value("next_seq", std::uint64_t{1}) : 1;
  for (auto& e : events) {
    e.seq = seq++;
    list.push_back(to_json(e));
  }
  if (list.size() > kMaxEvents) list.erase(list.begin(), list.begin() + static_cast<long>(list.size() - kMaxEvents));
  return put_json(store, kJournal, {{"next_seq", seq}, {"events", list}});
}

Result<std::vector<Event>> read_events(Store& store, const std::string& stack, std::uint64_t after_seq) {
  auto doc = get_json(store, kJournal);
  if (!doc) return std::unexpected(doc.error());
  std::vector<Event> out;
  if (!*doc || !(*doc)->is_object()) return out;
  for (const auto& j : (**doc).value("events", nlohmann::json::array())) {
    auto e = event_from(j);
    if (e.seq <= after_seq) continue;
    if (!stack.empty() && e.stack != stack) continue;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace quarry
