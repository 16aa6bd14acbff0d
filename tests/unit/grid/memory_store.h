// A Store in memory for the grid's tests: enough of the interface to save and
// load, and a switch to make puts fail.
#pragma once

#include <map>
#include <string>

#include "store/store.h"

namespace quarry::test {

class MemoryStore final : public Store {
 public:
  Result<std::optional<std::string>> get(std::string_view key) override {
    auto it = values.find(std::string(key));
    if (it == values.end()) return std::optional<std::string>{};
    return std::optional<std::string>{it->second};
  }
  Status put(std::string_view key, std::string_view value, unsigned) override {
    if (fail_puts) return fail_remote("disk full");
    values[std::string(key)] = std::string(value);
    revisions[std::string(key)] = ++revision;
    ++puts;
    return {};
  }
  Status remove(std::string_view key) override {
    values.erase(std::string(key));
    revisions.erase(std::string(key));
    return {};
  }
  Result<std::vector<std::string>> list(std::string_view) override { return std::vector<std::string>{}; }
  Result<StoreLock> lock(std::string_view, std::string_view, std::optional<std::chrono::milliseconds>,
                         const std::function<void(const std::string&)>&) override {
    return StoreLock{};
  }
  std::string locate(std::string_view key) const override { return "mem:" + std::string(key); }
  // The grid's tests use plain puts only; these keep the Store contract simply.
  Result<Versioned> get_versioned(std::string_view key) override {
    auto it = values.find(std::string(key));
    if (it == values.end()) return Versioned{};
    return Versioned{it->second, revisions[it->first]};
  }
  Result<bool> commit(const Txn& txn) override {
    for (const auto& c : txn.compares) {
      auto it = revisions.find(c.key);
      if ((it == revisions.end() ? 0 : it->second) != c.revision) return false;
    }
    for (const auto& op : txn.ops) {
      auto s = op.kind == TxnOp::Kind::Put ? put(op.key, op.value, op.mode) : remove(op.key);
      if (!s) return std::unexpected(s.error());
    }
    return true;
  }
  Result<std::vector<WatchEvent>> watch(std::string_view, WatchCursor&, std::chrono::milliseconds) override {
    return fail("the grid tests' store does not watch");
  }
  std::string url() const override { return "mem:"; }

  std::map<std::string, std::string> values;
  std::map<std::string, std::int64_t> revisions;
  std::int64_t revision = 0;
  bool fail_puts = false;
  int puts = 0;
};

}  // namespace quarry::test
