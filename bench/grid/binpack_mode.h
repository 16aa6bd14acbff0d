// grid_bench's --binpack mode: the grid's online best-fit, the same plus one
// repack, and first-fit decreasing on the OR-Library instances in `dir`,
// per class, against their proven optima.
#pragma once

#include <string>

namespace quarry::bench {

// Prints the table (or with `json`, one object); 1 when the files are missing
// or malformed, with the reason on stderr.
int run_binpack(const std::string& dir, bool json);

}  // namespace quarry::bench
