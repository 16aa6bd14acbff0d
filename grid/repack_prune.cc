#include "grid/repack_prune.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

namespace quarry {

namespace {

// Carries moves out from the input without copying it: a bin's state is
// read from the input the first time a replay touches it, and a node's
// replicas on a bin are those of the input plus what the replay moved.
// A replay costs in proportion to its moves, not to the bins' contents.
class Replay {
 public:
  explicit Replay(const PackInput& input)
      : in_(input), used_(input.bins.size()), count_(input.bins.size()), bin_seen_(input.bins.size(), 0),
        item_seen_(input.items.size(), 0) {}

  bool run(const std::vector<PackMove>& moves, const std::vector<char>& skip) {
    ++epoch_;
    nodes_.clear();
    for (std::size_t k = 0; k < moves.size(); ++k) {
      if (!skip.empty() && skip[k]) continue;
      if (!step(moves[k])) return false;
    }
    return true;
  }

 private:
  static std::uint64_t key(std::uint32_t bin, std::uint32_t node) { return std::uint64_t(bin) << 32 | node; }

  void touch(std::uint32_t b) {
    if (bin_seen_[b] == epoch_) return;
    bin_seen_[b] = epoch_;
    used_[b] = in_.bins[b].used;
    count_[b] = in_.bins[b].items.size();
  }

  // Replicas of `node` on bin b now.
  long replicas(std::uint32_t b, std::uint32_t node) const {
    const auto& holders = in_.node_bins[node];
    long n = std::count(holders.begin(), holders.end(), b);
    auto it = nodes_.find(key(b, node));
    return it == nodes_.end() ? n : n + it->second;
  }

  bool step(const PackMove& m) {
    touch(m.from);
    touch(m.to);
    const auto& item = in_.items[m.item];
    if (item.bin != m.from || item_seen_[m.item] == epoch_) return false;
    if (count_[m.to] == 0 || !(in_.bins[m.to].block->capacity - used_[m.to]).holds(item.slice->size)) return false;
    if (replicas(m.to, item.node) > 0) return false;
    item_seen_[m.item] = epoch_;
    used_[m.to] += item.slice->size;
    used_[m.from] -= item.slice->size;
    ++count_[m.to];
    --count_[m.from];
    ++nodes_[key(m.to, item.node)];
    --nodes_[key(m.from, item.node)];
    return true;
  }

  const PackInput& in_;
  std::vector<Resources> used_;
  std::vector<std::size_t> count_;
  std::vector<std::uint32_t> bin_seen_, item_seen_;  // the replay that last loaded a bin, moved an item
  std::uint32_t epoch_ = 0;
  std::unordered_map<std::uint64_t, long> nodes_;  // (bin, node): replicas the replay added (or took away)
};

}  // namespace

bool moves_keep_rules(const PackInput& input, const std::vector<PackMove>& moves) {
  return Replay(input).run(moves, {});
}

// Dropping move k (item i from X to Y) changes only X and Y from k on: X
// keeps i (less room, one replica of i's node more), Y never gets it (one
// slice fewer). So only their later arrivals need checking again, along
// each bin's own list of moves.
void prune(const PackInput& input, PackPlan& plan) {
  const auto& moves = plan.moves;
  std::vector<char> emptied(input.bins.size(), 0), skip(moves.size(), 0);
  for (auto b : plan.emptied) emptied[b] = 1;
  std::unordered_map<std::uint32_t, std::vector<std::size_t>> timeline;  // by bin: the moves touching it, in order
  for (std::size_t k = 0; k < moves.size(); ++k) {
    timeline[moves[k].from].push_back(k);
    timeline[moves[k].to].push_back(k);
  }
  // Whether bin b's moves keep the rules without move `drop`.
  auto keeps = [&](std::uint32_t b, std::size_t drop) {
    const auto& bin = input.bins[b];
    const auto& dropped = moves[drop];
    Resources used = bin.used;
    std::size_t count = bin.items.size();
    for (auto j : timeline[b]) {
      if (j == drop || skip[j]) continue;
      const auto& m = moves[j];
      const auto& item = input.items[m.item];
      if (m.from == b) {
        used -= item.slice->size;
        --count;
        continue;
      }
      if (j > drop) {
        if (count == 0 || !(bin.block->capacity - used).holds(item.slice->size)) return false;
        if (b == dropped.from && item.node == input.items[dropped.item].node) return false;
      }
      used += item.slice->size;
      ++count;
    }
    return true;
  };
  // Latest first, and again until nothing more can go: dropping a move can
  // make one after it unneeded (the room it made is there anyway).
  for (bool dropped = true; dropped;) {
    dropped = false;
    for (std::size_t k = moves.size(); k-- > 0;) {
      if (skip[k] || emptied[moves[k].from]) continue;
      skip[k] = 1;
      if (!keeps(moves[k].from, k) || !keeps(moves[k].to, k)) skip[k] = 0;
      else dropped = true;
    }
  }
  std::size_t out = 0;
  for (std::size_t k = 0; k < plan.moves.size(); ++k)
    if (!skip[k]) plan.moves[out++] = plan.moves[k];
  plan.moves.resize(out);
}

}  // namespace quarry
