#include "launcher/grid_placer.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "store/grid_store.h"
#include "grid/policies.h"
#include "store/store_json.h"

namespace quarry {

namespace {

// Forwards grid events to the ServerSource. Creation is synchronous: the new
// server becomes a block before add_slice returns.
class SourceEvents : public GridEvents {
 public:
  SourceEvents(Store& store, ServerSource* source) : store_(store), source_(source) {}
  void attach(Grid* grid) { grid_ = grid; }
  void on_create(const CreateRequest& request) override {
    if (!source_ || !grid_) return;
    auto server = source_->create(request.size, request.tags);
    if (!server) {
      (void)grid_->create_failed(request.id, server.error());
      error_ = server.error();
      return;
    }
    (void)grid_->add_block(block_spec(*server), request.id);
  }
  void on_destroy(const Block& block) override {
    if (!source_) return;
    auto server = load_server(store_, block.id);
    if (server && *server) {
      if (auto s = source_->destroy(**server); !s) error_ = s.error();
    }
  }
  void on_added(const Slice&, const Block&) override {}
  void on_removed(const Slice&, const Block&) override {}
  const std::optional<Error>& error() const { return error_; }

 private:
  Store& store_;
  ServerSource* source_;
  Grid* grid_ = nullptr;
  std::optional<Error> error_;
};

}  // namespace

Result<GridSettings> load_grid_settings(Store& store) {
  GridSettings s;
  auto doc = get_json(store, "etc/grid.json");
  if (!doc) return std::unexpected(doc.error());
  if (!*doc) return s;
  const auto& j = **doc;
  try {
    s.policy = j.value("policy", s.policy);
    s.autosize = j.value("autosize", s.autosize);
    auto min = j.value("min", static_cast<std::int64_t>(s.min_blocks));
    auto max = j.value("max", static_cast<std::int64_t>(s.max_blocks));
    if (min < 0 || max < 0) return fail(store.locate("etc/grid.json") + ": min and max are numbers of servers, 0 or more");
    s.min_blocks = static_cast<std::size_t>(min);
    s.max_blocks = static_cast<std::size_t>(max);
    s.block_size.memory_mb = j.value("block_memory", s.block_size.memory_mb);
    s.block_size.cpu_millis = static_cast<std::int64_t>(std::lround(j.value("block_cpu", 2.0) * 1000));
    auto router = parse_router_use(j.value("router", std::string("last-resort")));
    if (!router) return fail(store.locate("etc/grid.json") + ": \"router\" must be \"last-resort\" or \"never\"");
    s.router = *router;
  } catch (const nlohmann::json::exception&) {
    return fail(store.locate("etc/grid.json") + ": a setting has the wrong type");
  }
  if (s.max_blocks < 1)
    return fail(store.locate("etc/grid.json") + ": max must be 1 or more (0 is not \"unlimited\"; give a number of servers)");
  if (s.min_blocks > s.max_blocks) return fail(store.locate("etc/grid.json") + ": min is above max");
  return s;
}

BlockSpec block_spec(const ServerRecord& server) {
  return BlockSpec{server.id,
                   Resources{server.memory_mb, static_cast<std::int64_t>(std::lround(server.cpu * 1000))},
                   parse_tags(server.tags)};
}

template <class F>
auto GridPlacer::with_grid(F&& f) -> decltype(f(std::declval<Grid&>())) {
  auto lock = store_.lock("grid", "grid placement");
  if (!lock) return std::unexpected(lock.error());
  auto settings = load_grid_settings(store_);
  if (!settings) return std::unexpected(settings.error());
  auto state = load_grid(store_, kGridKey);
  if (!state) return std::unexpected(state.error());
  auto policy = make_policy(settings->policy);
  if (!policy) return std::unexpected(policy.error());
  GridOptions options;
  options.autosize = settings->autosize && source_ != nullptr;
  options.min_blocks = settings->min_blocks;
  options.max_blocks = settings->max_blocks;
  options.block_size = settings->block_size;
  options.router = settings->router;
  SourceEvents events(store_, source_);
  auto grid = Grid::restore(*state, options, std::move(*policy), GridDeps{&events, clock_, &sink_});
  if (!grid) return std::unexpected(grid.error().context(store_.locate(std::string(kGridKey))));
  events.attach(&*grid);
  return f(*grid);
}

Result<std::string> GridPlacer::place(const Slice& slice) { return place_avoiding(slice, {}); }

Result<std::string> GridPlacer::place_avoiding(const Slice& slice, const std::set<std::string>& avoid) {
  return with_grid([&](Grid& grid) -> Result<std::string> {
    std::map<std::string, Resources> cordoned;
    for (const auto& id : avoid) {
      auto b = grid.block(id);
      if (!b) continue;
      Resources shrunk = b->used;
      shrunk.memory_mb = std::max<std::int64_t>(shrunk.memory_mb, 1);  // a block keeps some memory
      if (grid.resize_block(id, shrunk)) cordoned[id] = b->capacity;
    }
    auto placed = grid.add_slice(slice);
    for (const auto& [id, capacity] : cordoned) (void)grid.resize_block(id, capacity);
    if (!placed) return std::unexpected(placed.error());
    if (placed->pending()) {
      std::string why = grid.errors().empty() ? "" : ": " + grid.errors().back();
      (void)grid.remove_slice(slice.id);
      return fail_remote("no server can take " + slice.id + " (" + std::to_string(slice.size.memory_mb) + " MB, " +
                         std::to_string(slice.size.cpu_millis) + " millicores)" + why +
                         "; add a server with `quarry servers add` or raise the grid's max in etc/grid.json");
    }
    return *placed->block;
  });
}

Status GridPlacer::release(const std::string& slice_id) {
  return with_grid([&](Grid& grid) -> Status {
    if (!grid.placement(slice_id)) return {};
    return grid.remove_slice(slice_id);
  });
}

Result<std::vector<std::string>> GridPlacer::slices(const std::string& prefix) {
  auto lock = store_.lock("grid", "grid listing");
  if (!lock) return std::unexpected(lock.error());
  auto state = load_grid(store_, kGridKey);
  if (!state) return std::unexpected(state.error());
  std::vector<std::string> ids;
  auto add = [&](const Slice& slice) {
    if (slice.id.starts_with(prefix)) ids.push_back(slice.id);
  };
  for (const auto& b : state->blocks) std::for_each(b.slices.begin(), b.slices.end(), add);
  std::for_each(state->pending.begin(), state->pending.end(), add);
  return ids;
}

Status GridPlacer::add_server(const ServerRecord& server) {
  return with_grid([&](Grid& grid) -> Status {
    if (grid.block(server.id)) return grid.resize_block(server.id, block_spec(server).capacity);
    return grid.add_block(block_spec(server));
  });
}

Result<DrainResult> GridPlacer::remove_server(const std::string& server_id, bool move_services) {
  return with_grid([&](Grid& grid) -> Result<DrainResult> {
    if (!grid.block(server_id)) return DrainResult{};
    return grid.remove_block(server_id, move_services);
  });
}

Status GridPlacer::rename_slice(const std::string& from, const std::string& to) {
  return with_grid([&](Grid& grid) -> Status {
    auto at = grid.placement(from);
    if (!at || at->pending()) return fail("slice " + from + " is not on a server");
    if (grid.placement(to)) return fail("slice " + to + " is already in the grid");
    auto state = grid.snapshot();
    for (auto& b : state.blocks)
      for (auto& sl : b.slices)
        if (sl.id == from) sl.id = to;
    auto settings = load_grid_settings(store_);
    if (!settings) return std::unexpected(settings.error());
    auto policy = make_policy(settings->policy);
    if (!policy) return std::unexpected(policy.error());
    auto renamed = Grid::restore(state, grid.options(), std::move(*policy), GridDeps{nullptr, clock_, nullptr});
    if (!renamed) return std::unexpected(renamed.error());
    return save_grid(store_, kGridKey, renamed->snapshot());
  });
}

Result<GridState> GridPlacer::state() {
  auto lock = store_.lock("grid", "grid listing");
  if (!lock) return std::unexpected(lock.error());
  return load_grid(store_, kGridKey);
}

Status GridPlacer::tick() {
  return with_grid([&](Grid& grid) -> Status { return grid.tick(); });
}

}  // namespace quarry
