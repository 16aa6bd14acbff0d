// The state store: everything quarry knows, as a tree of keys holding bytes.
// Keys are slash-separated paths relative to the store root, following the
// layout in DESIGN.md ("stacks/blog/releases/3.json", "grid/grid.json").
// Backends: DirStore (a directory, the default) and, later, EtcdStore.
// Nothing outside store/ and cli/ knows which backend it has.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace quarry {

// Held while alive; released on destruction (or when the holder dies).
class StoreLock {
 public:
  StoreLock() = default;
  explicit StoreLock(std::function<void()> release) : release_(std::move(release)) {}
  StoreLock(StoreLock&& o) noexcept : release_(std::move(o.release_)) { o.release_ = nullptr; }
  StoreLock& operator=(StoreLock&& o) noexcept {
    if (this != &o) {
      unlock();
      release_ = std::move(o.release_);
      o.release_ = nullptr;
    }
    return *this;
  }
  ~StoreLock() { unlock(); }
  void unlock() {
    if (release_) release_();
    release_ = nullptr;
  }

 private:
  std::function<void()> release_;
};

class Store {
 public:
  virtual ~Store() = default;

  // The value at `key`, or nullopt when there is none. Fails only on I/O.
  virtual Result<std::optional<std::string>> get(std::string_view key) = 0;
  // Atomically replaces the value at `key`: a concurrent reader sees the old
  // value or the new one, never a mix. `mode` is the file mode where the
  // backend has one (0600 for secrets).
  virtual Status put(std::string_view key, std::string_view value, unsigned mode = 0644) = 0;
  // Removes `key` and everything below it; succeeds if already absent.
  virtual Status remove(std::string_view key) = 0;
  // Names of the direct children of `prefix`, sorted.
  virtual Result<std::vector<std::string>> list(std::string_view prefix) = 0;
  // An exclusive lock named `name` (e.g. "stacks/blog/deploy"). `holder`
  // describes the caller; `on_wait` is told who holds it if we must wait.
  virtual Result<StoreLock> lock(std::string_view name, std::string_view holder,
                                 std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                                 const std::function<void(const std::string&)>& on_wait = {}) = 0;
  // Where `key` lives, for error messages ("/home/quarry/grid/grid.json").
  virtual std::string locate(std::string_view key) const = 0;
};

}  // namespace quarry
