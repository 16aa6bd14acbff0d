// The grid's JSON document: what grid/grid.json holds and what
// `quarry grid --json` prints. Sizes are integers (memory_mb, cpu_millis);
// used and free are written for readers and checked on reading.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "grid/grid_state.h"

namespace quarry {

// Pretty-printed (two-space indent), keys in a fixed order, ending in "\n".
std::string grid_to_json(const GridState& state);

// Parses a document written by grid_to_json. A malformed document is an
// error naming the place and what is wrong ("blocks[1].slices[0].memory_mb:
// expected an integer"); nothing is thrown. Consistency beyond the document's
// shape (capacity, duplicates) is checked by Grid::restore.
Result<GridState> grid_from_json(std::string_view text);

}  // namespace quarry
