// Observed state, kept apart from desired state (releases) and from the
// books (stacks/APP/containers.json):
//   servers/ID/health        {state, last_contact_ms, since_ms, reason, containers, checked_ms}
//   stacks/APP/observed.json {at_ms, containers: [...]}: what the servers reported
//   stacks/APP/restarts.json per replica: restarts, backoff, crashloop and the last log lines
// A server's health moves up -> suspect after one failed pass, suspect ->
// down once it has not answered for `down_after_ms`, and back to up on the
// first answer (health_after, a pure function).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "store/records.h"

namespace quarry {

enum class Health { Up, Suspect, Down };
std::string health_name(Health h);
std::optional<Health> health_from(std::string_view name);

struct ServerHealth {
  std::string server;
  Health state = Health::Up;
  std::int64_t last_contact_ms = 0;  // the last pass it answered; 0: never
  std::int64_t since_ms = 0;         // when it entered `state`
  std::int64_t checked_ms = 0;       // the last pass that tried it
  std::string reason;                // why it is not up (the connection error)
  int containers = 0;                // quarry containers it reported running
};

struct HealthSettings {
  std::int64_t down_after_ms = 2000;  // silence before suspect becomes down (docs/control.md: why)
};

// The health after one pass: `answered` with `reason` when not.
ServerHealth health_after(const ServerHealth& before, bool answered, const std::string& reason, std::int64_t now_ms,
                          const HealthSettings& settings);

struct ObservedContainer {
  std::string server;
  std::string name;
  std::string stack;
  std::string node;
  int release = 0;
  int index = 0;
  std::string state;         // docker's: running, exited, restarting, created, ...
  std::string status;        // docker's: "Up 3 seconds", "Exited (1) 2 seconds ago"
  bool running = false;
  std::int64_t last_seen_ms = 0;
};

// One stack's containers as a pass grouped them: by server (in id order),
// each server's as it reported them. They point into the pass's reports
// (ClusterView::containers), so grouping copies no container.
using ObservedRefs = std::vector<const ObservedContainer*>;

struct StackObservation {
  std::int64_t at_ms = 0;    // the pass that wrote it
  std::vector<ObservedContainer> containers;
};

// A replica's restart history, for the crashloop backoff.
struct RestartState {
  int restarts = 0;            // in a row, without a stable run between
  std::int64_t last_ms = 0;    // the last restart
  std::int64_t next_ms = 0;    // no restart before this
  bool crashloop = false;
  std::string last_logs;       // the log's tail when it entered crashloop
  // docker's RestartCount when last read: its restart policy restarts a
  // process that exits by itself, so those deaths are counted from it.
  int engine_restarts = 0;
  bool operator==(const RestartState&) const = default;
};
using RestartBook = std::map<std::string, RestartState>;  // "node#index"

nlohmann::json to_json(const ServerHealth& h);
nlohmann::json to_json(const ObservedContainer& c);
Result<ServerHealth> health_from_json(const nlohmann::json& j);
Result<ObservedContainer> observed_from_json(const nlohmann::json& j);

// Absent health reads as never checked, up.
Result<ServerHealth> load_health(Store& store, const std::string& server);
Status save_health(Store& store, const ServerHealth& health);
Result<std::map<std::string, ServerHealth>> load_all_health(Store& store, const std::vector<ServerRecord>& servers);

// The servers' health as a long-lived writer (the control loop) keeps it:
// each server's read back without parsing while the store's revision of it
// is the one last read or written (a record another writer wrote is read
// again), and written every pass (its times change) directly in put_json's
// layout, without a tree of JSON values.
class HealthBook {
 public:
  // As load_health.
  Result<ServerHealth> last(Store& store, const std::string& server);
  // As save_health.
  Status save(Store& store, const ServerHealth& health);

 private:
  struct Entry {
    bool known = false;         // `health` is what the store held at `revision`
    std::int64_t revision = 0;  // 0: absent
    ServerHealth health;
  };
  std::unordered_map<std::string, Entry> entries_;
};

Result<StackObservation> load_observation(Store& store, const std::string& stack);
Status save_observation(Store& store, const std::string& stack, const StackObservation& observation);

// The observations a long-lived writer (the control loop) keeps: each
// stack's is read back without parsing while the store's revision of it is
// the one last read or written (no text is kept or compared), and written
// only when what the servers report of the stack changed. Times aside: `at_ms`, every `last_seen_ms`, and the status
// text of a running container ("Up 3 minutes" ages by itself) do not count
// as a change, so a steady stack's observation keeps the pass that last
// changed it, and a container in it was last seen at its server's last
// contact (ServerHealth::last_contact_ms) when that is later.
class ObservationBook {
 public:
  // The stack's observation as the store holds it (empty when none).
  Result<const StackObservation*> last(Store& store, const std::string& stack);
  // Writes `o` unless it equals what last() read or save() wrote, times
  // aside; true when written.
  Result<bool> save(Store& store, const std::string& stack, StackObservation o);
  // True when the observation a pass makes of the stack, times aside,
  // equals what last() read or save() wrote: the containers `reported` by
  // the servers that answered (by server, in order), then what the book
  // holds of the servers that did not (`answered` false). save() would
  // write nothing. Checked without building the observation, and asking
  // `answered` only of what the book holds beyond `reported`.
  bool holds(const std::string& stack, const ObservedRefs& reported,
             const std::function<bool(const std::string& server)>& answered) const;
  // The store's revision of what last() read or save() wrote; 0 when not
  // known (never read, absent, or written by someone in between).
  std::int64_t revision(const std::string& stack) const;

 private:
  struct Entry {
    bool known = false;         // `observation` is what the store held at `revision`
    std::int64_t revision = 0;  // 0: absent
    StackObservation observation;
  };
  std::map<std::string, Entry> entries_;
};

Result<RestartBook> load_restarts(Store& store, const std::string& stack);
Status save_restarts(Store& store, const std::string& stack, const RestartBook& book);

}  // namespace quarry
