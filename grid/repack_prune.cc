#include "grid/repack_prune.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>

namespace quarry {

namespace {

// Carries moves out over the few bins they touch, without copying the input.
class Replay {
 public:
  explicit Replay(const PackInput& input) : in_(input) {}

  void reset() {
    used_.clear();
    count_.clear();
    nodes_.clear();
    moved_.clear();
  }

  bool run(const std::vector<PackMove>& moves, const std::vector<char>& skip) {
    reset();
    for (std::size_t k = 0; k < moves.size(); ++k) {
      if (!skip.empty() && skip[k]) continue;
      if (!step(moves[k])) return false;
    }
    return true;
  }

  // Whether the move keeps the rules now.
  bool allows(const PackMove& m) {
    touch(m.from);
    touch(m.to);
    const auto& item = in_.items[m.item];
    if (item.bin != m.from || moved_.contains(m.item)) return false;
    if (count_[m.to] == 0 || !(in_.bins[m.to].block->capacity - used_[m.to]).holds(item.slice->size)) return false;
    return nodes_[key(m.to, item.node)] == 0;
  }

  bool step(const PackMove& m) {
    if (!allows(m)) return false;
    const auto& item = in_.items[m.item];
    moved_.insert(m.item);
    used_[m.to] += item.slice->size;
    used_[m.from] -= item.slice->size;
    ++count_[m.to];
    --count_[m.from];
    ++nodes_[key(m.to, item.node)];
    --nodes_[key(m.from, item.node)];
    return true;
  }

 private:
  static std::uint64_t key(std::uint32_t bin, std::uint32_t node) { return std::uint64_t(bin) << 32 | node; }

  // Loads a bin's state the first time a move touches it.
  void touch(std::uint32_t b) {
    if (used_.contains(b)) return;
    const auto& bin = in_.bins[b];
    used_[b] = bin.used;
    count_[b] = bin.items.size();
    for (auto i : bin.items) ++nodes_[key(b, in_.items[i].node)];
  }

  const PackInput& in_;
  std::unordered_map<std::uint32_t, Resources> used_;
  std::unordered_map<std::uint32_t, std::size_t> count_;
  std::unordered_map<std::uint64_t, int> nodes_;
  std::unordered_set<std::uint32_t> moved_;
};

}  // namespace

bool moves_keep_rules(const PackInput& input, const std::vector<PackMove>& moves) {
  return Replay(input).run(moves, {});
}

void prune(const PackInput& input, PackPlan& plan) {
  std::vector<char> emptied(input.bins.size(), 0), skip(plan.moves.size(), 0);
  for (auto b : plan.emptied) emptied[b] = 1;
  Replay replay(input);
  for (std::size_t k = plan.moves.size(); k-- > 0;) {
    if (emptied[plan.moves[k].from]) continue;
    skip[k] = 1;
    if (!replay.run(plan.moves, skip)) skip[k] = 0;
  }
  std::size_t out = 0;
  for (std::size_t k = 0; k < plan.moves.size(); ++k)
    if (!skip[k]) plan.moves[out++] = plan.moves[k];
  plan.moves.resize(out);
}

}  // namespace quarry
