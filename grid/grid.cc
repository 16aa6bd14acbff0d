#include "grid/grid.h"

#include <algorithm>

#include "core/text.h"
#include "grid/repack_input.h"

namespace quarry {

namespace {
const SystemClock kSystemClock;

bool requires_router(const Slice& slice) { return is_router(slice.required_tags); }

std::string describe(const Resources& r) {
  return std::to_string(r.memory_mb) + "MB/" + std::to_string(r.cpu_millis) + "m";
}
}  // namespace

std::optional<RouterUse> parse_router_use(std::string_view text) {
  if (text == "last-resort") return RouterUse::LastResort;
  if (text == "never") return RouterUse::Never;
  return std::nullopt;
}

Grid::Grid(GridOptions options, std::unique_ptr<PlacementPolicy> policy, GridDeps deps)
    : options_(std::move(options)),
      policy_(std::move(policy)),
      router_policy_(policy_->fresh()),
      events_(deps.events),
      clock_(deps.clock ? deps.clock : &kSystemClock),
      sink_(deps.sink) {}

std::optional<std::uint32_t> Grid::find_block(std::string_view id) const {
  auto it = block_ids_.find(id);
  if (it == block_ids_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::uint32_t> Grid::find_slice(std::string_view id) const {
  return slice_ids_.find(id, SliceIdOf{this});
}

std::uint32_t Grid::new_block(const BlockSpec& spec) {
  std::uint32_t b;
  if (!free_blocks_.empty()) {
    b = free_blocks_.back();
    free_blocks_.pop_back();
  } else {
    b = static_cast<std::uint32_t>(blocks_.size());
    blocks_.emplace_back();
  }
  auto& rec = blocks_[b];
  rec = BlockRec{};
  rec.block.id = spec.id;
  rec.block.capacity = spec.capacity;
  rec.block.tags = spec.tags;
  rec.block.created_ms = now();
  rec.alive = true;
  rec.router = is_router(spec.tags);
  update_low(rec);
  block_ids_.emplace(spec.id, b);
  ++live_blocks_;
  reindex(b);
  return b;
}

std::uint32_t Grid::intern_node(std::string_view key, std::uint64_t hash) {
  if (auto found = node_ids_.find(key, hash, NodeIdOf{this})) {
    ++nodes_[*found].refs;
    return *found;
  }
  std::uint32_t n;
  if (!free_nodes_.empty()) {
    n = free_nodes_.back();
    free_nodes_.pop_back();
  } else {
    n = static_cast<std::uint32_t>(nodes_.size());
    nodes_.emplace_back();
  }
  // A reused record keeps its buffers: interning a node allocates nothing
  // once the grid has held as many nodes before.
  auto& node = nodes_[n];
  node.key.assign(key);
  node.replicas.clear();
  node.refs = 1;
  node_ids_.insert(key, hash, n, NodeIdOf{this});
  return n;
}

void Grid::release_node(std::uint32_t n) {
  if (--nodes_[n].refs > 0) return;
  node_ids_.erase(nodes_[n].key, NodeIdOf{this});
  nodes_[n].key.clear();
  free_nodes_.push_back(n);
}

void Grid::unindex(std::uint32_t b) {
  auto& rec = blocks_[b];
  if (!rec.indexed) return;
  policy_of(b).erase(b, rec.block.free());
  rec.indexed = false;
}

void Grid::reindex(std::uint32_t b) {
  auto& rec = blocks_[b];
  policy_of(b).insert(b, rec.block.free(), rec.block.tags);
  rec.indexed = true;
}

void Grid::update_low(BlockRec& rec) {
  bool low = rec.block.load() < options_.low_watermark;
  if (!low) {
    rec.block.low_since_ms.reset();
  } else if (!rec.block.low_since_ms) {
    rec.block.low_since_ms = now();
  }
}

void Grid::attach(std::uint32_t s, std::uint32_t b) {
  auto& sl = slices_[s];
  auto& rec = blocks_[b];
  rec.block.used += sl.slice.size;
  sl.block = b;
  sl.pos = static_cast<std::uint32_t>(rec.slices.size());
  rec.slices.push_back(s);
  nodes_[sl.node].replicas.add(b);
  update_low(rec);
  if (rec.indexed) policy_of(b).update(b, rec.block.free());
}

void Grid::detach(std::uint32_t s) {
  auto& sl = slices_[s];
  auto b = sl.block;
  auto& rec = blocks_[b];
  rec.block.used -= sl.slice.size;
  auto last = rec.slices.back();
  rec.slices[sl.pos] = last;
  slices_[last].pos = sl.pos;
  rec.slices.pop_back();
  nodes_[sl.node].replicas.remove(b);
  sl.block = kNone;
  update_low(rec);
  if (rec.indexed) policy_of(b).update(b, rec.block.free());
}

bool Grid::fits(std::uint32_t s, std::uint32_t b) const {
  const auto& rec = blocks_[b];
  const auto& slice = slices_[s].slice;
  return rec.alive && rec.block.free().holds(slice.size) && tags_satisfy(rec.block.tags, slice.required_tags) &&
         may_use(s, b);
}

bool Grid::may_use(std::uint32_t s, std::uint32_t b) const {
  return !blocks_[b].router || options_.router == RouterUse::LastResort || requires_router(slices_[s].slice);
}

std::optional<std::uint32_t> Grid::choose(std::uint32_t s) const {
  const auto& sl = slices_[s];
  PlacementRequest request{sl.slice.size, sl.slice.required_tags.empty() ? nullptr : &sl.slice.required_tags,
                           nodes_[sl.node].replicas.blocks()};
  // The router server only when no other block fits (or never, by setting);
  // anti-affinity still comes first: a router that keeps replicas apart
  // beats a server that would join one.
  auto b = policy_->choose(request);
  auto avoided = [&](std::optional<BlockSlot> x) {
    return x && std::find(request.avoid.begin(), request.avoid.end(), *x) != request.avoid.end();
  };
  if ((!b || avoided(b)) && (options_.router == RouterUse::LastResort || requires_router(sl.slice))) {
    auto r = router_policy_->choose(request);
    if (r && (!b || !avoided(r))) b = r;
  }
  // The policy is trusted for quality, never for safety.
  if (!b || *b >= blocks_.size() || !blocks_[*b].indexed || !fits(s, *b)) return std::nullopt;
  return b;
}

void Grid::emit_slice(Event::Kind kind, std::uint32_t s, std::uint32_t b) {
  if (!events_) return;
  auto& e = emit(kind);
  e.block = blocks_[b].block;
  e.slice = slices_[s].slice;
}

Grid::Event& Grid::emit(Event::Kind kind) {
  queue_.emplace_back();
  queue_.back().kind = kind;
  return queue_.back();
}

Status Grid::finish() {
  if (events_ && !flushing_) {
    flushing_ = true;
    while (!queue_.empty()) {
      auto event = std::move(queue_.front());
      queue_.pop_front();
      switch (event.kind) {
        case Event::Kind::Create: events_->on_create(event.request); break;
        case Event::Kind::Destroy: events_->on_destroy(event.block); break;
        case Event::Kind::Added: events_->on_added(event.slice, event.block); break;
        case Event::Kind::Removed: events_->on_removed(event.slice, event.block); break;
      }
    }
    flushing_ = false;
  }
  if (!sink_) return {};
  return sink_->save(snapshot());
}

Result<Placement> Grid::add_slice(const Slice& slice) {
  // The two table slots and the record are far apart in a big grid: ask
  // for all three before the checks, so that their misses overlap.
  auto slice_hash = IdTable::hash(slice.id);
  slice_ids_.prefetch(slice_hash);
  auto key = slice.node_key();
  auto node_hash = IdTable::hash(key);
  node_ids_.prefetch(node_hash);
  auto s = free_slices_.empty() ? static_cast<std::uint32_t>(slices_.size()) : free_slices_.back();
  if (s < slices_.size()) __builtin_prefetch(&slices_[s]);
  if (auto ok = validate_slice(slice); !ok) return fail(ok.error());
  // One hash probe both checks for a duplicate and records the id.
  if (!slice_ids_.insert(slice.id, slice_hash, s, SliceIdOf{this}))
    return fail("slice '" + slice.id + "' is already in the grid");
  if (s == slices_.size()) slices_.emplace_back();
  else free_slices_.pop_back();
  auto& sl = slices_[s];
  sl.slice = slice;
  sl.block = kNone;
  sl.node = intern_node(key, node_hash);
  sl.pending_seq = 0;
  sl.request = 0;
  sl.alive = true;
  if (auto b = choose(s)) {
    attach(s, *b);
    emit_slice(Event::Kind::Added, s, *b);
  } else {
    make_pending(s);
    plan_create(s);
  }
  bool handlers = events_ && !queue_.empty();
  auto status = finish();
  if (!status) return fail(status.error());
  // A handler may have moved or removed the slice; without one, its slot is
  // still current and spares a lookup.
  if (handlers) {
    auto now_at = placement(slice.id);
    return now_at ? *now_at : Placement{};
  }
  if (slices_[s].block == kNone) return Placement{};
  return Placement{blocks_[slices_[s].block].block.id};
}

Status Grid::remove_slice(std::string_view slice_id) {
  auto s = find_slice(slice_id);
  if (!s) return fail("no slice '" + std::string(slice_id) + "' in the grid");
  auto& sl = slices_[*s];
  auto b = sl.block;
  if (b != kNone) {
    detach(*s);
    emit_slice(Event::Kind::Removed, *s, b);
  } else {
    unpend(*s);
  }
  release_node(sl.node);
  slice_ids_.erase(sl.slice.id, SliceIdOf{this});
  // Keep the record's buffers for the next slice that takes this slot.
  sl.slice.id.clear();
  sl.slice.required_tags.clear();
  sl.alive = false;
  free_slices_.push_back(*s);
  if (b != kNone) place_pending_on(b);
  return finish();
}

Status Grid::add_block(const BlockSpec& spec, std::optional<std::uint64_t> request) {
  if (spec.id.empty()) return fail("a block needs an id");
  if (block_ids_.contains(spec.id)) return fail("block '" + spec.id + "' is already in the grid");
  if (spec.capacity.memory_mb <= 0 || spec.capacity.cpu_millis < 0)
    return fail("block '" + spec.id + "': capacity must have positive memory and non-negative cpu");
  if (request) {
    if (!creating_.erase(*request)) return fail("no create request " + std::to_string(*request) + " in flight");
  } else if (options_.max_blocks && live_blocks_ + creating_.size() >= options_.max_blocks) {
    return fail("grid is at its max of " + std::to_string(options_.max_blocks) + " blocks");
  }
  auto b = new_block(spec);
  place_pending_on(b);
  plan_orphans();
  return finish();
}

Result<DrainResult> Grid::remove_block(std::string_view block_id, bool move_services) {
  auto b = find_block(block_id);
  if (!b) return fail("no block '" + std::string(block_id) + "' in the grid");
  std::vector<std::uint32_t> order;
  std::vector<std::string> services;
  for (auto s : blocks_[*b].slices) {
    if (!slices_[s].slice.is_service) order.push_back(s);
    else services.push_back(slices_[s].slice.id);
  }
  if (!services.empty() && !move_services) {
    std::sort(services.begin(), services.end(), natural_less);
    return fail("block '" + std::string(block_id) + "' holds services (" + join(services, ", ") +
                "); drain it with services moved to take it out");
  }
  for (auto s : blocks_[*b].slices)
    if (slices_[s].slice.is_service) order.push_back(s);
  unindex(*b);
  --live_blocks_;  // a drained slice that must wait may ask for a server in its stead
  DrainResult result;
  for (auto s : order) {
    auto to = choose(s);
    detach(s);
    if (to) {
      attach(s, *to);
      emit_slice(Event::Kind::Added, s, *to);
      emit_slice(Event::Kind::Removed, s, *b);
      result.moved.push_back(Move{slices_[s].slice.id, std::string(block_id), blocks_[*to].block.id});
    } else {
      emit_slice(Event::Kind::Removed, s, *b);
      make_pending(s);
      plan_create(s);
      result.pending.push_back(slices_[s].slice.id);
    }
  }
  block_ids_.erase(blocks_[*b].block.id);
  blocks_[*b] = BlockRec{};
  free_blocks_.push_back(*b);
  auto status = finish();
  if (!status) return fail(status.error());
  return result;
}

Status Grid::resize_block(std::string_view block_id, const Resources& capacity) {
  auto b = find_block(block_id);
  if (!b) return fail("no block '" + std::string(block_id) + "' in the grid");
  auto& rec = blocks_[*b];
  if (!capacity.holds(rec.block.used) || capacity.memory_mb <= 0 || capacity.cpu_millis < 0)
    return fail("block '" + std::string(block_id) + "' cannot shrink to " + describe(capacity) + ": its slices use " +
                describe(rec.block.used));
  unindex(*b);
  rec.block.capacity = capacity;
  update_low(rec);
  reindex(*b);
  place_pending_on(*b);
  return finish();
}

Status Grid::apply_move(const Move& move) {
  auto s = find_slice(move.slice);
  auto from = find_block(move.from);
  auto to = find_block(move.to);
  auto bad = [&](const std::string& why) { return fail("move " + move.slice + " from " + move.from + " to " + move.to + ": " + why); };
  if (!s || !from || !to) return bad("unknown slice or block");
  if (slices_[*s].block != *from) return bad("the slice is not on " + move.from);
  if (*from == *to) return bad("source and target are the same block");
  if (!blocks_[*to].indexed || !fits(*s, *to)) return bad(move.to + " cannot hold it");
  detach(*s);
  attach(*s, *to);
  emit_slice(Event::Kind::Added, *s, *to);
  emit_slice(Event::Kind::Removed, *s, *from);
  return finish();
}

// The planners' input straight from the records: in the order of a
// snapshot (blocks and their slices by id), without copying a slice or
// hashing a node key again.
RepackPlan Grid::plan_repack() const {
  PackInput input;
  std::vector<std::uint32_t> order;
  for (std::uint32_t b = 0; b < blocks_.size(); ++b) {
    if (!blocks_[b].alive) continue;
    order.push_back(b);
    input.reference.memory_mb = std::max(input.reference.memory_mb, blocks_[b].block.capacity.memory_mb);
    input.reference.cpu_millis = std::max(input.reference.cpu_millis, blocks_[b].block.capacity.cpu_millis);
  }
  auto by_id = [](const std::string& a, const std::string& b) { return natural_less(a, b); };
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return by_id(blocks_[a].block.id, blocks_[b].block.id); });
  input.bins.reserve(order.size());
  input.items.reserve(slice_ids_.size());
  input.node_bins.resize(nodes_.size());
  std::vector<std::uint32_t> slices;
  for (auto b : order) {
    const auto& rec = blocks_[b];
    slices = rec.slices;
    std::sort(slices.begin(), slices.end(),
              [&](std::uint32_t x, std::uint32_t y) { return by_id(slices_[x].slice.id, slices_[y].slice.id); });
    auto bin = add_bin(input, rec.block);
    for (auto s : slices) add_item(input, bin, slices_[s].slice, slices_[s].node);
  }
  return quarry::plan_repack(std::move(input),
                             RepackOptions{now(), options_.min_age_ms, options_.min_blocks, options_.repack_max_moves});
}

std::optional<Placement> Grid::placement(std::string_view slice_id) const {
  auto s = find_slice(slice_id);
  if (!s) return std::nullopt;
  auto b = slices_[*s].block;
  if (b == kNone) return Placement{};
  return Placement{blocks_[b].block.id};
}

std::optional<Block> Grid::block(std::string_view block_id) const {
  auto b = find_block(block_id);
  if (!b) return std::nullopt;
  return blocks_[*b].block;
}

}  // namespace quarry
