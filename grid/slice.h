// A slice: one container's allocation. Its id is "stack/node/index"
// ("blog/web/2"); replicas of one node share "stack/node" and the grid keeps
// them on different blocks where it can (anti-affinity).
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "grid/resources.h"

namespace quarry {

struct Slice {
  std::string id;          // "stack/node/index"
  Resources size;          // what the container reserves
  bool is_service = false; // services are placed like nodes but never moved by repacking
  Tags required_tags;      // block tags the slice needs ("role" -> "router")

  // "stack/node": the key replicas share. Valid only for a well-formed id.
  std::string_view node_key() const;
  friend bool operator==(const Slice&, const Slice&) = default;
};

// Builds a slice id from its parts.
std::string slice_id(std::string_view stack, std::string_view node, int index);

// Checks the slice a caller hands the grid: an id of three non-empty parts
// with a decimal index, a positive memory size and a non-negative cpu.
// On failure the error names the slice and what is wrong.
Status validate_slice(const Slice& slice);

}  // namespace quarry
