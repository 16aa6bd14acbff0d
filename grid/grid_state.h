// A whole grid as plain values: what is persisted, drawn and planned over.
// Grid::snapshot() produces one; Grid::restore() rebuilds a grid from one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "grid/block.h"
#include "grid/grid_events.h"
#include "grid/slice.h"

namespace quarry {

struct BlockState {
  Block block;
  std::vector<Slice> slices;  // sorted by id
  friend bool operator==(const BlockState&, const BlockState&) = default;
};

struct GridState {
  std::vector<BlockState> blocks;        // sorted by id, digits compared as numbers
  std::vector<Slice> pending;            // in arrival order: first come, first placed
  std::vector<CreateRequest> creating;   // requests not yet answered, by id
  std::uint64_t next_request = 1;        // the id the next create request gets
  std::vector<std::string> errors;       // recent failures, oldest first
  friend bool operator==(const GridState&, const GridState&) = default;
};

// "s2" < "s10": runs of digits compare by value, everything else bytewise.
bool natural_less(std::string_view a, std::string_view b);

}  // namespace quarry
