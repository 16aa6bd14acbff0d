#include "grid/repack.h"

#include "grid/free_buckets.h"
#include "grid/repack_input.h"
#include "grid/repack_rebuild.h"

#include <algorithm>
#include <limits>
#include <tuple>
#include <optional>

namespace quarry {

namespace {

constexpr std::uint32_t kAir = kNoBin;  // an item lifted during an attempt

struct Bin {
  const Block* block;
  Resources free;
  std::vector<std::uint32_t> items;
  bool router = false;
  bool emptiable = false;
};

// Bounds that only a fleet reaches (the OR-Library instances, up to a few
// hundred blocks of a few dozen slices, stay under them, so their plans are
// those of the unbounded search): a swap pass looks at the blocks with the
// most room first, at most kSwapBins of them, and a block's slices count as
// swap partners only up to kSwapItems of them.
constexpr std::size_t kSwapBins = 512;
constexpr std::size_t kSwapItems = 64;

class Planner {
 public:
  Planner(const PackInput& input, const RepackOptions& options);
  PackPlan run();

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
    std::uint32_t n_out = 0, n_in = 0;
    std::uint32_t out[2] = {0, 0}, in[2] = {0, 0};  // out of the bin, in from the pool
  };

  bool may_hold(std::uint32_t b, std::uint32_t i) const;
  void refresh(std::uint32_t b);
  void forget(std::uint32_t node, std::uint32_t b);
  void lift(std::uint32_t i);
  void drop(std::uint32_t i, std::uint32_t b);
  void undo();
  std::optional<std::uint32_t> best_fit(std::uint32_t i) const;
  bool place_pool();
  void sets(const std::vector<std::uint32_t>& from, bool distinct_nodes, std::vector<Combo>& out) const;
  const std::vector<Combo>& pool_sets() const;
  std::optional<Swap> best_swap(std::uint32_t b) const;
  std::vector<std::uint32_t> swap_bins() const;
  bool try_swaps();
  bool attempt(std::uint32_t e, PackPlan& plan);
  std::vector<std::uint32_t> moved_items();
  bool order(const std::vector<std::uint32_t>& moved, std::vector<PackMove>& out);

  const RepackOptions& options_;
  std::vector<PackItem> items_;  // bin is kAir while lifted; pinned: a service or moved by this plan
  std::vector<Bin> bins_;
  NodeBins node_bins_;
  FreeBuckets open_;  // the non-empty bins by free room: where best fit looks
  std::vector<std::uint32_t> pool_;
  mutable std::vector<Combo> outs_, ins_;  // scratch for best_swap; ins_ by weight, heaviest first
  mutable bool ins_stale_ = true;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> journal_;  // (item, bin it left)
  std::vector<std::uint32_t> start_;  // scratch, by item: the bin an attempt found it on
  std::vector<Resources> room_;       // scratch, by bin, for order()
  std::uint32_t emptying_ = kAir;
  std::size_t occupied_ = 0;
};

Planner::Planner(const PackInput& input, const RepackOptions& options)
    : options_(options), items_(input.items), node_bins_(input), start_(input.items.size(), kAir) {
  bins_.reserve(input.bins.size());
  room_.resize(input.bins.size());
  for (const auto& pb : input.bins) {
    Bin bin{pb.block, pb.free(), pb.items};
    bin.router = is_router(pb.block->tags);
    bin.emptiable = !bin.router && !pb.pinned && !pb.items.empty() &&
                    options.now_ms - pb.block->created_ms >= options.min_age_ms;
    if (!pb.items.empty()) ++occupied_;
    bins_.push_back(std::move(bin));
  }
  for (std::uint32_t b = 0; b < bins_.size(); ++b) refresh(b);
}

// Keeps open_ true to bin b: in it with its free room while it holds anything.
void Planner::refresh(std::uint32_t b) {
  if (open_.contains(b)) open_.erase(b);
  if (!bins_[b].items.empty()) open_.insert(b, bins_[b].free);
}

// Whether bin b could take item i: never onto an empty block or the block
// being emptied, the router only for what requires it, tags, and no replica
// of the same node there.
bool Planner::may_hold(std::uint32_t b, std::uint32_t i) const {
  const auto& bin = bins_[b];
  const auto& slice = *items_[i].slice;
  if (b == emptying_ || bin.items.empty()) return false;
  if (bin.router && !is_router(slice.required_tags)) return false;
  if (!slice.required_tags.empty() && !tags_satisfy(bin.block->tags, slice.required_tags)) return false;
  // Even a replica that is leaving counts: the new copy starts before the
  // old one stops.
  const auto& holders = node_bins_.of(items_[i].node);
  return std::find(holders.begin(), holders.end(), b) == holders.end();
}

void Planner::forget(std::uint32_t node, std::uint32_t b) {
  auto& holders = node_bins_.edit(node);
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
  refresh(item.bin);
  journal_.emplace_back(i, item.bin);
  item.bin = kAir;
  pool_.push_back(i);
  ins_stale_ = true;
}

void Planner::drop(std::uint32_t i, std::uint32_t b) {
  pool_.erase(std::find(pool_.begin(), pool_.end(), i));
  bins_[b].items.push_back(i);
  node_bins_.edit(items_[i].node).push_back(b);
  bins_[b].free -= items_[i].slice->size;
  refresh(b);
  journal_.emplace_back(i, kAir);
  items_[i].bin = b;
  ins_stale_ = true;
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
      refresh(item.bin);
    }
    if (was != kAir) {
      bins_[was].items.push_back(i);
      node_bins_.edit(item.node).push_back(was);
      bins_[was].free -= item.slice->size;
      refresh(was);
    }
    item.bin = was;
  }
  journal_.clear();
  pool_.clear();
  ins_stale_ = true;
}

