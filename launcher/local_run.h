// `quarry run`: the whole stack on this machine for development, through the
// same executors as a cluster deploy (Launcher), with a LocalShell on the
// local docker engine, a one-block grid (LocalPlacer) and a store of its own.
//
// State of a local stack lives in $QUARRY_HOME/local/STACK (a DirStore):
//   servers/local/...            the one server, 127.0.0.1
//   stacks/STACK/containers.json what runs (quarry ps --local reads it)
//   stacks/STACK/routes.json     domains of the web nodes
//   stacks/STACK/releases/N.json one per run
//   run/state.json               network, entry port, foreground pid
//   run/fingerprints.json        per process: image id + instruction hash
//   run/env/                     env files, removed once docker read them
//   nginx/                       the local entry point's nginx prefix
//
// What a re-run changes: a build directory whose content did not change
// since its last build, and whose image the engine still holds, is not
// built again; the others are rebuilt through docker's cache (an unchanged
// build gives the same image id). A node whose image id and
// instruction (env, command, scale, ...) are unchanged keeps its running
// replicas; the others are replaced with the zero-downtime path. A service
// runs on across re-runs unless its own image or instruction changed; then it
// is restarted on the same named volumes, and every node with it (their
// NAME_HOST is the service container's address).
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compiler/instruction.h"
#include "compiler/stack.h"
#include "launcher/container_ops.h"
#include "launcher/image_builder.h"
#include "launcher/phase_timings.h"
#include "launcher/seams.h"
#include "store/store.h"

namespace quarry {

// The directory of a local stack's state: HOME/local/STACK.
std::string local_root(const std::string& home, const std::string& stack);
// Stacks that have local state under HOME, sorted.
std::vector<std::string> local_stacks(const std::string& home);
// The docker network of a local stack: "quarry-STACK".
std::string local_network(const std::string& stack);

// ---- pure helpers ----

// The stack reduced to `nodes` and everything they depend on (services and
// nodes, transitively); all of it when `nodes` is empty. An unknown name is
// a User error that suggests the nearest one.
Result<Stack> select_processes(const Stack& stack, const std::vector<std::string>& nodes);

// Applies "NODE=N" overrides of the nodes' scale (N >= 0). Malformed text is
// a Usage error; a name that is no node of the stack is a User error.
Status apply_scale_overrides(Stack& stack, const std::vector<std::string>& assignments);

// What decides whether a process must be replaced: its image id, its
// instruction (process spec with merged env, links) and its scale.
// Equal inputs give equal fingerprints (hex SHA-256).
std::string fingerprint(const Instruction& instruction, const std::string& image_id, int scale);

// Fingerprints of every ENSURE and DEPLOY of `list`, by process name.
// A process missing from `images` is left out.
std::map<std::string, std::string> fingerprints(const InstructionList& list,
                                                const std::map<std::string, BuiltImage>& images);

struct ChangePlan {
  std::set<std::string> keep_nodes;        // running nodes that stay as they are
  std::set<std::string> restart_services;  // running services to restart (volumes kept)
};

// Compares the last run's fingerprints with this run's. `running` names the
// processes that have containers now, `services` the stack's services. A
// service restarts when it runs and its fingerprint changed; a node is kept
// when it runs, its fingerprint is unchanged and no service restarts. A
// process without a fingerprint from the last run is never kept.
ChangePlan plan_changes(const std::map<std::string, std::string>& before,
                        const std::map<std::string, std::string>& now, const std::set<std::string>& running,
                        const std::set<std::string>& services);

// The first port in [from, from + span) for which `is_free` holds; 0 if none.
int first_free_port(int from, const std::function<bool(int)>& is_free, int span = 2000);
// True when a TCP listener could bind 127.0.0.1:port now.
bool port_is_free(int port);

// The prefix of one container's log lines: the name padded to `width`, then
// " | ", in color `color_index` (cycling through six) when `color` is set.
std::string log_prefix(const std::string& name, std::size_t color_index, bool color, std::size_t width);

// Splits a stream of output chunks into whole lines for `emit` (without the
// newline); a last partial line is held until the next chunk or flush().
class LineSplitter {
 public:
  explicit LineSplitter(std::function<void(std::string_view)> emit) : emit_(std::move(emit)) {}
  void feed(std::string_view chunk);
  void flush();

