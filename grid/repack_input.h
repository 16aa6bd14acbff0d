// What both repack planners read, built once per plan_repack(): every slice
// as an item (its node interned, its weight measured once), every block as a
// bin listing its items in the order of its slices, and which bins hold a
// replica of each node. Planners copy the flat arrays and record what they
// change; no string is compared or hashed while planning. Rounds carry their
// moves out on it, so the next round starts from the better packing without
// the state being copied or read again.
#pragma once

#include <cstdint>
#include <limits>
#include <unordered_map>
#include <vector>

#include "grid/repack.h"

namespace quarry {

inline constexpr std::uint32_t kNoBin = std::numeric_limits<std::uint32_t>::max();

struct PackItem {
  const Slice* slice;
  std::uint32_t node;  // interned node key
  std::uint32_t bin;   // the bin holding it
  double weight;       // size against the largest block, both dimensions
  bool pinned;         // a service, or moved by an earlier round: never moves
};

struct PackBin {
  const Block* block;
  Resources used;
  std::vector<std::uint32_t> items;  // the block's slices, moved ones last
  bool pinned = false;               // holds a pinned item
  Resources free() const { return block->capacity - used; }
};

// A move by index, and a plan in those terms.
struct PackMove {
  std::uint32_t item, from, to;
};
struct PackPlan {
  std::vector<PackMove> moves;
  std::vector<std::uint32_t> emptied;
};

struct PackInput {
  Resources reference;  // the largest capacity of any block: weights are measured in it
  std::vector<PackItem> items;
  std::vector<PackBin> bins;
  std::vector<std::vector<std::uint32_t>> node_bins;  // by node: the bins holding one of its items, once per item

  double weight(const Resources& r) const;
};

// `state` must outlive the input (items point at its slices).
PackInput pack_input(const GridState& state);
// Building an input by hand (Grid::plan_repack reads its own records, whose
// nodes are interned already): set the reference first, then add each bin
// and its items in order. `block` and `slice` must outlive the input.
std::uint32_t add_bin(PackInput& input, const Block& block);
void add_item(PackInput& input, std::uint32_t bin, const Slice& slice, std::uint32_t node);
// plan_repack() over a built input.
RepackPlan plan_repack(PackInput input, const RepackOptions& options);
// Carries the moves out, pinning every moved item (as if it were a service)
// so that a later round neither moves it again nor empties a bin that
// received one.
void carry_out(PackInput& input, const std::vector<PackMove>& moves);
RepackPlan to_plan(const PackInput& input, const PackPlan& plan);

// Which bins hold a replica of each node, as a planner changes it: the
// input's lists until a node's first change, then the planner's own copy.
// Planning touches few nodes, so a planner over a million slices starts
// without copying the lists of all of them.
class NodeBins {
 public:
  explicit NodeBins(const PackInput& input) : base_(&input.node_bins) {}
  const std::vector<std::uint32_t>& of(std::uint32_t node) const {
    auto it = changed_.find(node);
    return it == changed_.end() ? (*base_)[node] : it->second;
  }
  std::vector<std::uint32_t>& edit(std::uint32_t node) {
    auto [it, fresh] = changed_.try_emplace(node);
    if (fresh) it->second = (*base_)[node];
    return it->second;
  }

 private:
  const std::vector<std::vector<std::uint32_t>>* base_;
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> changed_;
};

}  // namespace quarry
