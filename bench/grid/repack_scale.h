// grid_bench's fleet-scale repack figure: the bench's slices placed by
// best-fit onto its fleet, a third of them removed at random (a fleet after
// a busy day: every block part empty), then one Grid::plan_repack() with the
// grid's default settings. Its time is set against the time best-fit took to
// place the same slices in the same run, and every move of the plan is
// carried out and checked (onto a non-empty block, saving something).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "grid/resources.h"
#include "grid/slice.h"

namespace quarry::bench {

struct RepackScale {
  std::size_t slices_left = 0;    // slices on the grid when the plan is made
  double place_seconds = 0;       // best-fit placing every slice (CPU time)
  double plan_seconds = 0;        // one plan_repack() (CPU time)
  double plan_wall_seconds = 0;
  std::size_t moves = 0, emptied = 0;
  std::size_t used_before = 0, used_after = 0;  // non-empty blocks
  std::size_t bad_moves = 0;      // onto an empty block, refused by apply_move, or a service moved (must be 0)
  std::size_t useless_moves = 0;  // moves while nothing is emptied, or a named block left non-empty (must be 0)
};

RepackScale measure_repack_scale(const std::vector<Slice>& slices, std::size_t blocks, const Resources& block,
                                 std::uint32_t seed);

}  // namespace quarry::bench
