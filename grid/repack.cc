#include "grid/repack.h"

#include "grid/repack_rebuild.h"

#include <algorithm>
#include <limits>
#include <map>
#include <string_view>
#include <optional>

namespace quarry {

namespace {

constexpr std::uint32_t kAir = std::numeric_limits<std::uint32_t>::max();

struct Item {
  const Slice* slice;
  std::uint32_t node;      // interned node key
  std::uint32_t bin;       // kAir while lifted during an attempt
  double weight;           // size against the largest block, both dimensions
  bool pinned;             // a service, or already moved by this plan
};

struct Bin {
  const BlockState* state;
  Resources free;
  std::vector<std::uint32_t> items;
  bool router = false;
  bool emptiable = false;
};

class Planner {
 public:
  Planner(const GridState& state, const RepackOptions& options);
  RepackPlan run();

 private:
  struct Combo {
    std::uint32_t n;
    std::uint32_t ids[2];
    Resources size;
    double weight;
  };
  struct Swap {
    double gain = 0;
    std::uint32_t bin = 0;
    std::vector<std::uint32_t> out, in;  // out of the bin, in from the pool
  };

  bool may_hold(std::uint32_t b, std::uint32_t i, const std::vector<std::uint32_t>& leaving) const;
  void forget(std::uint32_t node, std::uint32_t b);
  void lift(std::uint32_t i);
  void drop(std::uint32_t i, std::uint32_t b);
  void undo();
  bool place_pool();
  std::optional<Swap> best_swap(std::uint32_t b) const;
  bool try_swaps();
  bool attempt(std::uint32_t e, RepackPlan& plan);
  bool order(std::vector<std::uint32_t> moved, std::vector<Move>& out) const;
  double load(const Bin& bin) const;

