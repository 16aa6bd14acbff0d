// Steady stacks: a stack whose last plan was empty is not planned again
// while nothing the planner reads of it changed. plan_stack is a pure
// function of a StackState, and a StackState is made of
//   the stack's own store values   its books, restart book and release
//                                  files, by their store revisions (a
//                                  revision read each, no value read)
//   what the servers reported      the stack's observation, unchanged when
//                                  ObservationBook::holds() held this pass
//                                  and the book's revision is the one the
//                                  plan was made at
//   the grid's slices of the stack (Placer::slices)
//   the servers                    every server's id, address, health and
//                                  whether it answered: one change of any
//                                  server plans every stack again
//   the time                       plan_valid_until(): the plan holds until
//                                  the next backoff or stable run is due
// Only a plan with no action at all (no hold either: a hold may act, as a
// died replica's does) and nothing to clear is reused, so reusing it acts on
// nothing and writes nothing, as running it would.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "control/observed.h"
#include "control/planner.h"
#include "launcher/seams.h"
#include "store/store.h"

namespace quarry {

// The stack's own inputs to its plan, by revision.
struct StackInputs {
  std::int64_t books = 0;     // stacks/APP/containers.json (0: absent)
  std::int64_t restarts = 0;  // stacks/APP/restarts.json
  std::vector<std::pair<std::string, std::int64_t>> releases;  // release file -> revision
  std::int64_t observation = 0;  // the ObservationBook's revision after this pass's save; 0: unknown
  std::vector<std::string> slices;  // Placer::slices("APP/"), when there is a placer
  bool operator==(const StackInputs&) const = default;
};

// The revisions of the stack's books, restart book and release files (as
// load_releases lists them), and its grid slices when `placer` is set.
// `observation` is left for the caller.
Result<StackInputs> read_stack_inputs(Store& store, const std::string& stack, Placer* placer);

class SteadyStacks {
 public:
  // What this pass saw of every server; when it differs from the last
  // pass's in any server's id, address, health or answer, no stack's last
  // plan is reused before it is made again.
  void saw_servers(const std::vector<ServerRecord>& servers, const std::map<std::string, ServerHealth>& health,
                   const std::unordered_set<std::string>& answered);

  // The stack's last plan, when it can be reused at `now_ms`: it was empty
  // and made from `inputs` (with the observation `held` this pass), the
  // servers as they are, and before its plan_valid_until. Null otherwise.
  const ControlPlan* reusable(const std::string& stack, const StackInputs& inputs, bool held,
                              std::int64_t now_ms) const;

  // The plan made from `inputs` with the servers as they are: kept when
  // empty (reusable until `valid_until_ms`), else the stack's kept plan is
  // dropped.
  void planned(const std::string& stack, StackInputs inputs, const ControlPlan& plan, std::int64_t valid_until_ms);
  // Nothing of the stack is reused next pass (a pass that failed partway).
  void forget(const std::string& stack) { kept_.erase(stack); }

 private:
  struct Seen {
    std::string id, address;
    Health health = Health::Up;
    bool answered = false;
  };
  struct Kept {
    StackInputs inputs;
    std::uint64_t servers = 0;  // servers_ when planned
    std::int64_t valid_until_ms = 0;
    ControlPlan plan;
  };
  std::vector<Seen> seen_;
  std::uint64_t servers_ = 0;  // counts the changes of seen_
  std::map<std::string, Kept> kept_;
};

}  // namespace quarry
