// The grid of `quarry run`: one block, "local", this machine. Every slice
// lands there; the block is sized from the machine (memory and cores) when
// a size is given, and unlimited otherwise, so a stack that would not fit
// a cluster server still runs for development. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "grid/resources.h"
#include "launcher/seams.h"

namespace quarry {

inline constexpr const char* kLocalServer = "local";

class LocalPlacer : public Placer {
 public:
  // `capacity` with zero memory means unlimited.
  explicit LocalPlacer(Resources capacity = {}) : capacity_(capacity) {}

  // "local", or an error naming the slice when a sized block is full.
  // Placing an id that is already placed succeeds without counting it twice.
  Result<std::string> place(const Slice& slice) override;
  Status release(const std::string& slice_id) override;

  // What the placed slices take together.
  Resources used() const;

 private:
  Resources capacity_;
  mutable std::mutex mu_;
  std::map<std::string, Resources> placed_;
};

// This machine's memory (MiB) and cores, for a sized LocalPlacer and the
// "local" ServerRecord; zero when unreadable.
Resources machine_resources();

}  // namespace quarry
