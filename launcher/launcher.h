// The executors: each launch instruction carried out against the servers.
//
//   ENSURE  start the service unless it runs (services are never restarted
//           by a deploy; their data lives in named volumes)
//   DEPLOY  boot the new release's replicas beside the old ones, health-gate
//           them, switch the router's weights, drain, then stop the old
//           ones. A replica that fails its health check stops the node's
//           deploy: the new replicas are removed, the old keep serving, and
//           the error shows the probe history and the log's tail.
//   SCALE   the replica count DEPLOY brings up (and `quarry scale` changes)
//   ROUTE   the node's domains, handed to the router
//   KILL    stop and remove every container of the process
//
// Every step is written to the store as it happens (StackRecords) and the
// slices are taken from and given back to the Placer. Instructions are
// idempotent: running a launch again converges (see reconcile.h).
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "compiler/instruction.h"
#include "launcher/container_ops.h"
#include "launcher/image_builder.h"
#include "launcher/image_shipper.h"
#include "launcher/phase_timings.h"
#include "launcher/prober.h"
#include "launcher/seams.h"
#include "launcher/stack_records.h"

namespace quarry {

// The end of the run of instructions from `from` that may be carried out
// at once: consecutive ENSURE, DEPLOY, SCALE and ROUTE whose ENSURE/DEPLOY
// targets neither depend on nor link to another ENSURE/DEPLOY target of the
// run (a KILL always stands alone). Always more than `from` when from <
// size. Pure.
std::size_t concurrent_run_end(const std::vector<Instruction>& instructions, std::size_t from);

struct LaunchDeps {
  Store* store = nullptr;
  RemoteShell* shell = nullptr;
  Placer* placer = nullptr;
  ImageShipper* shipper = nullptr;   // null: servers already have the images (local runs)
  RouterHook* router = nullptr;      // null: nothing to route through
  Prober* prober = nullptr;          // null: health probes come from the HQ
  PhaseTimings* timings = nullptr;   // null: phases are not timed
};

// The grid slice of replica `index` of `in` in `release`.
Slice slice_for(const Instruction& in, int release, int index);

class Launcher {
 public:
  Launcher(LaunchDeps deps, LaunchOptions options)
      : deps_(deps), options_(std::move(options)), avoid_(options_.avoid_servers) {}

  // Carries out `list` as release `release`. `images` maps each process to
  // its image. With canary_percent in 1..99, new node replicas get that
  // share of the traffic and the old ones keep the rest (and keep running).
  // Problems that do not stop the launch (a replica on an unreachable
  // server) are collected in problems(); the Status fails when any
  // instruction failed.
  Status execute(const InstructionList& list, int release, const std::map<std::string, BuiltImage>& images,
                 int canary_percent = 0);

  // Brings the live replica count of a node's current release to `count`.
  Status scale(const Instruction& deploy, int release, const BuiltImage& image, int count);
  // Moves all traffic to `release` of every node and stops the others.
  Status promote(const std::string& stack, int release);
  // Stops the replicas of `release` and gives the traffic back to the rest.
  Status drop_release(const std::string& stack, int release);
  // Stops and removes every container of the stack.
  Status destroy_stack(const std::string& stack);

  const std::vector<std::string>& problems() const { return problems_; }
  // Servers this launch placed nothing on, with why ("s2: down").
  std::vector<std::string> avoided() const;

  // The control loop's executors (control/executor.h), the same steps a
  // deploy takes for one replica:
  // Places and starts replica `index` of `in` (another server when its
  // first choice fails to start it), health-gates it and records it with
  // `weight`. An unhealthy replica is removed and the error holds its log.
  Result<ContainerRecord> start_replica(const Instruction& in, int release, const BuiltImage& image, int index,
                                        int weight);
  // docker start of an exited container, in place (same release, same env).
  Status restart(const ContainerRecord& record);
  // Stops and removes the containers, drops their records, frees their slices.
  Status remove_containers(const std::vector<ContainerRecord>& records) { return remove_records(records); }
  // Drops records whose server cannot be reached (no docker call) and frees
  // their slices; the containers are removed as stale when it comes back.
  Status forget(const std::string& stack, const std::vector<ContainerRecord>& records);
  // Reads the books from the store: call flush_records() first when
  // batch_records is set.
  Status sync_router();
  // Writes the books' changes this launch holds (batch_records), one write
  // per stack; nothing when none is held.
  Status flush_records();
  // The books of `stack` as this launch holds them.
  Result<StackRecords*> records(const std::string& stack);
  // Gives the release's tag to the images whose check a start skipped
  // (LaunchOptions::images_on); what failed, one line each.
  std::vector<std::string> tag_deferred();

