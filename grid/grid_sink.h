// Where a grid keeps itself: the grid hands its state to a sink after each
// change and does no I/O of its own. store/grid_store.h holds the sink that
// writes grid/grid.json into the state store; tests record what is saved.
#pragma once

#include "core/error.h"
#include "grid/grid_state.h"

namespace quarry {

class GridSink {
 public:
  virtual ~GridSink() = default;
  // Keeps `state` (the whole grid, as Grid::snapshot() gives it). A failure
  // becomes the error of the grid call that changed it; the grid keeps the
  // change in memory and hands it over again after its next change.
  virtual Status save(const GridState& state) = 0;
};

}  // namespace quarry