// The bin with the least free room (memory, then cpu, then the first) that
// holds item i. open_ yields bins by free memory; the bins of the first
// memory that has one are compared in full.
std::optional<std::uint32_t> Planner::best_fit(std::uint32_t i) const {
  std::optional<std::uint32_t> best;
  auto tighter = [&](std::uint32_t a, std::uint32_t b) {
    const auto &x = bins_[a].free, &y = bins_[b].free;
    return std::tuple(x.memory_mb, x.cpu_millis, a) < std::tuple(y.memory_mb, y.cpu_millis, b);
  };
  (void)open_.tightest(items_[i].slice->size, [&](FreeBuckets::Slot b) {
    if (best && bins_[b].free.memory_mb > bins_[*best].free.memory_mb) return FreeBuckets::Verdict::Take;  // stop
    if (may_hold(b, i) && (!best || tighter(b, *best))) best = b;
    return FreeBuckets::Verdict::Skip;
  });
  return best;
}

// Best fit of the pool's items, largest first, onto the other bins.
bool Planner::place_pool() {
  auto order = pool_;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return items_[a].weight > items_[b].weight; });
  for (auto i : order)
    if (auto b = best_fit(i)) drop(i, *b);
  return pool_.empty();
}

// Sets of one or two items with their total size, built without allocating.
void Planner::sets(const std::vector<std::uint32_t>& from, bool distinct_nodes, std::vector<Combo>& out) const {
  out.clear();
  auto n = std::min(from.size(), kSwapItems);
  for (std::size_t x = 0; x < n; ++x) {
    const auto& a = items_[from[x]];
    if (a.bin != kAir && a.pinned) continue;
    out.push_back(Combo{1, {from[x], 0}, a.slice->size, a.weight});
    for (std::size_t y = x + 1; y < n; ++y) {
      const auto& c = items_[from[y]];
      if ((c.bin != kAir && c.pinned) || (distinct_nodes && c.node == a.node)) continue;
      out.push_back(Combo{2, {from[x], from[y]}, a.slice->size + c.slice->size, a.weight + c.weight});
    }
  }
}

// The pool's sets, heaviest first (as built among equals); the same for
// every bin until the pool changes.
const std::vector<Planner::Combo>& Planner::pool_sets() const {
  if (ins_stale_) {
    sets(pool_, true, ins_);
    std::stable_sort(ins_.begin(), ins_.end(), [](const Combo& a, const Combo& b) { return a.weight > b.weight; });
    ins_stale_ = false;
  }
  return ins_;
}

