// The grid: which block (server) runs each slice (container), and when the
// cluster must grow or shrink. Pure logic: it hands its state to a GridSink
// after each change (the sink does the I/O) and emits events.
//
// Every slice is in exactly one place: on one block, or pending. A block's
// used capacity is the sum of its slices' sizes and never exceeds its
// capacity in either dimension.
//
// Growing (options.autosize): a slice that no block can take waits as
// pending and the grid emits on_create for a server of options.block_size.
// Later pending slices ride on requests already in flight when they fit, and
// blocks plus requests in flight never exceed options.max_blocks. The caller
// answers with add_block(spec, request) or create_failed(request, error); a
// failure loses nothing: the slices stay pending, the error is kept
// (errors()) and the next tick() asks again.
//
// Shrinking (options.autosize): tick() destroys empty blocks while there are
// more than min_blocks, but only blocks older than min_age_ms whose load has
// stayed under low_watermark for low_for_ms: a block just created, or
// emptied a moment ago, stays, so the grid does not flap.
//
// Every mutating call delivers its events (GridEvents) and then hands the
// grid's state to its sink, when it has one. A failed save is the call's
// error; the change itself stays made in memory and the next successful save
// writes it.
// Not thread-safe: one thread (or one lock) per grid.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "grid/block.h"
#include "grid/clock.h"
#include "grid/grid_events.h"
#include "grid/grid_sink.h"
#include "grid/grid_state.h"
#include "grid/id_table.h"
#include "grid/placement_policy.h"
#include "grid/replica_blocks.h"
#include "grid/repack.h"
#include "grid/slice.h"

namespace quarry {

// Whether stack containers may run on the router server (a block tagged
// role=router): only when no other block fits, or never. A slice that itself
// requires role=router goes there either way.
enum class RouterUse { LastResort, Never };

// "last-resort" / "never"; nullopt for anything else.
std::optional<RouterUse> parse_router_use(std::string_view text);

struct GridOptions {
  bool autosize = false;                 // emit create and destroy
  std::size_t min_blocks = 0;            // autosize never destroys below this
  std::size_t max_blocks = 0;            // blocks + creates in flight; 0 = no limit
  Resources block_size{8192, 4000};      // the server asked for by on_create
  double low_watermark = 0.25;           // load under which a block counts as light
  std::int64_t low_for_ms = 10 * 60 * 1000;   // how long light before destroy
  std::int64_t min_age_ms = 30 * 60 * 1000;   // how old before destroy, or before repack empties it
  std::size_t max_errors = 20;           // errors() keeps the latest this many
  RouterUse router = RouterUse::LastResort;  // stack containers on the router server
  std::size_t repack_max_moves = 500;    // moves in one plan_repack(); 0 = no limit
};

// What the grid uses but does not own. All may be null; a null clock means the
// system clock; a null sink: the grid is not saved.
struct GridDeps {
  GridEvents* events = nullptr;
  const Clock* clock = nullptr;
  GridSink* sink = nullptr;
};

struct Placement {
  std::optional<std::string> block;  // nullopt: pending
  bool pending() const { return !block.has_value(); }
};

struct DrainResult {
  std::vector<Move> moved;             // slices now on another block
  std::vector<std::string> pending;    // slices that found no block and wait
};

class Grid {
 public:
  Grid(GridOptions options, std::unique_ptr<PlacementPolicy> policy, GridDeps deps = {});
  Grid(Grid&&) = default;
  Grid& operator=(Grid&&) = default;

  // Rebuilds a grid from a snapshot without emitting events or saving.
  // Fails, naming the block or slice, when the state is inconsistent: a
  // duplicate id, an invalid slice, a block over capacity or lacking a tag
  // one of its slices requires.
  static Result<Grid> restore(const GridState& state, GridOptions options,
                              std::unique_ptr<PlacementPolicy> policy, GridDeps deps = {});

  // Places a slice with the policy, or leaves it pending (and, with
  // autosize, asks for a server). Fails on an invalid slice or a duplicate
  // id, changing nothing. The result reflects the state after the events
  // were delivered (an on_create handler that adds a block at once places it).
  Result<Placement> add_slice(const Slice& slice);
  // Frees exactly what the slice used; pending slices that now fit the freed
  // block are placed. Fails on an unknown id.
  Status remove_slice(std::string_view slice_id);

  // Adds a server. `request` answers an on_create; without one the block
  // must fit under max_blocks. Pending slices that fit are placed on it.
  Status add_block(const BlockSpec& spec, std::optional<std::uint64_t> request = std::nullopt);
  // Takes a block out: its nodes are placed elsewhere first, then, only when
  // `move_services` is set, its services; what fits nowhere waits as
  // pending. Fails, changing nothing, when the block holds services and
  // `move_services` is not set, or the id is unknown.
  Result<DrainResult> remove_block(std::string_view block_id, bool move_services = false);
  // Changes a block's capacity. Fails, changing nothing, when the block's
  // slices would no longer fit.
  Status resize_block(std::string_view block_id, const Resources& capacity);
  // The cloud could not create the server for `request`: its slices stay
  // pending and the error is recorded. Fails on an unknown request.
  Status create_failed(std::uint64_t request, const Error& error);
  // Housekeeping, called periodically: asks again for servers for pending
  // slices that have no request in flight, and destroys empty blocks that
  // are past their hysteresis (autosize only).
  Status tick();

