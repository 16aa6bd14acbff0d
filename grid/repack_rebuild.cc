#include "grid/repack_rebuild.h"

#include "grid/repack_input.h"
#include "grid/repack_prune.h"

#include <algorithm>
#include <limits>
#include <string_view>
#include <vector>

namespace quarry {

namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr double kEps = 1e-9;

struct Item {
  const Slice* slice;
  std::uint32_t node;    // interned node key
  std::uint32_t home;    // the block it is on now
  std::uint32_t target;  // the block it is on in the new packing; kNone while pooled
  double weight;         // size against the largest block, both dimensions
};

struct Bin {
  const Block* block;
  Resources used_now;                   // what its slices use at the start
  Resources free;                       // in the packing being built
  std::vector<std::uint32_t> held;      // items on it now
  std::vector<std::uint32_t> incoming;  // pooled items given to it
  bool router = false;
  bool emptiable = false;
  bool dissolved = false;  // its items are in the pool
  bool used = false;       // a dissolved block that holds something again
  std::size_t at_home = 0; // its pooled items not yet placed
};

class Rebuilder {
 public:
  Rebuilder(const PackInput& input, const RepackOptions& options, const RebuildLimits& limits, std::size_t window);
  std::optional<PackPlan> plan();
  std::size_t dissolved() const { return dissolved_; }
  bool complete() const { return complete_; }  // the last plan() reached the whole packing

 private:
  double weight(const Resources& r) const;
  double extra_bound(const Resources& room) const;
  bool may_take(std::uint32_t b, std::uint32_t i) const;
  void take(std::uint32_t b, std::uint32_t i);
  void compact();
  void fill(std::uint32_t b);
  void search(std::size_t from, const Resources& room, double filled, std::size_t home);
  void prefer_home(std::uint32_t b);
  std::optional<std::uint32_t> bin_for(std::uint32_t i) const;
  bool build();
  bool realize(std::vector<PackMove>& out, std::vector<std::uint32_t>& emptied) const;
  bool realize_whole(std::vector<PackMove>& out, std::vector<std::uint32_t>& emptied) const;

  const RepackOptions& options_;
  const RebuildLimits& limits_;
  Resources reference_;
  std::vector<Item> items_;
  std::vector<Bin> bins_;
  NodeBins node_bins_;  // by node: bins holding or given one of its items, once per item
  std::vector<std::uint32_t> pool_;  // pooled items, heaviest first
  std::int64_t pool_cpu_ = 0;        // their cpu in all
  std::size_t occupied_ = 0;
  std::size_t dissolved_ = 0;
  bool complete_ = false;

