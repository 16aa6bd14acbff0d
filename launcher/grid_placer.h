// The Placer over the slicegrid persisted in the store (grid/grid.json).
// Each call takes the store's "grid" lock, restores the grid, changes it and
// saves it, so deploys of different stacks (even from different processes)
// share one consistent grid. The grid's create and destroy events go to a
// ServerSource when one is given (autosize); without one a full grid is an
// error that says to add a server.
//
// Grid settings live at etc/grid.json: {"policy": "best-fit", "autosize":
// true, "min": 0, "max": 10, "block_memory": 2048, "block_cpu": 2}. "max"
// is at least 1 and at least "min": there is no "unlimited" (a 0 that once
// meant it is refused, naming the file).
#pragma once

#include "grid/grid.h"
#include "launcher/seams.h"
#include "store/grid_store.h"
#include "store/store.h"

namespace quarry {

struct GridSettings {
  std::string policy = "best-fit";
  bool autosize = true;
  std::size_t min_blocks = 0;
  std::size_t max_blocks = 20;
  Resources block_size{2048, 2000};
  RouterUse router = RouterUse::LastResort;  // "router": "last-resort" | "never"
};

Result<GridSettings> load_grid_settings(Store& store);

// The grid's view of a server.
BlockSpec block_spec(const ServerRecord& server);

class GridPlacer : public Placer {
 public:
  // `source` may be null: the grid then never grows by itself.
  // `clock` drives the grid's hysteresis; null: the system clock.
  GridPlacer(Store& store, ServerSource* source, const Clock* clock = nullptr)
      : store_(store), sink_(store), source_(source), clock_(clock) {}

  Result<std::string> place(const Slice& slice) override;
  // Cordons the avoided servers for this one placement: their blocks are
  // shrunk to what they hold, so the policy cannot choose them, and given
  // their capacity back before the grid is saved.
  Result<std::string> place_avoiding(const Slice& slice, const std::set<std::string>& avoid) override;
  Status release(const std::string& slice_id) override;
  // Placed and pending slices, read from the store without changing it.
  Result<std::vector<std::string>> slices(const std::string& prefix) override;

  // A server joined or left the cluster by hand (quarry servers add / rm).
  Status add_server(const ServerRecord& server);
  // Drains the server (its nodes move elsewhere in the grid's books; the
  // caller moves the containers) and removes it.
  Result<DrainResult> remove_server(const std::string& server_id, bool move_services);
  // Gives a placed slice a new id where it is (a moved replica takes the
  // index of the one it replaced). Fails, changing nothing, when `from` is
  // not on a block or `to` is taken.
  Status rename_slice(const std::string& from, const std::string& to);
  // The saved grid, read under the grid's lock, changing nothing.
  Result<GridState> state();
  // Periodic housekeeping: empty blocks past their hysteresis are destroyed.
  Status tick();

 private:
  template <class F>
  auto with_grid(F&& f) -> decltype(f(std::declval<Grid&>()));
  Store& store_;
  StoreGridSink sink_;  // the grid saves itself at grid/grid.json after each change
  ServerSource* source_;
  const Clock* clock_;
};

}  // namespace quarry
