// The OR-Library bin packing instances (Falkenauer's u- and t-classes) with
// their proven optima, and the three ways the bench and the tests pack them:
// the grid's online best-fit, the same followed by one repack, and
// first-fit decreasing (the offline textbook answer, a baseline only).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"

namespace quarry::binpack {

struct Instance {
  std::string name;                  // "u120_00"
  std::int64_t capacity = 0;         // x10, so that t-class sizes are integers
  std::vector<std::int64_t> sizes;   // x10, in file order
  std::size_t optimum = 0;           // from optima.txt
};

// Reads binpack1.txt .. binpack8.txt and optima.txt from `dir`. Fails,
// naming the file and line, when one is missing or malformed.
Result<std::vector<Instance>> load(const std::string& dir);
// The class of an instance: "u120", "t60".
std::string class_of(const Instance& instance);

struct Outcome {
  std::size_t online = 0;     // blocks used after online best-fit
  std::size_t repacked = 0;   // ... and after one repack
  std::size_t moves = 0;      // moves the repack made
  std::size_t onto_empty = 0; // moves onto a block that held nothing (must be 0)
  // After online placement no non-empty block has room for even the
  // smallest item: no move at all keeps the repack rules (a move starts the
  // new copy first and never goes onto an empty block), so no repack can help.
  bool locked = false;
  double place_seconds = 0, repack_seconds = 0;
};

// Places the sizes in `order` through a Grid with best-fit and its default
// settings, one block per size available, then lets the blocks age past the
// grid's min_age and carries out one plan_repack() with apply_move.
Result<Outcome> grid_pack(const Instance& instance, const std::vector<std::size_t>& order);
// First-fit decreasing: the bins it needs.
std::size_t ffd(const Instance& instance);
// File order, or a shuffle with a fixed seed.
std::vector<std::size_t> file_order(const Instance& instance);
std::vector<std::size_t> shuffled_order(const Instance& instance, std::uint32_t seed);

}  // namespace quarry::binpack