  // A consolidation plan over the current state (see repack.h).
  RepackPlan plan_repack() const;
  // Records that a move was carried out. Fails, changing nothing, unless the
  // slice is on move.from and move.to can hold it (capacity and tags).
  Status apply_move(const Move& move);

  GridState snapshot() const;
  // nullopt for an unknown slice.
  std::optional<Placement> placement(std::string_view slice_id) const;
  std::optional<Block> block(std::string_view block_id) const;
  std::size_t block_count() const { return live_blocks_; }
  std::size_t slice_count() const { return slice_ids_.size(); }
  std::size_t pending_count() const { return pending_.size(); }
  std::size_t creating_count() const { return creating_.size(); }
  const std::vector<std::string>& errors() const { return errors_; }
  std::string_view policy_name() const { return policy_->name(); }
  const GridOptions& options() const { return options_; }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using IdMap = std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>>;
  // The ids a record holds, for the IdTables.
  struct SliceIdOf {
    const Grid* grid;
    std::string_view operator()(std::uint32_t s) const { return grid->slices_[s].slice.id; }
  };
  struct NodeIdOf {
    const Grid* grid;
    std::string_view operator()(std::uint32_t n) const { return grid->nodes_[n].key; }
  };

  struct BlockRec {
    Block block;
    std::vector<std::uint32_t> slices;
    bool alive = false;
    bool indexed = false;  // known to its policy: may take new slices
    bool router = false;   // tagged role=router: indexed in router_policy_
  };
  struct SliceRec {
    Slice slice;
    std::uint32_t block = kNone;
    std::uint32_t pos = 0;           // index in its block's slice list
    std::uint32_t node = 0;
    std::uint64_t pending_seq = 0;
    std::uint64_t request = 0;       // the create request it waits on; 0: none
    bool alive = false;
  };
  struct NodeRec {
    std::string key;
    std::uint32_t refs = 0;
    ReplicaBlocks replicas;  // the blocks holding its replicas
  };
  struct Creating {
    CreateRequest request;
    Resources planned_free;  // what pending slices riding on it leave over
  };
  struct Event {
    enum class Kind { Create, Destroy, Added, Removed } kind = Kind::Added;
    CreateRequest request;
    Block block;
    Slice slice;
  };

  // grid.cc
  std::optional<std::uint32_t> find_block(std::string_view id) const;
  std::optional<std::uint32_t> find_slice(std::string_view id) const;
  std::uint32_t new_block(const BlockSpec& spec);
  std::uint32_t intern_node(std::string_view key, std::uint64_t hash);
  void release_node(std::uint32_t node);
  void attach(std::uint32_t s, std::uint32_t b);
  void detach(std::uint32_t s);
  void unindex(std::uint32_t b);
  void reindex(std::uint32_t b);
  void update_low(BlockRec& rec);
  std::optional<std::uint32_t> choose(std::uint32_t s) const;
  bool fits(std::uint32_t s, std::uint32_t b) const;
  bool may_use(std::uint32_t s, std::uint32_t b) const;
  PlacementPolicy& policy_of(std::uint32_t b) { return blocks_[b].router ? *router_policy_ : *policy_; }
  void emit_slice(Event::Kind kind, std::uint32_t s, std::uint32_t b);
  Event& emit(Event::Kind kind);
  Status finish();
  std::int64_t now() const { return clock_->now_ms(); }

  // grid_pending.cc
  void make_pending(std::uint32_t s);
  void unpend(std::uint32_t s);
  void plan_create(std::uint32_t s);
  void place_pending_on(std::uint32_t b);
  void plan_orphans();
  void destroy_idle_blocks();
  void record_error(std::string message);

  GridOptions options_;
  std::unique_ptr<PlacementPolicy> policy_;
  std::unique_ptr<PlacementPolicy> router_policy_;  // the router blocks, asked last
  GridEvents* events_;
  const Clock* clock_;
  GridSink* sink_;

  std::vector<BlockRec> blocks_;
  std::vector<std::uint32_t> free_blocks_;
  IdMap block_ids_;
  std::size_t live_blocks_ = 0;
  std::vector<SliceRec> slices_;
  std::vector<std::uint32_t> free_slices_;
  IdTable slice_ids_;
  std::vector<NodeRec> nodes_;
  std::vector<std::uint32_t> free_nodes_;
  IdTable node_ids_;
  std::map<std::uint64_t, std::uint32_t> pending_;  // arrival order -> slice
  std::uint64_t next_seq_ = 1;
  std::map<std::uint64_t, Creating> creating_;
  std::uint64_t next_request_ = 1;
  std::vector<std::string> errors_;
  std::deque<Event> queue_;
  bool flushing_ = false;
};

}  // namespace quarry
