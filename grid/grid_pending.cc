// The growing and shrinking half of the grid: pending slices, create
// requests in flight, and destroying idle blocks.
#include <algorithm>

#include "grid/grid.h"

namespace quarry {

void Grid::make_pending(std::uint32_t s) {
  auto& sl = slices_[s];
  sl.pending_seq = next_seq_++;
  sl.request = 0;
  pending_.emplace(sl.pending_seq, s);
}

void Grid::unpend(std::uint32_t s) {
  auto& sl = slices_[s];
  pending_.erase(sl.pending_seq);
  auto it = creating_.find(sl.request);
  if (it != creating_.end()) it->second.planned_free += sl.slice.size;
  sl.pending_seq = 0;
  sl.request = 0;
}

void Grid::plan_create(std::uint32_t s) {
  if (!options_.autosize) return;
  auto& sl = slices_[s];
  const auto& size = sl.slice.size;
  const auto& tags = sl.slice.required_tags;
  if (!options_.block_size.holds(size)) {
    record_error("slice '" + sl.slice.id + "' needs more than a whole new block (" +
                 std::to_string(options_.block_size.memory_mb) + "MB, " +
                 std::to_string(options_.block_size.cpu_millis) + "m); it stays pending");
    return;
  }
  for (auto& [id, creating] : creating_) {
    if (tags_satisfy(creating.request.tags, tags) && creating.planned_free.holds(size)) {
      creating.planned_free -= size;
      sl.request = id;
      return;
    }
  }
  if (options_.max_blocks && live_blocks_ + creating_.size() >= options_.max_blocks) {
    record_error("grid is at its max of " + std::to_string(options_.max_blocks) + " blocks; slice '" +
                 sl.slice.id + "' stays pending");
    return;
  }
  CreateRequest request{next_request_++, options_.block_size, tags, now()};
  creating_.emplace(request.id, Creating{request, options_.block_size - size});
  sl.request = request.id;
  if (events_) emit(Event::Kind::Create).request = request;
}

void Grid::place_pending_on(std::uint32_t b) {
  // Only `b` gained room since these slices last found none, so `b` is the
  // one block worth trying; first come, first placed.
  for (auto it = pending_.begin(); it != pending_.end();) {
    auto s = it->second;
    ++it;
    if (!blocks_[b].indexed || !fits(s, b)) continue;
    unpend(s);
    attach(s, b);
    emit_slice(Event::Kind::Added, s, b);
  }
}

void Grid::plan_orphans() {
  std::vector<std::uint32_t> orphans;
  for (auto [seq, s] : pending_)
    if (!creating_.contains(slices_[s].request)) orphans.push_back(s);
  for (auto s : orphans) {
    slices_[s].request = 0;
    if (auto b = choose(s)) {
      unpend(s);
      attach(s, *b);
      emit_slice(Event::Kind::Added, s, *b);
    } else {
      plan_create(s);
    }
  }
}

void Grid::destroy_idle_blocks() {
  if (!options_.autosize) return;
  auto t = now();
  for (std::uint32_t b = 0; b < blocks_.size() && live_blocks_ > options_.min_blocks; ++b) {
    auto& rec = blocks_[b];
    if (!rec.alive || !rec.slices.empty() || !rec.block.low_since_ms) continue;
    if (t - rec.block.created_ms < options_.min_age_ms) continue;
    if (t - *rec.block.low_since_ms < options_.low_for_ms) continue;
    unindex(b);
    if (events_) emit(Event::Kind::Destroy).block = rec.block;
    block_ids_.erase(rec.block.id);
    rec = BlockRec{};
    free_blocks_.push_back(b);
    --live_blocks_;
  }
}

Status Grid::tick() {
  plan_orphans();
  destroy_idle_blocks();
  return finish();
}

Status Grid::create_failed(std::uint64_t request, const Error& error) {
  auto it = creating_.find(request);
  if (it == creating_.end()) return fail("no create request " + std::to_string(request) + " in flight");
  creating_.erase(it);
  auto waiting = std::count_if(pending_.begin(), pending_.end(),
                               [&](const auto& p) { return slices_[p.second].request == request; });
  // No new request here: a cloud that fails at once would otherwise be asked
  // again and again within one call. tick() asks again.
  record_error("create request " + std::to_string(request) + " failed: " + error.message + "; " +
               std::to_string(waiting) + " slice(s) stay pending");
  return finish();
}

void Grid::record_error(std::string message) {
  if (!errors_.empty() && errors_.back() == message) return;
  errors_.push_back(std::move(message));
  if (errors_.size() > options_.max_errors)
    errors_.erase(errors_.begin(), errors_.begin() + static_cast<std::ptrdiff_t>(errors_.size() - options_.max_errors));
}

}  // namespace quarry
