// The blocks holding replicas of one node, and how many on each: what
// anti-affinity steers away from. Up to kInline blocks live inside the
// object itself, so placing or removing a slice of a node with a few
// replicas touches no other memory; beyond that all entries move to the
// heap together, so that blocks() stays one contiguous span. Order is not
// kept. Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace quarry {

class ReplicaBlocks {
 public:
  static constexpr std::uint32_t kInline = 4;

  std::span<const std::uint32_t> blocks() const { return {data(), size_}; }
  // How many replicas sit on `block`; 0 when none.
  std::uint32_t count(std::uint32_t block) const {
    auto i = find(block);
    return i < size_ ? counts()[i] : 0;
  }
  // One more replica on `block`.
  void add(std::uint32_t block) {
    auto i = find(block);
    if (i < size_) {
      ++counts()[i];
      return;
    }
    if (!spilled_ && size_ == kInline) {
      heap_blocks_.assign(inline_blocks_, inline_blocks_ + size_);
      heap_counts_.assign(inline_counts_, inline_counts_ + size_);
      spilled_ = true;
    }
    if (spilled_) {
      heap_blocks_.push_back(block);
      heap_counts_.push_back(1);
    } else {
      inline_blocks_[size_] = block;
      inline_counts_[size_] = 1;
    }
    ++size_;
  }
  // One replica fewer on `block`; nothing happens when it holds none.
  void remove(std::uint32_t block) {
    auto i = find(block);
    if (i >= size_ || --counts()[i] > 0) return;
    auto last = size_ - 1;
    data()[i] = data()[last];
    counts()[i] = counts()[last];
    if (spilled_) {
      heap_blocks_.pop_back();
      heap_counts_.pop_back();
    }
    size_ = last;
  }
  // Empty again, keeping the heap's capacity for the next node.
  void clear() {
    heap_blocks_.clear();
    heap_counts_.clear();
    spilled_ = false;
    size_ = 0;
  }

 private:
  const std::uint32_t* data() const { return spilled_ ? heap_blocks_.data() : inline_blocks_; }
  std::uint32_t* data() { return spilled_ ? heap_blocks_.data() : inline_blocks_; }
  std::uint32_t* counts() { return spilled_ ? heap_counts_.data() : inline_counts_; }
  const std::uint32_t* counts() const { return spilled_ ? heap_counts_.data() : inline_counts_; }
  std::uint32_t find(std::uint32_t block) const {
    return std::uint32_t(std::find(data(), data() + size_, block) - data());
  }

  std::uint32_t size_ = 0;
  bool spilled_ = false;
  std::uint32_t inline_blocks_[kInline] = {};
  std::uint32_t inline_counts_[kInline] = {};
  std::vector<std::uint32_t> heap_blocks_, heap_counts_;
};

}  // namespace quarry