// The best swap on bin b: up to two of its movable slices out to the
// pool, up to two of the pool's in, the bin ending fuller. Best is the
// swap that leaves the fewest slices in the pool (two in for one out
// first: every slice left over needs a block with room for it at the end
// of its chain, and such blocks are few on a tight grid), then the one
// that fills the bin the most. For each set going out, the heaviest set of
// each size that fits in its place is the best one, so the pool's sets are
// looked at heaviest first until one of each size fits.
std::optional<Planner::Swap> Planner::best_swap(std::uint32_t b) const {
  const auto& bin = bins_[b];
  if (b == emptying_ || bin.items.empty() || bin.router) return std::nullopt;
  const auto& ins = pool_sets();
  if (ins.empty()) return std::nullopt;
  sets(bin.items, false, outs_);
  std::optional<Swap> best;
  auto shrink = [](const Swap& s) { return int(s.n_in) - int(s.n_out); };
  for (const auto& out : outs_) {
    if (out.n == bin.items.size()) continue;  // the bin must keep something
    int most = 2 - int(out.n);                // the most this set can shrink the pool by
    if (best && shrink(*best) > most) continue;
    Resources room = bin.free + out.size;
    bool found[3] = {false, false, false};    // by the size of the set going in
    for (const auto& in : ins) {
      double gain = in.weight - out.weight;
      if (gain <= 1e-12 || (best && gain <= best->gain && most <= shrink(*best))) break;
      int by = int(in.n) - int(out.n);
      if (found[in.n] || (best && (by < shrink(*best) || (by == shrink(*best) && gain <= best->gain)))) continue;
      if (!room.holds(in.size)) continue;
      bool ok = true;
      for (std::uint32_t k = 0; k < in.n && ok; ++k) ok = may_hold(b, in.ids[k]);
      if (!ok) continue;
      best = Swap{gain, b, out.n, in.n, {out.ids[0], out.ids[1]}, {in.ids[0], in.ids[1]}};
      found[in.n] = true;
      if (found[1] && found[2]) break;
    }
  }
  return best;
}

// The bins a swap pass visits, in order: all of them, or on a fleet the
// kSwapBins non-empty ones with the most free memory.
std::vector<std::uint32_t> Planner::swap_bins() const {
  std::vector<std::uint32_t> out;
  if (bins_.size() <= kSwapBins) {
    out.resize(bins_.size());
    for (std::uint32_t b = 0; b < bins_.size(); ++b) out[b] = b;
    return out;
  }
  (void)open_.loosest(Resources{}, [&](FreeBuckets::Slot b) {
    out.push_back(b);
    return out.size() < kSwapBins ? FreeBuckets::Verdict::Skip : FreeBuckets::Verdict::Take;
  });
  std::sort(out.begin(), out.end());
  return out;
}

// Passes over the bins, each swapping in the way that fills it most, the
// pool placed again after every swap. True once the pool is empty.
bool Planner::try_swaps() {
  bool swapped = true;
  for (int pass = 0; swapped && pass < 8; ++pass) {
    swapped = false;
    for (auto b : swap_bins()) {
      auto swap = best_swap(b);
      if (!swap) continue;
      for (std::uint32_t k = 0; k < swap->n_out; ++k) lift(swap->out[k]);
      for (std::uint32_t k = 0; k < swap->n_in; ++k) drop(swap->in[k], b);
      swapped = true;
      if (place_pool()) return true;
    }
  }
  return false;
}

// The items an attempt moved (in the order they first moved), each with
// start_ set to the bin it started on.
std::vector<std::uint32_t> Planner::moved_items() {
  for (auto [i, was] : journal_)
    if (start_[i] == kAir && was != kAir) start_[i] = was;
  std::vector<std::uint32_t> moved;
  for (auto [i, was] : journal_)
    if (start_[i] != kAir && items_[i].bin != start_[i] &&
        std::find(moved.begin(), moved.end(), i) == moved.end())
      moved.push_back(i);
  return moved;
}

// Orders the moves of one attempt so that each target has room when its
// move starts (the old copy still runs until the new one is healthy).
bool Planner::order(const std::vector<std::uint32_t>& moved_in, std::vector<PackMove>& out) {
  auto moved = moved_in;
  for (auto i : moved) {
    room_[items_[i].bin] = bins_[items_[i].bin].free;
    room_[start_[i]] = bins_[start_[i]].free;
  }
  // Back from the final state to the start: undo every move.
  for (auto i : moved) {
    room_[items_[i].bin] += items_[i].slice->size;
    room_[start_[i]] -= items_[i].slice->size;
  }
  while (!moved.empty()) {
    auto ready = std::find_if(moved.begin(), moved.end(),
                              [&](std::uint32_t i) { return room_[items_[i].bin].holds(items_[i].slice->size); });
    if (ready == moved.end()) return false;
    auto i = *ready;
    room_[items_[i].bin] -= items_[i].slice->size;
    room_[start_[i]] += items_[i].slice->size;
    out.push_back(PackMove{i, start_[i], items_[i].bin});
    moved.erase(ready);
  }
  return true;
}

