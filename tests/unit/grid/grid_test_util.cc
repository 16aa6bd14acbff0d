#include "grid_test_util.h"

#include <set>

#include "grid/best_fit_policy.h"
#include "grid/spread_policy.h"

namespace quarry::test {

std::vector<PolicyFactory> all_policies() {
  return {{"best-fit", [] { return std::make_unique<BestFitPolicy>(); }},
          {"spread", [] { return std::make_unique<SpreadPolicy>(); }}};
}

void RecordingEvents::on_create(const CreateRequest& r) {
  log.push_back("create #" + std::to_string(r.id) + " " + std::to_string(r.size.memory_mb) + "MB/" +
                std::to_string(r.size.cpu_millis) + "m");
  requests.push_back(r);
  if (grid && answer_with_block)
    (void)grid->add_block(BlockSpec{"auto" + std::to_string(next_block++), r.size, r.tags}, r.id);
  else if (grid && answer_with_failure)
    (void)grid->create_failed(r.id, Error{"quota exceeded", ErrorKind::Remote});
}

std::string check_invariants(const Grid& grid, const std::map<std::string, Slice>& expected) {
  auto state = grid.snapshot();
  std::set<std::string> seen;
  auto see = [&](const Slice& s) -> std::string {
    if (!seen.insert(s.id).second) return "slice " + s.id + " is in two places";
    auto it = expected.find(s.id);
    if (it == expected.end()) return "slice " + s.id + " should not be in the grid";
    if (!(it->second == s)) return "slice " + s.id + " changed";
    return {};
  };
  for (const auto& bs : state.blocks) {
    Resources sum;
    for (const auto& s : bs.slices) {
      if (auto e = see(s); !e.empty()) return e;
      sum += s.size;
      if (!tags_satisfy(bs.block.tags, s.required_tags)) return "slice " + s.id + " lacks its tags on " + bs.block.id;
    }
    if (!(sum == bs.block.used)) return "block " + bs.block.id + " used differs from its slices";
    if (!bs.block.capacity.holds(bs.block.used)) return "block " + bs.block.id + " is over capacity";
  }
  for (const auto& s : state.pending)
    if (auto e = see(s); !e.empty()) return e;
  if (seen.size() != expected.size()) return "a slice went missing";
  if (grid.slice_count() != expected.size()) return "slice_count is wrong";
  if (grid.pending_count() != state.pending.size()) return "pending_count is wrong";
  if (grid.block_count() != state.blocks.size()) return "block_count is wrong";
  if (grid.options().max_blocks && grid.block_count() + grid.creating_count() > grid.options().max_blocks)
    return "blocks and creates in flight exceed max";
  return {};
}

}  // namespace quarry::test