 private:
  std::function<void(std::string_view)> emit_;
  std::string partial_;
};

// ---- the run state (run/state.json) ----

struct LocalState {
  std::string stack;
  std::string network;
  int entry_port = 0;   // the local nginx's port; 0 when there is none
  int pid = 0;          // the foreground `quarry run`, 0 when detached
  std::vector<std::string> domains;
};
Result<std::optional<LocalState>> load_local_state(Store& store);
Status save_local_state(Store& store, const LocalState& state);

// ---- orchestration ----

struct LocalRunRequest {
  Stack stack;               // after select_processes and apply_scale_overrides
  std::string source_dir;    // build paths are relative to it
};

struct LocalRunResult {
  int release = 0;
  std::vector<ContainerRecord> containers;
  std::set<std::string> kept;      // nodes left running as they were
};

class LocalRunner {
 public:
  // `engine` runs docker on the local engine; `store` is the stack's local
  // store; `router` (may be null) is the local entry point. `options` should
  // carry network, bind_address, link_by_container_ip and env_dir.
  LocalRunner(RemoteShell& engine, Store& store, RouterHook* router, LaunchOptions options)
      : engine_(engine), store_(store), router_(router), options_(std::move(options)) {}

  // Times the phases of what follows on `timings` (null: none): engine,
  // network, build, reconcile, then the launch's start, link and health;
  // stop, remove and network for down().
  void record_timings(PhaseTimings* timings) { timings_ = timings; }

  // Fails (kind Remote) with one line saying what to do when docker is not
  // installed or its engine does not answer. up() and down() ask it only
  // when they fail, so that a working engine costs no extra round trip.
  Status check_engine();
  // Whether the last check_engine() failed (up() or down() failed because
  // the engine does not answer: nothing was started or stopped).
  bool engine_down() const { return engine_down_; }

  // Makes the network, builds the images and checks the books against the
  // engine, all three at once; then launches the stack as a new release
  // (services, then nodes in dependency order), keeping what did not change.
  // The local server record is written first. A failure with the engine
  // down or docker missing is check_engine()'s error.
  Result<LocalRunResult> up(const LocalRunRequest& request);

  // Stops and removes every container of the stack and its network; the
  // services' named volumes are kept. All containers are stopped by one
  // `docker stop` (each with its own stop_timeout unless options set a
  // grace) and removed by one `docker rm --force`. With `force`, they are
  // removed at once without a grace time. Idempotent. A failure with the
  // engine down is check_engine()'s error.
  Status down(const std::string& stack, bool force);

  // Follows the logs of `containers` until each ends, writing every line to
  // stdout behind a prefix (log_prefix). Blocks; one thread per container.
  void follow_logs(const std::vector<ContainerRecord>& containers, bool color);

 private:
  // check_engine()'s error when the engine is the problem, else `error`.
  Error explain(Error error);
  Result<LocalRunResult> launch(const LocalRunRequest& request);
  Status prepare(const LocalRunRequest& request, Placer& placer, std::map<std::string, BuiltImage>& images,
                 std::set<std::string>& earlier_services);
  Status take_down(const std::string& stack, bool force);
  Status ensure_network(const std::string& stack);
  Result<std::map<std::string, BuiltImage>> build_images(const LocalRunRequest& request);
  Status restart_services(const std::string& stack, const std::set<std::string>& services);
  Status remove_stack_containers(const std::string& stack, bool force);

  RemoteShell& engine_;
  Store& store_;
  RouterHook* router_;
  LaunchOptions options_;
  PhaseTimings* timings_ = nullptr;
  bool engine_down_ = false;
};

// The "local" server: 127.0.0.1, sized from the machine.
ServerRecord local_server_record();
// Writes local_server_record() unless the store holds it as it is (its
// creation time aside): a run would otherwise pay four synced store writes
// before its first docker command.
Status save_local_server(Store& store);

}  // namespace quarry