  const RepackOptions& options_;
  std::vector<Item> items_;
  std::vector<Bin> bins_;
  std::vector<std::vector<std::uint32_t>> node_bins_;  // by node: the bins holding one of its items, once per item
  std::vector<std::uint32_t> pool_;
  mutable std::vector<Combo> outs_, ins_;  // scratch for best_swap
  std::vector<std::pair<std::uint32_t, std::uint32_t>> journal_;  // (item, bin it left)
  std::uint32_t emptying_ = kAir;
  std::size_t occupied_ = 0;
  Resources reference_;
};

Planner::Planner(const GridState& state, const RepackOptions& options) : options_(options) {
  reference_ = largest_capacity(state);
  const auto nodes = node_keys(state);
  node_bins_.resize(nodes.size());
  for (const auto& bs : state.blocks) {
    auto b = static_cast<std::uint32_t>(bins_.size());
    Bin bin{&bs, bs.block.free(), {}};
    bin.router = is_router(bs.block.tags);
    bool service = false;
    for (const auto& s : bs.slices) {
      auto node = std::lower_bound(nodes.begin(), nodes.end(), s.node_key()) - nodes.begin();
      double w = double(s.size.memory_mb) / double(std::max<std::int64_t>(reference_.memory_mb, 1));
      if (reference_.cpu_millis > 0) w += double(s.size.cpu_millis) / double(reference_.cpu_millis);
      bin.items.push_back(static_cast<std::uint32_t>(items_.size()));
      items_.push_back(Item{&s, std::uint32_t(node), b, w, s.is_service});
      node_bins_[node].push_back(b);
      service = service || s.is_service;
    }
    bin.emptiable = !bin.router && !service && !bs.slices.empty() &&
                    options.now_ms - bs.block.created_ms >= options.min_age_ms;
    if (!bs.slices.empty()) ++occupied_;
    bins_.push_back(std::move(bin));
  }
}

double Planner::load(const Bin& bin) const {
  double w = 0;
  for (auto i : bin.items) w += items_[i].weight;
  return w;
}

// Whether bin b could take item i once the items in `leaving` have left it
// (they only make it non-empty).
bool Planner::may_hold(std::uint32_t b, std::uint32_t i, const std::vector<std::uint32_t>& leaving) const {
  const auto& bin = bins_[b];
  const auto& slice = *items_[i].slice;
  if (b == emptying_ || bin.items.size() == leaving.size()) return false;  // never onto an empty block
  if (bin.router && !is_router(slice.required_tags)) return false;
  if (!tags_satisfy(bin.state->block.tags, slice.required_tags)) return false;
  // Even a replica that is leaving counts: the new copy starts before the
  // old one stops.
  const auto& holders = node_bins_[items_[i].node];
  return std::find(holders.begin(), holders.end(), b) == holders.end();
}

void Planner::forget(std::uint32_t node, std::uint32_t b) {
  auto& holders = node_bins_[node];
  auto it = std::find(holders.begin(), holders.end(), b);
  *it = holders.back();
  holders.pop_back();
}

void Planner::lift(std::uint32_t i) {
  auto& item = items_[i];
  auto& bin = bins_[item.bin];
  bin.items.erase(std::find(bin.items.begin(), bin.items.end(), i));
  forget(item.node, item.bin);
  bin.free += item.slice->size;
  journal_.emplace_back(i, item.bin);
  item.bin = kAir;
  pool_.push_back(i);
}

void Planner::drop(std::uint32_t i, std::uint32_t b) {
  pool_.erase(std::find(pool_.begin(), pool_.end(), i));
  bins_[b].items.push_back(i);
  node_bins_[items_[i].node].push_back(b);
  bins_[b].free -= items_[i].slice->size;
  journal_.emplace_back(i, kAir);
  items_[i].bin = b;
}

void Planner::undo() {
  for (auto it = journal_.rbegin(); it != journal_.rend(); ++it) {
    auto [i, was] = *it;
    auto& item = items_[i];
    if (item.bin != kAir) {
      auto& bin = bins_[item.bin];
      bin.items.erase(std::find(bin.items.begin(), bin.items.end(), i));
      forget(item.node, item.bin);
      bin.free += item.slice->size;
    }
    if (was != kAir) {
      bins_[was].items.push_back(i);
      node_bins_[item.node].push_back(was);
      bins_[was].free -= item.slice->size;
    }
    item.bin = was;
  }
  journal_.clear();
  pool_.clear();
}

// Best fit of the pool's items, largest first, onto the other bins.
bool Planner::place_pool() {
  auto order = pool_;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return items_[a].weight > items_[b].weight; });
  static const std::vector<std::uint32_t> kNone;
  for (auto i : order) {
    const auto& size = items_[i].slice->size;
    std::optional<std::uint32_t> best;
    for (std::uint32_t b = 0; b < bins_.size(); ++b) {
      const auto& bin = bins_[b];
      if (!bin.free.holds(size) || !may_hold(b, i, kNone)) continue;
      if (!best || std::pair(bin.free.memory_mb, bin.free.cpu_millis) <
                       std::pair(bins_[*best].free.memory_mb, bins_[*best].free.cpu_millis))
        best = b;
    }
    if (best) drop(i, *best);
  }
  return pool_.empty();
}

