// A Store held in memory, for unit tests of the code above the store seam.
// Keys behave as in DirStore: "a/b" is a child of "a"; remove("a") removes
// the whole subtree. Locks are real mutual exclusion within the process.
// Revisions come from one counter, as in etcd; watch() reads a journal of
// every change. Thread-safe. `modes()` lets a test check that a secret was
// written 0600; `drop_lock_holder()` plays a lock holder that died.
#pragma once

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <vector>
#include <string>

#include "store/store.h"

namespace quarry {

class MemoryStore : public Store {
 public:
  Result<std::optional<std::string>> get(std::string_view key) override;
  Status put(std::string_view key, std::string_view value, unsigned mode = 0644) override;
  Status remove(std::string_view key) override;
  Result<std::vector<std::string>> list(std::string_view prefix) override;
  Result<StoreLock> lock(std::string_view name, std::string_view holder,
                         std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                         const std::function<void(const std::string&)>& on_wait = {}) override;
  std::string locate(std::string_view key) const override { return "memory:" + std::string(key); }
  Result<Versioned> get_versioned(std::string_view key) override;
  Result<std::int64_t> revision(std::string_view key) override;
  Result<bool> commit(const Txn& txn) override;
  Result<std::vector<WatchEvent>> watch(std::string_view prefix, WatchCursor& cursor,
                                        std::chrono::milliseconds timeout) override;
  std::string url() const override { return "memory:"; }

  // Frees lock `name` as if its holder had died (its StoreLock then does nothing).
  void drop_lock_holder(const std::string& name);

  // The mode each key was last written with.
  std::map<std::string, unsigned> modes() const;
  // When set, every get/put/remove/list fails with this message (an I/O fault).
  void fail_with(std::string message);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::string> values_;
  std::map<std::string, unsigned> modes_;
  std::map<std::string, std::string> locks_;  // name to holder
  std::map<std::string, std::uint64_t> lock_ids_;
  std::uint64_t next_lock_id_ = 1;
  std::map<std::string, std::int64_t> revisions_;
  std::int64_t revision_ = 1;
  std::vector<WatchEvent> journal_;
  std::string fault_;
};

}  // namespace quarry
