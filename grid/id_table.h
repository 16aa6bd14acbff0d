// Interned ids: a table from a string id to the index of the record that
// holds it, storing no strings of its own. The caller's records keep the id
// and `id_of(index)` reads it back, so adding an id allocates nothing but
// the table's own growth (open addressing, linear probing, at most half
// full). Each lookup hashes the id once; everything after works on indexes.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace quarry {

class IdTable {
 public:
  std::size_t size() const { return size_; }

  // The hash every lookup starts from; a caller that has it early can
  // prefetch the slot it lands on and hand it to find or insert.
  static std::uint64_t hash(std::string_view id) { return std::hash<std::string_view>{}(id) & 0xffffffffu; }
  void prefetch(std::uint64_t h) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[h & mask()]);
  }

  template <class IdOf>
  std::optional<std::uint32_t> find(std::string_view id, const IdOf& id_of) const {
    return find(id, hash(id), id_of);
  }
  template <class IdOf>
  std::optional<std::uint32_t> find(std::string_view id, std::uint64_t h, const IdOf& id_of) const {
    if (slots_.empty()) return std::nullopt;
    for (auto i = h & mask(); slots_[i]; i = (i + 1) & mask())
      if (hash_of(slots_[i]) == h && id_of(index_of(slots_[i])) == id) return index_of(slots_[i]);
    return std::nullopt;
  }

  // Adds id -> index; false, changing nothing, when the id is already there.
  template <class IdOf>
  bool insert(std::string_view id, std::uint32_t index, const IdOf& id_of) {
    return insert(id, hash(id), index, id_of);
  }
  template <class IdOf>
  bool insert(std::string_view id, std::uint64_t h, std::uint32_t index, const IdOf& id_of) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    auto i = h & mask();
    for (; slots_[i]; i = (i + 1) & mask())
      if (hash_of(slots_[i]) == h && id_of(index_of(slots_[i])) == id) return false;
    slots_[i] = pack(h, index);
    ++size_;
    return true;
  }

  // Removes the id; nothing happens when it is absent.
  template <class IdOf>
  void erase(std::string_view id, const IdOf& id_of) {
    if (slots_.empty()) return;
    auto h = hash(id);
    auto i = h & mask();
    for (; slots_[i]; i = (i + 1) & mask())
      if (hash_of(slots_[i]) == h && id_of(index_of(slots_[i])) == id) break;
    if (!slots_[i]) return;
    // Backward-shift deletion: no tombstones, so probes stay short.
    for (auto j = (i + 1) & mask(); slots_[j]; j = (j + 1) & mask()) {
      auto home = hash_of(slots_[j]) & mask();
      if (((j - home) & mask()) >= ((j - i) & mask())) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = 0;
    --size_;
  }

  void clear() {
    slots_.clear();
    size_ = 0;
  }

 private:
  // A slot packs the id's 32-bit hash and index + 1; 0 is an empty slot.
  static std::uint64_t pack(std::uint64_t h, std::uint32_t index) { return h << 32 | (std::uint64_t(index) + 1); }
  static std::uint64_t hash_of(std::uint64_t slot) { return slot >> 32; }
  static std::uint32_t index_of(std::uint64_t slot) { return std::uint32_t(slot) - 1; }
  std::uint64_t mask() const { return slots_.size() - 1; }
  void grow() {
    std::vector<std::uint64_t> old(slots_.empty() ? 16 : slots_.size() * 2, 0);
    old.swap(slots_);
    for (auto slot : old) {
      if (!slot) continue;
      auto i = hash_of(slot) & mask();
      while (slots_[i]) i = (i + 1) & mask();
      slots_[i] = slot;
    }
  }

  std::vector<std::uint64_t> slots_;
  std::size_t size_ = 0;
};

}  // namespace quarry