// The swap that fills bin b the most: up to two of its movable slices out
// to the pool, up to two of the pool's in, the bin ending fuller.
std::optional<Planner::Swap> Planner::best_swap(std::uint32_t b) const {
  const auto& bin = bins_[b];
  if (b == emptying_ || bin.items.empty() || bin.router) return std::nullopt;
  // Sets of one or two items with their total size, built without allocating.
  auto sets = [&](const std::vector<std::uint32_t>& from, bool distinct_nodes, std::vector<Combo>& out) {
    out.clear();
    for (std::size_t x = 0; x < from.size(); ++x) {
      const auto& a = items_[from[x]];
      if (a.bin != kAir && a.pinned) continue;
      out.push_back(Combo{1, {from[x], 0}, a.slice->size, a.weight});
      for (std::size_t y = x + 1; y < from.size(); ++y) {
        const auto& c = items_[from[y]];
        if ((c.bin != kAir && c.pinned) || (distinct_nodes && c.node == a.node)) continue;
        out.push_back(Combo{2, {from[x], from[y]}, a.slice->size + c.slice->size, a.weight + c.weight});
      }
    }
  };
  sets(bin.items, false, outs_);
  sets(pool_, true, ins_);
  std::optional<Swap> best;
  for (const auto& out : outs_) {
    if (out.n == bin.items.size()) continue;  // the bin must keep something
    Resources room = bin.free + out.size;
    for (const auto& in : ins_) {
      double gain = in.weight - out.weight;
      if (gain <= 1e-12 || (best && gain <= best->gain) || !room.holds(in.size)) continue;
      static const std::vector<std::uint32_t> kNone;
      bool ok = true;
      for (std::uint32_t k = 0; k < in.n && ok; ++k) ok = may_hold(b, in.ids[k], kNone);
      if (!ok) continue;
      best = Swap{gain, b, std::vector<std::uint32_t>(out.ids, out.ids + out.n),
                  std::vector<std::uint32_t>(in.ids, in.ids + in.n)};
    }
  }
  return best;
}

// One pass over the bins, each swapping in the way that fills it most, the
// pool placed again after every swap. True once the pool is empty.
bool Planner::try_swaps() {
  bool swapped = true;
  for (int pass = 0; swapped && pass < 8; ++pass) {
    swapped = false;
    for (std::uint32_t b = 0; b < bins_.size(); ++b) {
      auto swap = best_swap(b);
      if (!swap) continue;
      for (auto i : swap->out) lift(i);
      for (auto i : swap->in) drop(i, b);
      swapped = true;
      if (place_pool()) return true;
    }
  }
  return false;
}

// Orders the moves of one attempt so that each target has room when its
// move starts (the old copy still runs until the new one is healthy).
bool Planner::order(std::vector<std::uint32_t> moved, std::vector<Move>& out) const {
  std::vector<Resources> free(bins_.size());
  for (std::size_t b = 0; b < bins_.size(); ++b) free[b] = bins_[b].free;
  std::vector<std::uint32_t> from(items_.size(), kAir);
  for (auto [i, was] : journal_)
    if (from[i] == kAir && was != kAir) from[i] = was;
  // Back from the final state to the start: undo every move.
  for (auto i : moved) {
    free[items_[i].bin] += items_[i].slice->size;
    free[from[i]] -= items_[i].slice->size;
  }
  while (!moved.empty()) {
    auto ready = std::find_if(moved.begin(), moved.end(),
                              [&](std::uint32_t i) { return free[items_[i].bin].holds(items_[i].slice->size); });
    if (ready == moved.end()) return false;
    auto i = *ready;
    free[items_[i].bin] -= items_[i].slice->size;
    free[from[i]] += items_[i].slice->size;
    out.push_back(Move{items_[i].slice->id, bins_[from[i]].state->block.id, bins_[items_[i].bin].state->block.id});
    moved.erase(ready);
  }
  return true;
}

bool Planner::attempt(std::uint32_t e, RepackPlan& plan) {
  emptying_ = e;
  auto lifted = bins_[e].items;
  for (auto i : lifted) lift(i);
  bool done = place_pool() || try_swaps();
  emptying_ = kAir;
  std::vector<std::uint32_t> moved;
  std::vector<Move> moves;
  if (done) {
    std::vector<std::uint32_t> start(items_.size(), kAir);
    for (auto [i, was] : journal_)
      if (start[i] == kAir && was != kAir) start[i] = was;
    for (auto [i, was] : journal_)
      if (start[i] != kAir && items_[i].bin != start[i] &&
          std::find(moved.begin(), moved.end(), i) == moved.end())
        moved.push_back(i);
    bool within = !options_.max_moves || plan.moves.size() + moved.size() <= options_.max_moves;
    done = within && order(moved, moves);
  }
  if (!done) {
    undo();
    return false;
  }
  for (auto i : moved) {
    items_[i].pinned = true;
    bins_[items_[i].bin].emptiable = false;
  }
  bins_[e].emptiable = false;
  plan.moves.insert(plan.moves.end(), moves.begin(), moves.end());
  plan.emptied.push_back(bins_[e].state->block.id);
  journal_.clear();
  return true;
}

