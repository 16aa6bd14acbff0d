// A block: one server of the grid, as the grid sees it. Value type; the grid
// owns the live ones and hands out copies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "grid/resources.h"

namespace quarry {

// What a caller knows about a server when it hands it to the grid.
struct BlockSpec {
  std::string id;      // the server's id ("s1", a cloud droplet name)
  Resources capacity;  // what slices may use in total
  Tags tags;           // "role" -> "router"; slices may require them
};

struct Block {
  std::string id;
  Resources capacity;
  Tags tags;
  Resources used;                            // the sum of its slices' sizes
  std::int64_t created_ms = 0;               // when the grid first saw it
  std::optional<std::int64_t> low_since_ms;  // since when its load has stayed under the watermark

  Resources free() const { return capacity - used; }
  // The fuller of the two dimensions, 0..1; a zero capacity counts as empty.
  double load() const {
    double m = capacity.memory_mb > 0 ? double(used.memory_mb) / double(capacity.memory_mb) : 0;
    double c = capacity.cpu_millis > 0 ? double(used.cpu_millis) / double(capacity.cpu_millis) : 0;
    return m > c ? m : c;
  }
  friend bool operator==(const Block&, const Block&) = default;
};

}  // namespace quarry