bool Planner::attempt(std::uint32_t e, PackPlan& plan) {
  // Every slice of the block moves: past the budget, nothing to try.
  if (options_.max_moves && plan.moves.size() + bins_[e].items.size() > options_.max_moves) return false;
  emptying_ = e;
  auto lifted = bins_[e].items;
  for (auto i : lifted) lift(i);
  bool done = place_pool() || try_swaps();
  emptying_ = kAir;
  std::vector<PackMove> moves;
  auto moved = moved_items();
  if (done) {
    bool within = !options_.max_moves || plan.moves.size() + moved.size() <= options_.max_moves;
    done = within && order(moved, moves);
  }
  for (auto [i, was] : journal_) start_[i] = kAir;
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
  plan.emptied.push_back(e);
  journal_.clear();
  return true;
}

PackPlan Planner::run() {
  PackPlan plan;
  bool progress = true;
  while (progress && occupied_ > options_.min_blocks) {
    progress = false;
    std::vector<std::uint32_t> candidates;
    for (std::uint32_t b = 0; b < bins_.size(); ++b)
      if (bins_[b].emptiable && !bins_[b].items.empty()) candidates.push_back(b);
    std::vector<double> load(bins_.size());
    for (auto c : candidates)
      for (auto i : bins_[c].items) load[c] += items_[i].weight;
    std::stable_sort(candidates.begin(), candidates.end(), [&](std::uint32_t a, std::uint32_t b) { return load[a] < load[b]; });
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

constexpr int kRounds = 6;

bool better(const PackPlan& a, const PackPlan& b) {
  return a.emptied.size() > b.emptied.size() ||
         (a.emptied.size() == b.emptied.size() && a.moves.size() < b.moves.size());
}

// Both planners' plans for one round; either may be empty.
struct Candidates {
  PackPlan planned, rebuilt;
  const PackPlan& best() const { return better(rebuilt, planned) ? rebuilt : planned; }
};

Candidates plan_both(const PackInput& input, const RepackOptions& options) {
  Candidates c;
  c.planned = Planner(input, options).run();
  if (auto rebuilt = rebuild(input, options)) c.rebuilt = std::move(*rebuilt);
  return c;
}

// The rounds of a plan from `first`, the plan of round one: each next
// round takes the better of the two planners' plans over the state the last
// one leaves, while moves remain in the budget.
PackPlan rounds(PackInput& input, const RepackOptions& options, PackPlan first) {
  PackPlan plan;
  auto step = std::move(first);
  for (int round = 0; round < kRounds && !step.emptied.empty(); ++round) {
    carry_out(input, step.moves);
    plan.moves.insert(plan.moves.end(), step.moves.begin(), step.moves.end());
    plan.emptied.insert(plan.emptied.end(), step.emptied.begin(), step.emptied.end());
    auto left = options;
    if (options.max_moves) {
      if (plan.moves.size() >= options.max_moves) break;
      left.max_moves = options.max_moves - plan.moves.size();
    }
    if (round + 1 < kRounds) step = plan_both(input, left).best();
  }
  return plan;
}

}  // namespace

RepackPlan plan_repack(const GridState& state, const RepackOptions& options) {
  return plan_repack(pack_input(state), options);
}

// Round one decides most: when the planner's plan is the better one there
// but the rebuild has one too, the plan is made both ways and the one that
// empties more blocks in all wins (as many: fewer moves). The planner's
// chains end in the tightest room there is, and on a tight grid they can
// leave no block with room for even the smallest slice, after which nothing
// moves; the rebuild packs the lightest blocks' slices into as few blocks
// as it can and leaves the room it does not need together, where the next
// rounds can use it, though it may empty fewer blocks at first.
RepackPlan plan_repack(PackInput input, const RepackOptions& options) {
  auto first = plan_both(input, options);
  if (first.rebuilt.emptied.empty() || better(first.rebuilt, first.planned)) {
    auto plan = rounds(input, options, first.best());
    return to_plan(input, plan);
  }
  auto other = input;
  auto plan = rounds(input, options, std::move(first.planned));
  auto from_rebuild = rounds(other, options, std::move(first.rebuilt));
  return to_plan(input, better(from_rebuild, plan) ? from_rebuild : plan);
}

}  // namespace quarry
