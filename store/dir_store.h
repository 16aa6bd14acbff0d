// The default Store: a plain directory ($QUARRY_HOME). A key is a path below
// the root; a value is a file. Writes are atomic (core/file_io.h) so a reader
// never sees a half-written file; locks are flock()ed files under run/locks,
// released by the kernel if their holder dies.
// Writes (put, remove, commit) take one store-wide write lock (a mutex and
// run/locks/.store flocked), so a commit's compares and ops are atomic with
// respect to every other quarry process on this machine. A crash in the
// middle of a multi-key commit can leave a prefix of its ops applied (each
// key whole); EtcdStore has no such window. A key's revision is a hash of
// its content; watch() polls.
// Thread-safe and multi-process safe.
#pragma once

#include <mutex>

#include "store/store.h"

namespace quarry {

class DirStore : public Store {
 public:
  explicit DirStore(std::string root);

  Result<std::optional<std::string>> get(std::string_view key) override;
  Status put(std::string_view key, std::string_view value, unsigned mode = 0644) override;
  Status remove(std::string_view key) override;
  Result<std::vector<std::string>> list(std::string_view prefix) override;
  Result<StoreLock> lock(std::string_view name, std::string_view holder,
                         std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                         const std::function<void(const std::string&)>& on_wait = {}) override;
  std::string locate(std::string_view key) const override;
  Result<Versioned> get_versioned(std::string_view key) override;
  Result<bool> commit(const Txn& txn) override;
  Result<std::vector<WatchEvent>> watch(std::string_view prefix, WatchCursor& cursor,
                                        std::chrono::milliseconds timeout) override;
  std::string url() const override { return "dir:" + root_; }

  const std::string& root() const { return root_; }

 private:
  Status apply(const TxnOp& op);
  Result<std::map<std::string, std::int64_t>> snapshot(std::string_view prefix);

  std::string root_;
  std::mutex write_mu_;
};

// The revision DirStore gives a value: a positive hash of its bytes.
std::int64_t content_revision(std::string_view value);

}  // namespace quarry
