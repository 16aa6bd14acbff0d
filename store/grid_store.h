// The grid's persistence through the state store: one key, replaced
// atomically (Store::put), so a reader sees the old grid or the new one.
// The grid itself stays pure (grid/grid_sink.h): it serialises to and from
// a document (grid/grid_json.h) and this is where that document is read and
// written.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "grid/grid_sink.h"
#include "grid/grid_state.h"
#include "store/store.h"

namespace quarry {

// The key the grid lives at (DESIGN.md, "State layout").
inline constexpr std::string_view kGridKey = "grid/grid.json";

// Writes the state. Fails, with the store's location in the message, when
// the store does.
Status save_grid(Store& store, std::string_view key, const GridState& state);

// Reads the state; a missing key is an empty grid. Fails on an I/O error or
// a corrupt document, naming where it lives and what is wrong.
Result<GridState> load_grid(Store& store, std::string_view key);

// The sink a grid saves itself through after each change: save_grid() at
// `key`. `store` must outlive the sink.
class StoreGridSink final : public GridSink {
 public:
  explicit StoreGridSink(Store& store, std::string_view key = kGridKey) : store_(store), key_(key) {}
  Status save(const GridState& state) override { return save_grid(store_, key_, state); }

 private:
  Store& store_;
  std::string key_;
};

}  // namespace quarry
