// One stack's state as a value, read once per deploy or pass:
//   desired   the live release(s): during a canary the canary and the
//             release it runs beside; each with its instructions, images
//             and node scale
//   books     the containers quarry started (stacks/APP/containers.json)
//   observed  what the servers reported this pass (only servers that
//             answered appear), and every server's health
//   restarts  the crashloop backoff of each replica
//   slices    the grid's placements of the stack, to find those no record
//             holds (a start killed between placing and recording)
// The planner (planner.h) is a pure function of this value.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <unordered_set>
#include <string>
#include <vector>

#include "compiler/instruction.h"
#include "control/observed.h"
#include "launcher/image_builder.h"
#include "launcher/seams.h"
#include "store/records.h"

namespace quarry {

struct DesiredRelease {
  int number = 0;
  std::string status;                          // deployed or canary
  InstructionList instructions;
  std::map<std::string, BuiltImage> images;    // process -> image
  std::map<std::string, int> scale;            // node -> replicas
  const Instruction* find(const std::string& process) const;
};

struct StackState {
  std::string stack;
  std::vector<DesiredRelease> desired;         // newest first; empty: nothing live
  std::vector<ContainerRecord> books;
  std::map<std::string, ServerHealth> health;  // every known server
  std::map<std::string, std::string> addresses;  // server id -> its address (ServerRecord::ip)
  // server -> this stack's containers it reported; a server absent here did
  // not answer this pass (or was not asked), unless `answered` names it.
  std::map<std::string, std::vector<ObservedContainer>> observed;
  // When set: every server that answered this pass (reporting containers
  // of the stack or not), so that `observed` needs no entry for those that
  // reported none.
  const std::unordered_set<std::string>* answered = nullptr;
  bool did_answer(const std::string& server) const {
    return observed.count(server) > 0 || (answered && answered->count(server) > 0);
  }
  RestartBook restarts;
  // The ids of the stack's placed or pending grid slices; empty when not read
  // (then no slice is freed).
  std::vector<std::string> slices;
  std::int64_t now_ms = 0;
};

// The live releases of a stack from its release records.
Result<std::vector<DesiredRelease>> desired_releases(const std::vector<ReleaseRecord>& releases);
DesiredRelease desired_from(const ReleaseRecord& release, const InstructionList& list);

// Reads the desired side, the books, the servers' addresses and the restart
// book of `stack`;
// `observed` and `health` come from the pass (or, for a deploy, from the
// store's last observation).
Result<StackState> read_stack_state(Store& store, const std::string& stack,
                                    const std::map<std::string, std::vector<ObservedContainer>>& observed,
                                    const std::map<std::string, ServerHealth>& health, std::int64_t now_ms);

// Each stack's books as a long-lived reader (the control loop) parsed
// them, used again while the store's revision of them is unchanged: a
// steady cluster's books cost a revision read per pass and are parsed once
// (no text is kept or compared). Lent to one StackState at a time and given
// back after.
class BooksCache {
 public:
  Result<std::vector<ContainerRecord>> take(Store& store, const std::string& stack);
  void give_back(const std::string& stack, std::vector<ContainerRecord> books);

 private:
  struct Entry {
    bool held = false;          // `books` parsed from the value at `revision`, not lent out
    std::int64_t revision = 0;  // 0: absent
    std::vector<ContainerRecord> books;
  };
  std::map<std::string, Entry> entries_;
};

// Each stack's live releases as a long-lived reader (the control loop)
// read them, used again while the stack's release files and their
// revisions are the same: a steady stack's releases cost a listing and a
// revision read per release file each pass, and are parsed once.
class DesiredCache {
 public:
  // desired_releases(load_releases(store, stack)), from the cache when
  // nothing changed.
  Result<std::vector<DesiredRelease>> get(Store& store, const std::string& stack);

 private:
  struct Entry {
    std::vector<std::pair<std::string, std::int64_t>> files;  // release file -> revision
    std::vector<DesiredRelease> desired;
  };
  std::map<std::string, Entry> entries_;
};

// What a pass reads once for every stack (control_loop.h).
struct PassSnapshot {
  std::int64_t now_ms = 0;
  const std::map<std::string, std::string>* addresses = nullptr;  // every server's ServerRecord::ip
  // The servers not up (more may be given: the rest are skipped, at a cost
  // per stack, so a pass gives only these).
  const std::map<std::string, ServerHealth>* health = nullptr;
  const std::unordered_set<std::string>* answered = nullptr;    // servers that answered this pass
  BooksCache* books = nullptr;                                   // null: the books are parsed each time
  DesiredCache* desired = nullptr;                               // null: the releases are parsed each time
};

// read_stack_state for one stack of a pass, from the snapshot and `mine`,
// this stack's containers by the server that reported them. What the
// planner reads of the other servers is kept, nothing more: `health` holds
// every server not up (a server absent from it is up), `addresses` the
// servers of its services' records (link_refresh.h), `observed` is `mine`
// and `answered` the pass's set of servers that answered. Costs the
// stack's own size, not the cluster's.
Result<StackState> read_stack_state(Store& store, const std::string& stack, const PassSnapshot& pass,
                                    std::map<std::string, std::vector<ObservedContainer>> mine);

// A stack's containers by the server that reported them (StackState::observed),
// copied from a pass's grouping, in its order.
std::map<std::string, std::vector<ObservedContainer>> observed_by_server(const ObservedRefs& refs);

// Adds the stack's grid slices to `state` (Placer::slices of "STACK/").
Status read_slices(Placer& placer, StackState& state);

}  // namespace quarry
