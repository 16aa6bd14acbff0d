#include "bench/grid/repack_scale.h"

#include <algorithm>
#include <ctime>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>

#include "grid/best_fit_policy.h"
#include "grid/clock.h"
#include "grid/grid.h"

namespace quarry::bench {

namespace {

double seconds(clockid_t id) {
  timespec t;
  clock_gettime(id, &t);
  return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

std::size_t used_blocks(const Grid& grid, std::size_t blocks) {
  std::size_t n = 0;
  for (std::size_t b = 0; b < blocks; ++b) n += !grid.block("b" + std::to_string(b))->used.is_zero();
  return n;
}

}  // namespace

RepackScale measure_repack_scale(const std::vector<Slice>& slices, std::size_t blocks, const Resources& block,
                                 std::uint32_t seed) {
  RepackScale out;
  ManualClock clock(0);
  GridOptions options;  // the defaults a live cluster runs with
  Grid grid(options, std::make_unique<BestFitPolicy>(), GridDeps{nullptr, &clock, nullptr});
  for (std::size_t b = 0; b < blocks; ++b)
    if (!grid.add_block(BlockSpec{"b" + std::to_string(b), block, {}})) std::abort();
  auto t0 = seconds(CLOCK_THREAD_CPUTIME_ID);
  for (const auto& s : slices)
    if (!grid.add_slice(s)) std::abort();
  out.place_seconds = seconds(CLOCK_THREAD_CPUTIME_ID) - t0;
  std::mt19937 rng(seed + 2);
  for (std::size_t i = 0; i < slices.size(); ++i)
    if (rng() % 3 == 0 && !grid.remove_slice(slices[i].id)) std::abort();
  out.slices_left = grid.slice_count();
  out.used_before = used_blocks(grid, blocks);
  clock.advance_ms(options.min_age_ms);  // blocks that have settled

  auto c0 = seconds(CLOCK_THREAD_CPUTIME_ID), w0 = seconds(CLOCK_MONOTONIC);
  auto plan = grid.plan_repack();
  out.plan_seconds = seconds(CLOCK_THREAD_CPUTIME_ID) - c0;
  out.plan_wall_seconds = seconds(CLOCK_MONOTONIC) - w0;

  out.moves = plan.moves.size();
  out.emptied = plan.emptied.size();
  std::unordered_set<std::string_view> services;
  for (const auto& s : slices)
    if (s.is_service) services.insert(s.id);
  for (const auto& move : plan.moves) {
    auto to = grid.block(move.to);
    if (!to || to->used.is_zero() || services.contains(move.slice) || !grid.apply_move(move)) ++out.bad_moves;
  }
  if (plan.emptied.empty()) out.useless_moves += plan.moves.size();
  for (const auto& id : plan.emptied)
    if (!grid.block(id)->used.is_zero()) ++out.useless_moves;
  out.used_after = used_blocks(grid, blocks);
  return out;
}

}  // namespace quarry::bench
