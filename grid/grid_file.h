// The grid's persistence through the state store: one key, replaced
// atomically (Store::put), so a reader sees the old grid or the new one.
#pragma once

#include <string_view>

#include "core/error.h"
#include "grid/grid_state.h"

namespace quarry {

class Store;

// The key the grid lives at (DESIGN.md, "State layout").
inline constexpr std::string_view kGridKey = "grid/grid.json";

// Writes the state. Fails, with the store's location in the message, when
// the store does.
Status save_grid(Store& store, std::string_view key, const GridState& state);

// Reads the state; a missing key is an empty grid. Fails on an I/O error or
// a corrupt document, naming where it lives and what is wrong.
Result<GridState> load_grid(Store& store, std::string_view key);

}  // namespace quarry