RepackPlan Planner::run() {
  RepackPlan plan;
  bool progress = true;
  while (progress && occupied_ > options_.min_blocks) {
    progress = false;
    std::vector<std::uint32_t> candidates;
    for (std::uint32_t b = 0; b < bins_.size(); ++b)
      if (bins_[b].emptiable && !bins_[b].items.empty()) candidates.push_back(b);
    std::stable_sort(candidates.begin(), candidates.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return load(bins_[a]) < load(bins_[b]); });
    // Candidates go from lightest to heaviest, so after a long run of
    // failures the rest rarely succeed: stop the pass there, which bounds
    // the work on a fleet of thousands of blocks.
    constexpr std::size_t kMaxFailures = 256;
    std::size_t failures = 0;
    for (auto c : candidates) {
      if (occupied_ <= options_.min_blocks || failures >= kMaxFailures) break;
      if (!bins_[c].emptiable) continue;
      if (!attempt(c, plan)) {
        ++failures;
        continue;
      }
      failures = 0;
      --occupied_;
      progress = true;
    }
  }
  return plan;
}

}  // namespace

namespace {

// The better of the two planners over one state: the rebuild wins only when
// it empties more blocks, or as many with fewer moves.
RepackPlan plan_once(const GridState& state, const RepackOptions& options) {
  auto plan = Planner(state, options).run();
  if (auto rebuilt = plan_rebuild(state, options)) {
    bool more = rebuilt->emptied.size() > plan.emptied.size();
    bool cheaper = rebuilt->emptied.size() == plan.emptied.size() && rebuilt->moves.size() < plan.moves.size();
    if (more || cheaper) return std::move(*rebuilt);
  }
  return plan;
}

// Carries the moves out on `state`, pinning every moved slice (as if it
// were a service) so that a later round neither moves it again nor empties
// a block that received one.
void carry_out(GridState& state, const std::vector<Move>& moves) {
  std::map<std::string_view, std::size_t> at;
  for (std::size_t b = 0; b < state.blocks.size(); ++b) at[state.blocks[b].block.id] = b;
  for (const auto& m : moves) {
    auto& from = state.blocks[at.at(m.from)];
    auto& to = state.blocks[at.at(m.to)];
    auto it = std::find_if(from.slices.begin(), from.slices.end(), [&](const Slice& s) { return s.id == m.slice; });
    Slice slice = *it;
    from.slices.erase(it);
    from.block.used -= slice.size;
    to.block.used += slice.size;
    slice.is_service = true;
    to.slices.push_back(std::move(slice));
  }
}

}  // namespace

RepackPlan plan_repack(const GridState& state, const RepackOptions& options) {
  constexpr int kRounds = 6;
  RepackPlan plan;
  GridState next = state;
  // Each round starts from the better packing the last one leaves, while
  // moves remain in the budget.
  for (int round = 0; round < kRounds; ++round) {
    auto left = options;
    if (options.max_moves) {
      if (plan.moves.size() >= options.max_moves) break;
      left.max_moves = options.max_moves - plan.moves.size();
    }
    auto step = plan_once(next, left);
    if (step.emptied.empty()) break;
    if (round + 1 < kRounds) carry_out(next, step.moves);
    plan.moves.insert(plan.moves.end(), step.moves.begin(), step.moves.end());
    plan.emptied.insert(plan.emptied.end(), step.emptied.begin(), step.emptied.end());
  }
  return plan;
}

}  // namespace quarry
