// Properties over many random operation sequences, seeded and reproducible:
// a failure names the policy, the seed and the step.
#include <boost/test/unit_test.hpp>

#include <random>

#include "grid/grid.h"
#include "grid/grid_json.h"
#include "grid_test_util.h"

using namespace quarry;
using namespace quarry::test;

namespace {

constexpr unsigned kSeeds[] = {1, 7, 42, 1234, 99991};
constexpr int kSteps = 1500;

struct Run {
  std::mt19937 rng;
  ManualClock clock{0};
  RecordingEvents events;
  GridOptions options;
  Grid grid;
  std::map<std::string, Slice> expected;
  int next_slice = 0, next_block = 0;

  Run(unsigned seed, const PolicyFactory& policy)
      : rng(seed), options(make_options()), grid(options, policy.make(), GridDeps{&events, &clock, nullptr}) {}

  static GridOptions make_options() {
    GridOptions o;
    o.autosize = true;
    o.min_blocks = 1;
    o.max_blocks = 12;
    o.block_size = {8192, 4000};
    o.min_age_ms = 5000;
    o.low_for_ms = 2000;
    return o;
  }
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }

  Slice random_slice() {
    static const char* kNodes[] = {"web", "worker", "api", "db"};
    auto node_name = kNodes[pick(4)];
    Slice s{slice_id("app" + std::to_string(pick(3)), node_name, next_slice++),
            {256 * (1 + pick(12)), 100 * (1 + pick(15))}, std::string(node_name) == "db", {}};
    if (pick(10) == 0) s.required_tags = {{"role", "router"}};
    return s;
  }
  std::string random_slice_id() {
    auto it = expected.begin();
    std::advance(it, pick(int(expected.size())));
    return it->first;
  }

  // Anti-affinity where feasible: a fresh placement joins a replica of its
  // node only when no other block could take it.
  void check_affinity(const GridState& before, const Slice& s, const std::string& chosen) {
    auto holds_replica = [&](const BlockState& bs) {
      for (const auto& other : bs.slices)
        if (other.node_key() == s.node_key()) return true;
      return false;
    };
    bool shared = false, alternative = false;
    for (const auto& bs : before.blocks) {
      bool feasible = bs.block.free().holds(s.size) && tags_satisfy(bs.block.tags, s.required_tags);
      if (bs.block.id == chosen) shared = holds_replica(bs);
      else if (feasible && !holds_replica(bs)) alternative = true;
    }
    BOOST_REQUIRE_MESSAGE(!(shared && alternative), s.id << " joined a replica on " << chosen);
  }

  void step() {
    int op = pick(100);
    if (op < 45 || expected.empty()) {
      auto s = random_slice();
      auto before = grid.snapshot();
      auto p = grid.add_slice(s);
      BOOST_REQUIRE(p.has_value());
      expected[s.id] = s;
      if (p->block && events.log.size() == 1) check_affinity(before, s, *p->block);
    } else if (op < 75) {
      auto id = random_slice_id();
      auto before = grid.placement(id);
      Resources used_before;
      if (before->block) used_before = grid.block(*before->block)->used;
      auto size = expected[id].size;
      BOOST_REQUIRE(grid.remove_slice(id).has_value());
      expected.erase(id);
      // Exactly what the slice used is freed (pending slices may then move in).
      if (before->block && events.log.size() == 1) BOOST_REQUIRE(grid.block(*before->block)->used == used_before - size);
    } else if (op < 85 && !events.requests.empty()) {
      auto r = events.requests[pick(int(events.requests.size()))];
      events.requests.erase(std::find(events.requests.begin(), events.requests.end(), r));
      Tags tags = r.tags;
      if (pick(4) == 0) tags["role"] = "router";
      if (pick(5) == 0) (void)grid.create_failed(r.id, Error{"no capacity", ErrorKind::Remote});
      else (void)grid.add_block(BlockSpec{"b" + std::to_string(next_block++), r.size, tags}, r.id);
    } else if (op < 90) {
      clock.advance_ms(pick(3000));
      BOOST_REQUIRE(grid.tick().has_value());
    } else if (op < 95 && grid.block_count() > 0) {
      auto state = grid.snapshot();
      auto& victim = state.blocks[pick(int(state.blocks.size()))].block;
      auto r = grid.remove_block(victim.id, pick(2) == 0);
      if (r) BOOST_REQUIRE(!grid.block(victim.id).has_value());
    } else {
      auto plan = grid.plan_repack();
      for (const auto& m : plan.moves) BOOST_REQUIRE_MESSAGE(grid.apply_move(m).has_value(), m.slice);
    }
    events.log.clear();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(grid_properties)

BOOST_AUTO_TEST_CASE(invariants_hold_over_random_operations) {
  for (const auto& policy : all_policies()) {
    for (auto seed : kSeeds) {
      Run run(seed, policy);
      for (int i = 0; i < kSteps; ++i) {
        BOOST_TEST_CONTEXT(policy.name << " seed " << seed << " step " << i) {
          run.step();
          auto broken = check_invariants(run.grid, run.expected);
          BOOST_REQUIRE_MESSAGE(broken.empty(), broken);
        }
      }
    }
  }
}

// Saving and loading at random points gives back the same grid, which then
// behaves the same as the original.
BOOST_AUTO_TEST_CASE(persistence_round_trips) {
  for (const auto& policy : all_policies()) {
    for (auto seed : kSeeds) {
      Run run(seed, policy);
      for (int i = 0; i < 400; ++i) {
        run.step();
        if (i % 50 != 49) continue;
        BOOST_TEST_CONTEXT(policy.name << " seed " << seed << " step " << i) {
          auto state = run.grid.snapshot();
          auto parsed = grid_from_json(grid_to_json(state));
          BOOST_REQUIRE(parsed.has_value());
          BOOST_REQUIRE(*parsed == state);
          auto restored = Grid::restore(*parsed, run.options, policy.make(), GridDeps{nullptr, &run.clock, nullptr});
          BOOST_REQUIRE(restored.has_value());
          BOOST_REQUIRE(restored->snapshot() == state);
          auto broken = check_invariants(*restored, run.expected);
          BOOST_REQUIRE_MESSAGE(broken.empty(), broken);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
