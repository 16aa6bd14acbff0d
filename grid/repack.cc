#include "grid/repack.h"

#include <algorithm>
#include <map>
#include <optional>

namespace quarry {

namespace {

// One block as the plan sees it while moves are tried out.
struct Bin {
  const BlockState* state;
  Resources free;
  std::map<std::string_view, int> nodes;  // replicas held, by node key
  bool emptying = false;
  bool received = false;
};

bool light(const Block& b, const RepackOptions& o) {
  return b.low_since_ms && o.now_ms - *b.low_since_ms >= o.low_for_ms && o.now_ms - b.created_ms >= o.min_age_ms &&
         b.load() < o.low_watermark;
}

// The tightest other bin that can take the slice without joining a replica of
// its node; bins are in id order, so ties go to the first id.
std::optional<std::size_t> target_for(const Slice& s, std::size_t from, const std::vector<Bin>& bins) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < bins.size(); ++i) {
    const auto& bin = bins[i];
    if (i == from || bin.emptying || !bin.free.holds(s.size)) continue;
    if (!tags_satisfy(bin.state->block.tags, s.required_tags) || bin.nodes.contains(s.node_key())) continue;
    if (!best || std::pair(bin.free.memory_mb, bin.free.cpu_millis) <
                     std::pair(bins[*best].free.memory_mb, bins[*best].free.cpu_millis))
      best = i;
  }
  return best;
}

// Moves every slice of bins[c] elsewhere, or nothing at all.
bool try_empty(std::size_t c, std::vector<Bin>& bins, std::vector<Move>& moves) {
  std::vector<const Slice*> slices;
  for (const auto& s : bins[c].state->slices) slices.push_back(&s);
  // Largest first: the hardest to place decide whether the block can go.
  std::stable_sort(slices.begin(), slices.end(), [](const Slice* a, const Slice* b) {
    return std::pair(a->size.memory_mb, a->size.cpu_millis) > std::pair(b->size.memory_mb, b->size.cpu_millis);
  });
  std::vector<std::pair<const Slice*, std::size_t>> done;
  bins[c].emptying = true;
  for (const auto* s : slices) {
    auto t = target_for(*s, c, bins);
    if (!t) {
      for (auto [moved, to] : done) {
        bins[to].free += moved->size;
        if (--bins[to].nodes[moved->node_key()] == 0) bins[to].nodes.erase(moved->node_key());
      }
      bins[c].emptying = false;
      return false;
    }
    bins[*t].free -= s->size;
    ++bins[*t].nodes[s->node_key()];
    done.emplace_back(s, *t);
  }
  for (auto [s, to] : done) {
    bins[to].received = true;
    moves.push_back(Move{s->id, bins[c].state->block.id, bins[to].state->block.id});
  }
  return true;
}

}  // namespace

RepackPlan plan_repack(const GridState& state, const RepackOptions& options) {
  std::vector<Bin> bins;
  std::size_t occupied = 0;
  for (const auto& bs : state.blocks) {
    Bin bin{&bs, bs.block.free(), {}};
    for (const auto& s : bs.slices) ++bin.nodes[s.node_key()];
    if (!bs.slices.empty()) ++occupied;
    bins.push_back(std::move(bin));
  }
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < bins.size(); ++i) {
    const auto& bs = *bins[i].state;
    bool has_service = std::any_of(bs.slices.begin(), bs.slices.end(), [](const Slice& s) { return s.is_service; });
    if (!bs.slices.empty() && !has_service && light(bs.block, options)) candidates.push_back(i);
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](std::size_t a, std::size_t b) { return bins[a].state->block.load() < bins[b].state->block.load(); });
  RepackPlan plan;
  for (auto c : candidates) {
    if (occupied <= options.min_blocks) break;
    if (bins[c].received) continue;
    if (!try_empty(c, bins, plan.moves)) continue;
    plan.emptied.push_back(bins[c].state->block.id);
    --occupied;
  }
  return plan;
}

}  // namespace quarry
