// Where a slice goes. The grid keeps a policy informed of every block it may
// place onto (insert / erase with the block's free capacity) and asks it to
// choose; the grid itself checks the answer, so a policy cannot overfill.
//
// Every policy honors, and the contract suite (tests/unit/grid) checks:
// - capacity: the chosen block holds the slice in memory and cpu;
// - required tags: the chosen block carries every tag the slice requires;
// - anti-affinity: a block listed in `avoid` (it already holds a replica of
//   the same node) is chosen only when no other block fits.
// Policies are not thread-safe; a grid calls its policy from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "grid/resources.h"

namespace quarry {

// A block's position in the grid's tables; stable while the block lives.
using BlockSlot = std::uint32_t;

struct PlacementRequest {
  Resources need;
  const Tags* required_tags = nullptr;  // null: no requirement
  std::span<const BlockSlot> avoid;     // blocks holding a replica of the same node
};

class PlacementPolicy {
 public:
  virtual ~PlacementPolicy() = default;
  // "best-fit", "spread": shown by the bench and `quarry grid`.
  virtual std::string_view name() const = 0;
  // The block at `slot` may take slices and has `free` left. A slot is
  // inserted at most once until it is erased.
  virtual void insert(BlockSlot slot, const Resources& free, const Tags& tags) = 0;
  // Forgets the block; `free` is its last known free capacity.
  virtual void erase(BlockSlot slot, const Resources& free) = 0;
  // An inserted block's free capacity is now `free` (a slice came or went);
  // its tags are unchanged. Called once per placement: keep it cheap.
  virtual void update(BlockSlot slot, const Resources& free) = 0;
  // The block for a slice, or nullopt when no inserted block fits.
  virtual std::optional<BlockSlot> choose(const PlacementRequest& request) const = 0;
  // An empty policy of the same kind and settings.
  virtual std::unique_ptr<PlacementPolicy> fresh() const = 0;
};

}  // namespace quarry