  // The search of one fill.
  std::uint32_t bin_ = 0;
  std::vector<std::uint32_t> chosen_, best_;
  double best_fill_ = 0, bound_ = 0;
  std::size_t best_home_ = 0, steps_left_ = 0;
  std::size_t budget_ = 0;  // steps left for this attempt
};

Rebuilder::Rebuilder(const PackInput& input, const RepackOptions& options, const RebuildLimits& limits,
                     std::size_t window)
    : options_(options), limits_(limits), reference_(input.reference), node_bins_(input), budget_(limits.steps) {
  items_.reserve(input.items.size());
  for (const auto& it : input.items) items_.push_back(Item{it.slice, it.node, it.bin, it.bin, it.weight});
  bins_.reserve(input.bins.size());
  std::vector<double> load;
  load.reserve(input.bins.size());
  for (const auto& pb : input.bins) {
    Bin bin{pb.block, pb.used, pb.free(), pb.items, {}};
    bin.router = is_router(pb.block->tags);
    double w = 0;
    for (auto i : pb.items) w += items_[i].weight;
    bin.emptiable = !bin.router && !pb.pinned && !pb.items.empty() &&
                    options.now_ms - pb.block->created_ms >= options.min_age_ms;
    occupied_ += !pb.items.empty();
    load.push_back(w);
    bins_.push_back(std::move(bin));
  }
  // Dissolve the lightest blocks that may be emptied.
  std::vector<std::uint32_t> candidates;
  for (std::uint32_t b = 0; b < bins_.size(); ++b)
    if (bins_[b].emptiable) candidates.push_back(b);
  std::stable_sort(candidates.begin(), candidates.end(), [&](auto a, auto b) { return load[a] < load[b]; });
  for (auto c : candidates) {
    auto& bin = bins_[c];
    if (dissolved_ >= window || pool_.size() + bin.held.size() > limits.max_pool) break;
    bin.dissolved = true;
    bin.free = bin.block->capacity;
    bin.at_home = bin.held.size();
    for (auto i : bin.held) {
      items_[i].target = kNone;
      pool_.push_back(i);
      pool_cpu_ += items_[i].slice->size.cpu_millis;
    }
    ++dissolved_;
  }
  std::stable_sort(pool_.begin(), pool_.end(), [&](auto a, auto b) {
    const auto &x = items_[a], &y = items_[b];
    if (x.weight != y.weight) return x.weight > y.weight;
    return x.slice->size.memory_mb > y.slice->size.memory_mb;
  });
}

double Rebuilder::weight(const Resources& r) const {
  double w = double(r.memory_mb) / double(std::max<std::int64_t>(reference_.memory_mb, 1));
  if (reference_.cpu_millis > 0) w += double(r.cpu_millis) / double(reference_.cpu_millis);
  return w;
}

// The most weight that could still go into `room`: all its memory, and as
// much of its cpu as the pool holds.
double Rebuilder::extra_bound(const Resources& room) const {
  return weight(Resources{room.memory_mb, std::min(room.cpu_millis, pool_cpu_)});
}

// Tags, the router, and no replica of the item's node on the block, now
// or in the new packing (the new copy starts before an old one stops).
bool Rebuilder::may_take(std::uint32_t b, std::uint32_t i) const {
  const auto& bin = bins_[b];
  const auto& item = items_[i];
  if (bin.held.empty()) return false;  // never onto an empty block
  if (bin.router && !is_router(item.slice->required_tags)) return false;
  if (!item.slice->required_tags.empty() && !tags_satisfy(bin.block->tags, item.slice->required_tags))
    return false;
  // The item itself counts once, on its home, while it is pooled.
  const auto& holders = node_bins_.of(item.node);
  auto here = std::count(holders.begin(), holders.end(), b);
  return here == (item.home == b && item.target == kNone ? 1 : 0);
}

void Rebuilder::take(std::uint32_t b, std::uint32_t i) {
  auto& item = items_[i];
  item.target = b;
  bins_[b].free -= item.slice->size;
  bins_[b].incoming.push_back(i);
  node_bins_.edit(item.node).push_back(b);
  if (bins_[b].dissolved) bins_[b].used = true;
  --bins_[item.home].at_home;
  pool_cpu_ -= item.slice->size.cpu_millis;
}

void Rebuilder::compact() {
  pool_.erase(std::remove_if(pool_.begin(), pool_.end(), [&](auto i) { return items_[i].target != kNone; }),
              pool_.end());
}

// Fills block b's room with the pooled set that leaves the least slack.
void Rebuilder::fill(std::uint32_t b) {
  bin_ = b;
  chosen_.clear();
  best_.clear();
  best_fill_ = 0;
  best_home_ = 0;
  bound_ = extra_bound(bins_[b].free);
  constexpr std::size_t kFloor = 64;  // enough for a first greedy descent
  auto steps = std::min(limits_.search_nodes, std::max(budget_, kFloor));
  steps_left_ = steps;
  search(0, bins_[b].free, 0, 0);
  budget_ -= std::min(budget_, steps - steps_left_);
  prefer_home(b);
  for (auto i : best_) take(b, i);
  compact();
}

// Depth first over the pool, heaviest first; sets of equal sizes are tried
// once. Stops at a set that fills the room or when the steps run out.
void Rebuilder::search(std::size_t from, const Resources& room, double filled, std::size_t home) {
  if (filled > best_fill_ + kEps || (filled > best_fill_ - kEps && home > best_home_)) {
    best_ = chosen_;
    best_fill_ = filled;
    best_home_ = home;
  }
  if (steps_left_ == 0 || best_fill_ >= bound_ - kEps) return;
  if (filled + extra_bound(room) <= best_fill_ + kEps) return;
  double room_weight = weight(room) + kEps;
  auto first = std::partition_point(pool_.begin(), pool_.end(), [&](auto i) { return items_[i].weight > room_weight; });
  const Resources* tried = nullptr;
  for (auto j = std::max<std::size_t>(from, std::size_t(first - pool_.begin())); j < pool_.size(); ++j) {
    if (steps_left_ == 0) return;
    --steps_left_;  // every candidate looked at counts, not only the sets tried
    auto i = pool_[j];
    const auto& size = items_[i].slice->size;
    if (!room.holds(size) || (tried && *tried == size)) continue;
    bool clash = std::any_of(chosen_.begin(), chosen_.end(), [&](auto c) { return items_[c].node == items_[i].node; });
    if (clash || !may_take(bin_, i)) continue;
    chosen_.push_back(i);
    search(j + 1, room - size, filled + items_[i].weight, home + (items_[i].home == bin_));
    chosen_.pop_back();
    tried = &size;
    if (steps_left_ == 0 || best_fill_ >= bound_ - kEps) return;
  }
}

// Sizes being equal, a block keeps its own items: fewer moves.
void Rebuilder::prefer_home(std::uint32_t b) {
  for (auto& c : best_) {
    if (items_[c].home == b) continue;
    for (auto o : bins_[b].held) {
      if (items_[o].target != kNone || items_[o].slice->size != items_[c].slice->size) continue;
      if (std::find(best_.begin(), best_.end(), o) != best_.end()) continue;
      bool clash = std::any_of(best_.begin(), best_.end(),
                               [&](auto x) { return x != c && items_[x].node == items_[o].node; });
      if (clash || !may_take(b, o)) continue;
      c = o;
      break;
    }
  }
}

// A dissolved block not used yet for the heaviest pooled item: its own
// block when it can, else the one with the most of its items still pooled.
std::optional<std::uint32_t> Rebuilder::bin_for(std::uint32_t i) const {
  auto fits = [&](std::uint32_t b) {
    const auto& bin = bins_[b];
    return bin.dissolved && !bin.used && bin.free.holds(items_[i].slice->size) && may_take(b, i);
  };
  if (fits(items_[i].home)) return items_[i].home;
  std::optional<std::uint32_t> best;
  for (std::uint32_t b = 0; b < bins_.size(); ++b)
    if (fits(b) && (!best || bins_[b].at_home > bins_[*best].at_home)) best = b;
  return best;
}

bool Rebuilder::build() {
  // Blocks that stay take what fits their room first.
  for (std::uint32_t b = 0; b < bins_.size() && !pool_.empty(); ++b)
    if (!bins_[b].dissolved && !bins_[b].held.empty() && bins_[b].free.holds(items_[pool_.back()].slice->size))
      fill(b);
  while (!pool_.empty()) {
    auto first = pool_.front();
    auto b = bin_for(first);
    if (!b) return false;
    take(*b, first);
    compact();
    fill(*b);
  }
  return true;
}

// Reaches the new packing one group of slices at a time. Blocks that stay
// get theirs first: their room was kept for it. Then the group of each
// dissolved block is given to a dissolved block, preferring the one that
// holds most of it already (then the one with the most room), and its
// slices go there as soon as the block has room for the new copy while the
// old one still runs. Whenever no slice can go, one more group gets a
// block. A slice moves only to its group's block, so at most once; only a
// group's block receives slices, so it is never emptied, and no block is
// left empty while slices are still to arrive on it; the dissolved blocks
// no group went to are left empty. False when the moves stall.
bool Rebuilder::realize(std::vector<PackMove>& out, std::vector<std::uint32_t>& emptied) const {
  std::vector<Resources> used(bins_.size());
  std::vector<std::vector<std::uint32_t>> on(bins_.size());
  std::vector<std::uint32_t> loc(items_.size()), dest(items_.size(), kNone);
  std::vector<std::size_t> arriving(bins_.size(), 0);
  std::vector<char> taken(bins_.size(), 0);
  std::vector<std::uint32_t> pending;
  for (std::uint32_t b = 0; b < bins_.size(); ++b) {
    used[b] = bins_[b].used_now;
    on[b] = bins_[b].held;
    for (auto i : on[b]) loc[i] = b;
  }
  auto room = [&](std::uint32_t p) { return bins_[p].block->capacity - used[p]; };
  // Dissolved blocks without a group that still hold something: a group
  // can go only onto one of those, so enough of them must stay non-empty.
  std::size_t open = 0;
  for (const auto& bin : bins_) open += bin.dissolved && !bin.held.empty();
  std::vector<std::uint32_t> todo;
  auto ready = [&](std::uint32_t i) {
    auto p = dest[i], from = loc[i];
    if (!room(p).holds(items_[i].slice->size) || on[p].empty()) return false;
    if (on[from].size() == 1 && arriving[from] > 0) return false;  // it would stand empty meanwhile
    if (on[from].size() == 1 && bins_[from].dissolved && !taken[from] && open <= todo.size()) return false;
    return std::none_of(on[p].begin(), on[p].end(), [&](auto o) { return items_[o].node == items_[i].node; });
  };
  auto assign = [&](std::uint32_t i, std::uint32_t p) {
    dest[i] = p;
    if (loc[i] == p) return;
    pending.push_back(i);
    ++arriving[p];
  };
  for (std::uint32_t b = 0; b < bins_.size(); ++b) {
    if (!bins_[b].dissolved) {
      for (auto i : bins_[b].incoming) assign(i, b);
    } else if (bins_[b].used) {
      todo.push_back(b);
    }
  }
  // How much of the group block p holds, if it is free to take the group.
  auto admits = [&](std::uint32_t p, const std::vector<std::uint32_t>& group) -> std::optional<std::size_t> {
    const auto& bin = bins_[p];
    if (!bin.dissolved || taken[p] || on[p].empty()) return std::nullopt;
    std::size_t stay = 0;
    for (auto i : group) {
      const auto& slice = *items_[i].slice;
      if (loc[i] == p) ++stay;
      else if (!slice.required_tags.empty() && !tags_satisfy(bin.block->tags, slice.required_tags))
        return std::nullopt;
    }
    return stay;
  };
  while (true) {
    auto before = pending.size();
    std::erase_if(pending, [&](std::uint32_t i) {
      if (!ready(i)) return false;
      auto from = loc[i], to = dest[i];
      const auto& size = items_[i].slice->size;
      used[to] += size;
      used[from] -= size;
      std::erase(on[from], i);
      on[to].push_back(i);
      loc[i] = to;
      --arriving[to];
      if (on[from].empty() && bins_[from].dissolved && !taken[from]) --open;
      out.push_back(PackMove{i, from, to});
      return true;
    });
    if (pending.size() < before) continue;
    if (todo.empty()) break;
    std::size_t best_g = 0, best_stay = 0;
    std::int64_t best_room = 0;
    std::optional<std::uint32_t> best_p;
    auto consider = [&](std::size_t g, std::uint32_t p) {
      auto stay = admits(p, bins_[todo[g]].incoming);
      if (!stay) return;
      auto free = room(p).memory_mb;
      if (!best_p || *stay > best_stay || (*stay == best_stay && free > best_room))
        best_g = g, best_p = p, best_stay = *stay, best_room = free;
    };
    for (std::size_t g = 0; g < todo.size(); ++g)
      for (auto i : bins_[todo[g]].incoming) consider(g, loc[i]);
    for (std::size_t g = 0; g < todo.size() && !best_p; ++g)
      for (std::uint32_t p = 0; p < bins_.size(); ++p) consider(g, p);
    if (!best_p) break;
    taken[*best_p] = 1;
    --open;
    for (auto i : bins_[todo[best_g]].incoming) assign(i, *best_p);
    todo.erase(todo.begin() + std::ptrdiff_t(best_g));
  }
  for (std::uint32_t b = 0; b < bins_.size(); ++b)
    if (bins_[b].dissolved && on[b].empty()) emptied.push_back(b);
  return todo.empty() && pending.empty();
}

// The same, stricter: each group of a dissolved block goes, whole, at once, onto a dissolved block that can take its
// missing slices on top of everything it holds now (the new copies start
// before the old ones stop), preferring the block that holds most of the
// group already. A slice moves only when its group does, so at most once;
// a block receives slices only as its group's block, so is never emptied;
// the dissolved blocks no group went to are left empty.
bool Rebuilder::realize_whole(std::vector<PackMove>& out, std::vector<std::uint32_t>& emptied) const {
  std::vector<Resources> used(bins_.size());
  std::vector<std::vector<std::uint32_t>> on(bins_.size());
  std::vector<std::uint32_t> loc(items_.size());
  std::vector<char> taken(bins_.size(), 0);
  for (std::uint32_t b = 0; b < bins_.size(); ++b) {
    used[b] = bins_[b].used_now;
    on[b] = bins_[b].held;
    for (auto i : on[b]) loc[i] = b;
  }
  auto move = [&](std::uint32_t i, std::uint32_t to) {
    auto from = loc[i];
    const auto& size = items_[i].slice->size;
    used[to] += size;
    used[from] -= size;
    std::erase(on[from], i);
    on[to].push_back(i);
    loc[i] = to;
    out.push_back(PackMove{i, from, to});
  };
  // How many of the group block p holds already, if it can take the rest now.
  auto admits = [&](std::uint32_t p, const std::vector<std::uint32_t>& group) -> std::optional<std::size_t> {
    const auto& bin = bins_[p];
    if (!bin.dissolved || taken[p] || on[p].empty()) return std::nullopt;
    Resources need;
    std::size_t stay = 0;
    for (auto i : group) {
      if (loc[i] == p) {
        ++stay;
        continue;
      }
      const auto& slice = *items_[i].slice;
      need += slice.size;
      if (!slice.required_tags.empty() && !tags_satisfy(bin.block->tags, slice.required_tags)) return std::nullopt;
      for (auto o : on[p])
        if (items_[o].node == items_[i].node) return std::nullopt;
    }
    if (!(bin.block->capacity - used[p]).holds(need)) return std::nullopt;
    return stay;
  };
  std::vector<std::uint32_t> todo;
  for (std::uint32_t b = 0; b < bins_.size(); ++b) {
    if (bins_[b].dissolved) {
      if (bins_[b].used) todo.push_back(b);
      continue;
    }
    for (auto i : bins_[b].incoming) move(i, b);
  }
  while (!todo.empty()) {
    std::size_t best_g = 0, best_stay = 0;
    std::optional<std::uint32_t> best_p;
    auto consider = [&](std::size_t g, std::uint32_t p) {
      auto stay = admits(p, bins_[todo[g]].incoming);
      if (stay && (!best_p || *stay > best_stay)) best_g = g, best_p = p, best_stay = *stay;
    };
    for (std::size_t g = 0; g < todo.size(); ++g)
      for (auto i : bins_[todo[g]].incoming) consider(g, loc[i]);
    for (std::size_t g = 0; g < todo.size() && !best_p; ++g)
      for (std::uint32_t p = 0; p < bins_.size(); ++p) consider(g, p);
    if (!best_p) break;
    taken[*best_p] = 1;
    for (auto i : bins_[todo[best_g]].incoming)
      if (loc[i] != *best_p) move(i, *best_p);
    todo.erase(todo.begin() + std::ptrdiff_t(best_g));
  }
  for (std::uint32_t b = 0; b < bins_.size(); ++b)
    if (bins_[b].dissolved && on[b].empty()) emptied.push_back(b);
  return todo.empty();
}

std::optional<PackPlan> Rebuilder::plan() {
  if (pool_.empty() || !build()) return std::nullopt;
  // Two ways to reach it; each stalls on packings the other reaches. A
  // stalled one still holds a valid run of moves that empties blocks.
  PackPlan plan, whole;
  complete_ = realize(plan.moves, plan.emptied);
  bool whole_done = realize_whole(whole.moves, whole.emptied);
  bool better = whole.emptied.size() > plan.emptied.size() ||
                (whole.emptied.size() == plan.emptied.size() && whole.moves.size() < plan.moves.size());
  if (better || (whole_done && !complete_ && whole.emptied.size() == plan.emptied.size())) {
    plan = std::move(whole);
    complete_ = whole_done;
  }
  if (plan.emptied.empty()) return std::nullopt;
  return plan;
}

}  // namespace

