#include "grid/fit_index.h"

#include <algorithm>
#include <climits>

namespace quarry {

std::int32_t FitIndex::make_node(const Entry& e) {
  // xorshift: priorities only need to be well spread, not unpredictable.
  seed_ ^= seed_ << 13;
  seed_ ^= seed_ >> 17;
  seed_ ^= seed_ << 5;
  Node n{e, e.cpu_millis, seed_, kNil, kNil};
  if (!free_nodes_.empty()) {
    auto t = free_nodes_.back();
    free_nodes_.pop_back();
    nodes_[t] = n;
    return t;
  }
  nodes_.push_back(n);
  return static_cast<std::int32_t>(nodes_.size() - 1);
}

void FitIndex::pull(std::int32_t t) {
  auto& n = nodes_[t];
  n.max_cpu = std::max({n.e.cpu_millis, max_cpu(n.left), max_cpu(n.right)});
}

std::pair<std::int32_t, std::int32_t> FitIndex::split(std::int32_t t, const Entry& key) {
  if (t == kNil) return {kNil, kNil};
  if (nodes_[t].e < key) {
    auto [l, r] = split(nodes_[t].right, key);
    nodes_[t].right = l;
    pull(t);
    return {t, r};
  }
  auto [l, r] = split(nodes_[t].left, key);
  nodes_[t].left = r;
  pull(t);
  return {l, t};
}

std::int32_t FitIndex::merge(std::int32_t a, std::int32_t b) {
  if (a == kNil) return b;
  if (b == kNil) return a;
  if (nodes_[a].priority > nodes_[b].priority) {
    nodes_[a].right = merge(nodes_[a].right, b);
    pull(a);
    return a;
  }
  nodes_[b].left = merge(a, nodes_[b].left);
  pull(b);
  return b;
}

void FitIndex::insert(const Entry& e) {
  auto [l, r] = split(root_, e);
  root_ = merge(merge(l, make_node(e)), r);
  ++size_;
}

bool FitIndex::erase(const Entry& e) {
  auto [l, rest] = split(root_, e);
  Entry next = e;
  ++next.slot;  // slots are unique, so [e, next) holds at most e itself
  auto [mid, r] = split(rest, next);
  bool found = mid != kNil;
  if (found) {
    free_nodes_.push_back(mid);
    --size_;
  }
  root_ = merge(l, r);
  return found;
}

std::optional<FitIndex::Entry> FitIndex::first_from(std::int32_t t, const Entry& low, bool strict,
                                                     std::int64_t cpu) const {
  // Once a node is inside the range its whole right subtree is too, so every
  // failed branch is cut by the max_cpu test at its root: one descent overall.
  while (t != kNil && max_cpu(t) >= cpu) {
    const auto& n = nodes_[t];
    bool inside = strict ? low < n.e : !(n.e < low);
    if (!inside) {
      t = n.right;
      continue;
    }
    if (auto found = first_from(n.left, low, strict, cpu)) return found;
    if (n.e.cpu_millis >= cpu) return n.e;
    t = n.right;
  }
  return std::nullopt;
}

std::optional<FitIndex::Entry> FitIndex::last_before(std::int32_t t, const Entry* high,
                                                      std::int64_t cpu) const {
  while (t != kNil && max_cpu(t) >= cpu) {
    const auto& n = nodes_[t];
    bool inside = high == nullptr || n.e < *high;
    if (!inside) {
      t = n.left;
      continue;
    }
    if (auto found = last_before(n.right, high, cpu)) return found;
    if (n.e.cpu_millis >= cpu) return n.e;
    t = n.left;
  }
  return std::nullopt;
}

std::optional<FitIndex::Entry> FitIndex::tightest(const Resources& need,
                                                  const std::optional<Entry>& after) const {
  Entry low{need.memory_mb, INT64_MIN, 0};
  if (after && low < *after) return first_from(root_, *after, true, need.cpu_millis);
  return first_from(root_, low, false, need.cpu_millis);
}

std::optional<FitIndex::Entry> FitIndex::loosest(const Resources& need,
                                                 const std::optional<Entry>& before) const {
  // The largest entry with enough cpu either has enough memory too, or no
  // entry does: every entry with more memory sorts after it.
  auto found = last_before(root_, before ? &*before : nullptr, need.cpu_millis);
  if (!found || found->memory_mb < need.memory_mb) return std::nullopt;
  return found;
}

}  // namespace quarry
