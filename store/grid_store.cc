#include "store/grid_store.h"

#include "grid/grid_json.h"

namespace quarry {

Status save_grid(Store& store, std::string_view key, const GridState& state) {
  auto ok = store.put(key, grid_to_json(state));
  if (!ok) return fail(ok.error().context("save grid to " + store.locate(key)));
  return {};
}

Result<GridState> load_grid(Store& store, std::string_view key) {
  auto text = store.get(key);
  if (!text) return fail(text.error().context("load grid from " + store.locate(key)));
  if (!*text) return GridState{};
  auto state = grid_from_json(**text);
  if (!state) return fail(state.error().context(store.locate(key)));
  return state;
}

}  // namespace quarry