std::optional<PackPlan> rebuild(const PackInput& input, const RepackOptions& options, const RebuildLimits& limits) {
  std::size_t occupied = 0;
  for (const auto& bin : input.bins) occupied += !bin.items.empty();
  // A plan keeps the rules: not below min_blocks, within max_moves once
  // pruned (pruned at once only when over it: pruning costs).
  auto keeps = [&](PackPlan& p, bool& pruned) {
    if (occupied - p.emptied.size() < options.min_blocks) return false;
    if (!options.max_moves || p.moves.size() <= options.max_moves) return true;
    prune(input, p);
    pruned = true;
    return p.moves.size() <= options.max_moves;
  };
  // Fewer blocks dissolved, fewer moves and less to rearrange: shrink the
  // window until the new packing is reached whole, keeping the plan that
  // empties the most blocks on the way (a stalled one's moves so far).
  std::optional<PackPlan> best;
  bool best_pruned = false;
  std::size_t window = input.bins.size();
  for (std::size_t attempt = 0; attempt < limits.attempts && window >= 2; ++attempt, window = window * 7 / 8) {
    Rebuilder rebuilder(input, options, limits, window);
    auto plan = rebuilder.plan();
    bool pruned = false;
    if (plan && keeps(*plan, pruned)) {
      if (!best || plan->emptied.size() > best->emptied.size() ||
          (plan->emptied.size() == best->emptied.size() && plan->moves.size() < best->moves.size())) {
        best = std::move(plan);
        best_pruned = pruned;
      }
      if (rebuilder.complete()) break;
    }
    window = std::min(window, rebuilder.dissolved());
  }
  if (best && !best_pruned) prune(input, *best);
  return best;
}

std::optional<RepackPlan> plan_rebuild(const GridState& state, const RepackOptions& options,
                                       const RebuildLimits& limits) {
  auto input = pack_input(state);
  auto plan = rebuild(input, options, limits);
  if (!plan) return std::nullopt;
  return to_plan(input, *plan);
}

}  // namespace quarry
