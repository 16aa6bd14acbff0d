// Blocks bucketed by free memory, for placement without a tree walk.
//
// Every block sits in the bucket of its exact free memory (in MB; above
// kMaxKey all share the last bucket). A bucket is a list in insertion order;
// a two-level bitmap marks the non-empty buckets, so "the next non-empty
// bucket at or above this much memory" is a few word scans. Each bucket, and
// each run of 64 buckets, keeps an upper bound of its blocks' free cpu, so a
// search steps over buckets that cannot hold the cpu a request needs. A
// bound rises on insert and is made exact whenever a search has looked at
// every block it covers, so a bucket of cpu-starved blocks is scanned once,
// not at every request.
//
// Insert and erase are O(1) and allocate nothing once the tables have grown
// to the largest key and slot seen. Not thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "grid/resources.h"

namespace quarry {

class FreeBuckets {
 public:
  using Slot = std::uint32_t;
  // What a search does with a block that holds the request.
  enum class Verdict { Take, Fallback, Skip };
  static constexpr std::int64_t kMaxKey = std::int64_t(1) << 22;  // 4 TB in MB

  // Adds a block; a slot is inserted at most once until erased.
  void insert(Slot slot, const Resources& free);
  void erase(Slot slot);
  bool contains(Slot slot) const { return slot < entries_.size() && entries_[slot].key >= 0; }
  std::size_t size() const { return size_; }

  // A block with the least free memory that holds `need` and that `judge`
  // takes; failing that, the first one it marked Fallback. Among blocks of
  // equal free memory, the one inserted first.
  template <class Judge>
  std::optional<Slot> tightest(const Resources& need, Judge&& judge) const;
  // The same with the most free memory.
  template <class Judge>
  std::optional<Slot> loosest(const Resources& need, Judge&& judge) const;

 private:
  static constexpr Slot kNil = std::numeric_limits<Slot>::max();
  static constexpr std::int64_t kNoCpu = std::numeric_limits<std::int64_t>::min();
  struct Entry {
    std::int64_t memory = 0, cpu = 0;
    std::int64_t key = -1;  // -1: not in the index
    Slot prev = kNil, next = kNil;
  };
  struct Bucket {
    Slot head = kNil, tail = kNil;
  };

  static std::int64_t key_of(std::int64_t memory) { return memory < 0 ? 0 : memory < kMaxKey ? memory : kMaxKey; }
  void grow(std::int64_t key);
  void mark(std::int64_t key, bool on);
  // The lowest non-empty bucket >= key, or -1.
  std::int64_t next_set(std::int64_t key) const;
  // The highest non-empty bucket <= key, or -1.
  std::int64_t prev_set(std::int64_t key) const;
  // Scans one bucket; tightens its bound when it looked at every block.
  template <class Judge>
  std::optional<Slot> scan(std::int64_t key, const Resources& need, Judge& judge, std::optional<Slot>& fallback) const;

  std::vector<Entry> entries_;               // by slot
  std::vector<Bucket> buckets_;              // by key
  mutable std::vector<std::int64_t> bucket_cpu_;  // an upper bound of free cpu in each bucket
  std::vector<std::uint64_t> words_;         // bit per bucket
  std::vector<std::uint64_t> summary_;       // bit per non-zero word
  mutable std::vector<std::int64_t> word_cpu_;  // an upper bound of free cpu in each word's buckets
  std::int64_t top_ = -1;                    // the largest key seen
  std::size_t size_ = 0;
};

template <class Judge>
std::optional<FreeBuckets::Slot> FreeBuckets::scan(std::int64_t key, const Resources& need, Judge& judge,
                                                   std::optional<Slot>& fallback) const {
  std::int64_t seen_cpu = kNoCpu;
  for (Slot s = buckets_[key].head; s != kNil; s = entries_[s].next) {
    const auto& e = entries_[s];
    if (e.cpu > seen_cpu) seen_cpu = e.cpu;
    if (e.cpu < need.cpu_millis || e.memory < need.memory_mb) continue;
    auto verdict = judge(s);
    if (verdict == Verdict::Take) return s;
    if (verdict == Verdict::Fallback && !fallback) fallback = s;
  }
  bucket_cpu_[key] = seen_cpu;
  return std::nullopt;
}

template <class Judge>
std::optional<FreeBuckets::Slot> FreeBuckets::tightest(const Resources& need, Judge&& judge) const {
  std::optional<Slot> fallback;
  auto key = next_set(key_of(need.memory_mb));
  while (key >= 0) {
    auto word = std::size_t(key) / 64;
    if (word_cpu_[word] < need.cpu_millis) {
      key = next_set(std::int64_t(word + 1) * 64);
      continue;
    }
    // Whether this pass sees every bucket of the word, so may tighten its bound.
    bool whole = (words_[word] & ((std::uint64_t(1) << (key % 64)) - 1)) == 0;
    std::int64_t seen_cpu = kNoCpu;
    for (auto bits = words_[word] >> (key % 64) << (key % 64); bits; bits &= bits - 1) {
      auto k = std::int64_t(word * 64) + __builtin_ctzll(bits);
      if (bucket_cpu_[k] >= need.cpu_millis)
        if (auto found = scan(k, need, judge, fallback)) return found;
      if (bucket_cpu_[k] > seen_cpu) seen_cpu = bucket_cpu_[k];
    }
    if (whole) word_cpu_[word] = seen_cpu;
    key = next_set(std::int64_t(word + 1) * 64);
  }
  return fallback;
}

template <class Judge>
std::optional<FreeBuckets::Slot> FreeBuckets::loosest(const Resources& need, Judge&& judge) const {
  std::optional<Slot> fallback;
  auto low = key_of(need.memory_mb);
  for (auto key = prev_set(top_); key >= low; key = prev_set(key - 1)) {
    if (bucket_cpu_[key] < need.cpu_millis) continue;
    if (auto found = scan(key, need, judge, fallback)) return found;
  }
  return fallback;
}

}  // namespace quarry
