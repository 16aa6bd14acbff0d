// What the grid tells the world. The grid never talks to a cloud: it asks for
// a server through on_create and learns of the answer when the caller calls
// Grid::add_block (with the request's id) or Grid::create_failed.
#pragma once

#include <cstdint>

#include "grid/block.h"
#include "grid/slice.h"

namespace quarry {

// A request for one new server. Counts against the grid's max until it is
// answered, so that several requests in flight never take the grid past max.
struct CreateRequest {
  std::uint64_t id = 0;       // echo it to Grid::add_block or Grid::create_failed
  Resources size;             // the capacity wanted
  Tags tags;                  // tags the new server must carry (a pending slice requires them)
  std::int64_t requested_ms = 0;
  friend bool operator==(const CreateRequest&, const CreateRequest&) = default;
};

// Events are delivered after the grid's state is consistent, in the order they
// happened, on the thread that called the grid. A handler may call back into
// the grid (for example add_block from on_create); the events of that nested
// call are delivered after the current ones.
class GridEvents {
 public:
  virtual ~GridEvents() = default;
  // No block can take a slice: create a server of request.size. The slice
  // stays pending until a block arrives.
  virtual void on_create(const CreateRequest& request) = 0;
  // The grid dropped an empty block (autosize, above min, past hysteresis):
  // give the server back.
  virtual void on_destroy(const Block& block) = 0;
  // A slice now has a place on `block` (at once, or later from pending).
  virtual void on_added(const Slice& slice, const Block& block) = 0;
  // A slice left `block` (removed, drained or moved away).
  virtual void on_removed(const Slice& slice, const Block& block) = 0;
};

}  // namespace quarry