 private:
  Status tag_kept(const std::vector<ContainerRecord>& kept, const BuiltImage& image);
  Status ensure_service(const Instruction& in, int release, const BuiltImage& image);
  Status deploy_node(const Instruction& in, int scale, int release, const BuiltImage& image, int canary);
  Status kill_process(const std::string& stack, const std::string& process);
  Status route(const Instruction& in);
  Status run_one(const Instruction& in, int release, const std::map<std::string, BuiltImage>& images,
                 const std::map<std::string, int>& scale, int canary_percent);
  // execute()'s instructions, run after run, stopping at the first failure.
  Status execute_runs(const InstructionList& list, int release, const std::map<std::string, BuiltImage>& images,
                      const std::map<std::string, int>& scale, int canary_percent);

  // Starts replicas [from, to) of `in` in parallel; returns those that ran.
  std::vector<ContainerRecord> start_replicas(const Instruction& in, int release, const BuiltImage& image, int from,
                                              int to, int weight, std::vector<std::string>& errors);
  Result<std::map<std::string, std::string>> container_env(const Instruction& in, int release, int index);
  Result<std::string> linked_ip(const ServerRecord& server, const std::string& container);
  struct Started {
    std::vector<ContainerRecord> records;
    std::vector<int> failed;  // indices whose server failed to start them (now avoided)
    std::vector<std::string> failed_errors;
  };
  Started start_round(const Instruction& in, int release, const BuiltImage& image, const std::vector<int>& indices,
                      int weight, std::vector<std::string>& errors);
  void avoid(const std::string& server, const std::string& why);
  // Gets a server ready for replicas of `in`: the image shipped (or found
  // there) and the stack's network made, each once per server and launch
  // however many replicas start there.
  Status prepare_server(const ServerRecord& server, const Endpoint& ep, const Instruction& in, const BuiltImage& image);
  // Runs `work` once per `key` and launch: callers with one key wait for
  // the first; a failure is not remembered (the next caller tries again).
  Status once(const std::string& key, const std::function<Status()>& work);
  Status remove_records(const std::vector<ContainerRecord>& records);
  // The end of execute(): when every instruction ran, the switched nodes'
  // old replicas are drained and removed; else each switched node's old
  // replicas get their weights back and its new ones are removed, so a
  // failed release leaves nothing of itself running (no mixed state).
  Status finish_switches(bool ok, int release);
  Status set_weights(const std::string& process, const std::function<int(const ContainerRecord&)>& weight);
  Prober& prober() { return deps_.prober ? *deps_.prober : hq_prober_; }
  Result<ServerRecord> server(const std::string& id);
  int next_port(const std::string& server);
  void problem(std::string text);

  LaunchDeps deps_;
  LaunchOptions options_;
  HqProber hq_prober_;
  std::mutex mu_;
  std::mutex place_mu_;   // one placement at a time, whichever process deploys
  std::mutex router_mu_;  // one router sync at a time
  std::mutex once_mu_;
  std::map<std::string, std::shared_ptr<std::mutex>> once_locks_;
  std::set<std::string> once_done_;
  std::map<std::string, ServerRecord> servers_;
  std::map<std::string, std::set<int>> ports_;  // per server: host ports in use or promised
  bool ports_loaded_ = false;
  std::map<std::string, std::unique_ptr<StackRecords>> stacks_;
  std::vector<std::string> problems_;
  // Nodes this execute() switched to the new release, with what served
  // before; their old replicas stay until every node passed its gate.
  struct Switched {
    std::string node;
    bool routed = false;                   // the node has domains (drain)
    bool canary = false;                   // its old replicas keep serving
    std::vector<ContainerRecord> old, fresh;
  };
  std::vector<Switched> switched_;
  std::vector<std::pair<Endpoint, BuiltImage>> deferred_tags_;  // under once_mu_
  bool hold_old_ = false;                  // set during execute()
  std::set<std::string> avoid_;              // servers not to place on
  std::map<std::string, std::string> avoided_;  // server -> why, learned during this launch
  std::map<std::string, std::string> routed_;  // node -> "yes" when the node has domains
  std::map<std::string, std::string> link_ips_;  // service container -> address (local runs)
};

}  // namespace quarry
