// `quarry grid`: the allocation as a picture for the terminal. Pure ASCII,
// deterministic, and no line longer than options.width.
//
//   grid: 2 blocks, 3 slices, 1 pending; memory 2.5G/16.0G 15%, cpu 0.8/8.0 10%
//
//   s1                      s2 role=router
//   mem [###.........]  31% mem [..........]   0%
//   ...
//
// One column per block (in id order, wrapping into rows), each with a fill
// bar per dimension, its usage in figures and its slices (services marked
// '*'), followed by the pending slices, the servers being created and the
// recent errors.
#pragma once

#include <cstddef>
#include <string>

#include "grid/grid_state.h"

namespace quarry {

struct PictureOptions {
  std::size_t width = 80;       // at least 24; narrower values are raised to it
  std::size_t max_slices = 16;  // slices listed per column before "+N more"
};

std::string render_grid_picture(const GridState& state, const PictureOptions& options = {});

}  // namespace quarry
