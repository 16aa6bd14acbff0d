// The control loop's journal: what it observed and did (server down/up,
// container died/restarted/moved, crashloop, server created/destroyed), with
// times. Bounded: the newest `kMaxEvents` are kept, in one document
// (events/journal.json) replaced atomically, so a reader never sees half an
// event. Sequence numbers only grow, so `quarry events -f` can ask for what
// came after the last one it printed.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/store.h"

namespace quarry {

inline constexpr std::size_t kMaxEvents = 1000;

struct Event {
  std::uint64_t seq = 0;      // set by append
  std::int64_t at_ms = 0;
  std::string kind;           // server-down, server-up, container-died, restarted, moved, crashloop, removed, ...
  std::string stack;          // empty for cluster-wide events
  std::string server;
  std::string text;           // one line for people
};

nlohmann::json to_json(const Event& e);
std::string render_event(const Event& e);  // "2026-11-30 17:40:01  server-down  s2  no answer: ..."

// Appends under the store's "events" lock; keeps the newest kMaxEvents.
Status append_events(Store& store, std::vector<Event> events);
// Events after `after_seq`, of `stack` only when it is not empty.
Result<std::vector<Event>> read_events(Store& store, const std::string& stack = {}, std::uint64_t after_seq = 0);

}  // namespace quarry
