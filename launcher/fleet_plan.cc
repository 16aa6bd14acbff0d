#include "launcher/fleet_plan.h"

#include <algorithm>
#include <map>
#include <set>

#include "grid/policies.h"
#include "launcher/launcher.h"
#include "launcher/stack_records.h"

namespace quarry {

namespace {

// Answers every create at once with a stand-in block, and notes destroys.
class SimulatedCloud : public GridEvents {
 public:
  void attach(Grid* grid) { grid_ = grid; }
  void on_create(const CreateRequest& request) override {
    creates.push_back(request);
    BlockSpec spec{"(new " + std::to_string(creates.size()) + ")", request.size, request.tags};
    (void)grid_->add_block(spec, request.id);
  }
  void on_destroy(const Block& block) override { destroys.push_back(block.id); }
  void on_added(const Slice&, const Block&) override {}
  void on_removed(const Slice&, const Block&) override {}
  std::vector<CreateRequest> creates;
  std::vector<std::string> destroys;

 private:
  Grid* grid_ = nullptr;
};

const Instruction* instruction_for(const InstructionList& list, const std::string& process) {
  for (const auto& in : list.instructions)
    if ((in.op == Op::Deploy || in.op == Op::Ensure) && in.target == process) return &in;
  return nullptr;
}

int next_release(const std::vector<ContainerRecord>& current) {
  int n = 0;
  for (const auto& r : current) n = std::max(n, r.release);
  return n + 1;
}

// The deploy's steps on the grid, in the launcher's order: per process, its
// new replicas placed, then the containers it no longer keeps freed.
// A replica no server takes fails its deploy (the placer frees its slice).
void replay_deploy(Grid& grid, const FleetInput& in, std::vector<std::string>& unplaced) {
  const int release = next_release(in.current);
  std::set<std::pair<std::string, int>> kept;
  for (const auto& c : in.plan.changes)
    if (c.sign == '=') kept.insert({c.process, c.index});
  std::vector<std::string> order;
  for (const auto& c : in.plan.changes)
    if (std::find(order.begin(), order.end(), c.process) == order.end()) order.push_back(c.process);
  for (const auto& process : order) {
    const Instruction* ins = instruction_for(in.instructions, process);
    for (const auto& c : in.plan.changes) {
      if (c.process != process || (c.sign != '+' && c.sign != '~') || !ins) continue;
      Slice slice = slice_for(*ins, release, c.index);
      auto placed = grid.add_slice(slice);
      if (!placed || !placed->pending()) continue;
      unplaced.push_back(slice.id);
      (void)grid.remove_slice(slice.id);
    }
    for (const auto& r : in.current)
      if (r.node == process && !kept.count({r.node, r.index})) (void)grid.remove_slice(slice_id_of(r));
  }
}

}  // namespace

Result<FleetChange> plan_fleet(const FleetInput& in) {
  auto policy = make_policy(in.settings.policy);
  if (!policy) return std::unexpected(policy.error());
  GridOptions options;
  options.autosize = in.settings.autosize && in.can_create;
  options.min_blocks = in.settings.min_blocks;
  options.max_blocks = in.settings.max_blocks;
  options.block_size = in.settings.block_size;
  options.router = in.settings.router;
  ManualClock clock(in.now_ms);
  SimulatedCloud cloud;
  auto grid = Grid::restore(in.grid, options, std::move(*policy), GridDeps{&cloud, &clock, nullptr});
  if (!grid) return std::unexpected(grid.error());
  cloud.attach(&*grid);
  std::set<std::string> held;  // blocks holding slices before the deploy
  for (const auto& b : in.grid.blocks)
    if (!b.slices.empty()) held.insert(b.block.id);
  // Requests already in flight, and slices already waiting, count too.
  (void)grid->tick();
  FleetChange out;
  replay_deploy(*grid, in, out.unplaced);
  for (const auto& r : in.grid.creating) out.create.push_back(r);
  out.create.insert(out.create.end(), cloud.creates.begin(), cloud.creates.end());
  // Once past the grid's hysteresis, an emptied server is given back.
  clock.advance_ms(options.min_age_ms + options.low_for_ms + 1);
  (void)grid->tick();
  for (const auto& id : cloud.destroys)
    if (held.count(id) || in.plan.changes.empty()) out.destroy.push_back(id);
  return out;
}

}  // namespace quarry
