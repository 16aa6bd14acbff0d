#include "grid/free_buckets.h"

#include <algorithm>

namespace quarry {

void FreeBuckets::grow(std::int64_t key) {
  if (key <= top_) return;
  // Grow geometrically so that a rising key costs amortized O(1).
  auto want = std::size_t(key) + 1;
  if (want > buckets_.size()) {
    auto size = std::max<std::size_t>(want, std::min<std::size_t>(buckets_.size() * 2, std::size_t(kMaxKey) + 1));
    size = (size + 4095) / 4096 * 4096;
    buckets_.resize(size);
    bucket_cpu_.resize(size, kNoCpu);
    words_.resize(size / 64, 0);
    word_cpu_.resize(size / 64, kNoCpu);
    summary_.resize((words_.size() + 63) / 64, 0);
  }
  top_ = key;
}

void FreeBuckets::mark(std::int64_t key, bool on) {
  auto word = std::size_t(key) / 64;
  auto bit = std::uint64_t(1) << (key % 64);
  if (on) {
    words_[word] |= bit;
    summary_[word / 64] |= std::uint64_t(1) << (word % 64);
    return;
  }
  words_[word] &= ~bit;
  if (words_[word] == 0) {
    summary_[word / 64] &= ~(std::uint64_t(1) << (word % 64));
    word_cpu_[word] = kNoCpu;
  }
}

void FreeBuckets::insert(Slot slot, const Resources& free) {
  if (slot >= entries_.size()) entries_.resize(std::max<std::size_t>(slot + 1, entries_.size() * 2));
  auto key = key_of(free.memory_mb);
  grow(key);
  auto& e = entries_[slot];
  e = Entry{free.memory_mb, free.cpu_millis, key, kNil, kNil};
  auto& bucket = buckets_[key];
  e.prev = bucket.tail;
  (bucket.tail == kNil ? bucket.head : entries_[bucket.tail].next) = slot;
  bucket.tail = slot;
  if (e.prev == kNil) {
    mark(key, true);
    bucket_cpu_[key] = e.cpu;
  } else {
    bucket_cpu_[key] = std::max(bucket_cpu_[key], e.cpu);
  }
  auto& bound = word_cpu_[std::size_t(key) / 64];
  bound = std::max(bound, e.cpu);
  ++size_;
}

void FreeBuckets::erase(Slot slot) {
  if (!contains(slot)) return;
  auto& e = entries_[slot];
  auto& bucket = buckets_[e.key];
  (e.prev == kNil ? bucket.head : entries_[e.prev].next) = e.next;
  (e.next == kNil ? bucket.tail : entries_[e.next].prev) = e.prev;
  if (bucket.head == kNil) mark(e.key, false);
  e = Entry{};
  --size_;
}

std::int64_t FreeBuckets::next_set(std::int64_t key) const {
  if (key < 0) key = 0;
  if (key > top_) return -1;
  auto word = std::size_t(key) / 64;
  auto bits = words_[word] >> (key % 64) << (key % 64);
  if (bits) return std::int64_t(word * 64) + __builtin_ctzll(bits);
  // The next non-zero word, through the summary.
  auto w = word + 1;
  auto group = w / 64;
  if (group >= summary_.size()) return -1;
  auto sbits = (w % 64) ? summary_[group] >> (w % 64) << (w % 64) : summary_[group];
  while (!sbits) {
    if (++group >= summary_.size()) return -1;
    sbits = summary_[group];
  }
  w = group * 64 + std::size_t(__builtin_ctzll(sbits));
  return std::int64_t(w * 64) + __builtin_ctzll(words_[w]);
}

std::int64_t FreeBuckets::prev_set(std::int64_t key) const {
  if (key > top_) key = top_;
  if (key < 0) return -1;
  auto word = std::size_t(key) / 64;
  auto shift = 63 - key % 64;
  auto bits = words_[word] << shift >> shift;
  if (bits) return std::int64_t(word * 64) + 63 - __builtin_clzll(bits);
  if (word == 0) return -1;
  auto w = word - 1;
  auto group = std::int64_t(w / 64);
  auto s = 63 - w % 64;
  auto sbits = summary_[std::size_t(group)] << s >> s;
  while (!sbits) {
    if (--group < 0) return -1;
    sbits = summary_[std::size_t(group)];
  }
  w = std::size_t(group) * 64 + std::size_t(63 - __builtin_clzll(sbits));
  return std::int64_t(w * 64) + 63 - __builtin_clzll(words_[w]);
}

}  // namespace quarry
