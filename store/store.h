// The state store: everything quarry knows, as a tree of keys holding bytes.
// Keys are slash-separated paths relative to the store root, following the
// layout in DESIGN.md ("stacks/blog/releases/3.json", "grid/grid.json").
// Backends: DirStore (a directory, the default), EtcdStore (an etcd v3
// cluster shared by several HQs) and MemoryStore (tests/fakes). Nothing
// outside store/ and cli/ knows which backend it has; tests/unit/store's
// contract suite holds every backend to the same behaviour.
//
// Revisions: every stored value has a revision, a positive number that
// changes whenever the value is written (0 means "absent"). Compare-and-swap
// and fencing compare revisions. Their numbering is the backend's own (etcd's
// mod_revision; a content hash in DirStore): compare them only for equality.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
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

// Values are bounded in every backend alike, so a command that works on one
// store works on the other: etcd refuses requests over 1.5 MiB, and a value
// travels base64-encoded (4/3 larger) inside a JSON request. Large things
// (exported sources, images, git repositories) stay on the HQ's disk.
inline constexpr std::size_t kMaxStoreValue = 1024 * 1024;

struct Versioned {
  std::optional<std::string> value;  // nullopt: absent
  std::int64_t revision = 0;         // 0 when absent
};

// One atomic change: every compare must hold, then every op is applied, all
// or nothing. A compare's revision 0 requires the key to be absent.
struct TxnCompare {
  std::string key;
  std::int64_t revision = 0;
};
struct TxnOp {
  enum class Kind { Put, Remove };
  Kind kind = Kind::Put;
  std::string key;
  std::string value;  // Put only
  unsigned mode = 0644;
};
struct Txn {
  std::vector<TxnCompare> compares;
  std::vector<TxnOp> ops;
  Txn& expect(std::string key, std::int64_t revision) {
    compares.push_back({std::move(key), revision});
    return *this;
  }
  Txn& put(std::string key, std::string value, unsigned mode = 0644) {
    ops.push_back({TxnOp::Kind::Put, std::move(key), std::move(value), mode});
    return *this;
  }
  Txn& remove(std::string key) {
    ops.push_back({TxnOp::Kind::Remove, std::move(key), {}, 0});
    return *this;
  }
};

struct WatchEvent {
  enum class Kind { Put, Remove };
  Kind kind = Kind::Put;
  std::string key;
  std::string value;  // Put only
  std::int64_t revision = 0;
};

// Where a watcher stands. Start with a default cursor: the first watch()
// call only records "now" and returns no event (unless something changed
// after it started). Opaque to callers.
struct WatchCursor {
  std::int64_t revision = 0;                  // etcd and memory: next revision to deliver
  std::map<std::string, std::int64_t> seen;   // dir: the revisions last seen under the prefix
  bool started = false;
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

  // The value at `key` with its revision.
  virtual Result<Versioned> get_versioned(std::string_view key) = 0;
  // The revision of the value at `key` alone (0: absent), without the value
  // where the backend can (etcd, memory; a directory hashes the file): a
  // reader that parsed a value once checks with it that it is still the
  // one it parsed.
  virtual Result<std::int64_t> revision(std::string_view key);
  // Applies `txn` atomically. true: committed. false: a compare failed and
  // nothing was written. An error (store down, key invalid, value too large)
  // also writes nothing.
  virtual Result<bool> commit(const Txn& txn) = 0;
  // Waits up to `timeout` for changes to `prefix` or below after `cursor`,
  // and returns them in order (empty on timeout), advancing the cursor.
  // Every change is delivered; changes written in quick succession to one key
  // may be merged into the last one (DirStore).
  virtual Result<std::vector<WatchEvent>> watch(std::string_view prefix, WatchCursor& cursor,
                                                std::chrono::milliseconds timeout) = 0;
  // "dir:/home/quarry", "etcd://127.0.0.1:2379", "memory:" (for messages and hq status).
  virtual std::string url() const = 0;
};

// Compare-and-swap: writes `value` only if `key` is still at `revision`
// (0: still absent). false on a conflict, nothing written.
inline Result<bool> put_if(Store& store, std::string_view key, std::string_view value,
                           std::int64_t revision, unsigned mode = 0644) {
  Txn txn;
  txn.expect(std::string(key), revision).put(std::string(key), std::string(value), mode);
  return store.commit(txn);
}

// The checks every backend applies before writing: a valid key and a value
// within kMaxStoreValue.
Status check_key(std::string_view key);
Status check_value(std::string_view key, std::size_t size);
Status check_txn(const Txn& txn);

}  // namespace quarry
