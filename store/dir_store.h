// The default Store: a plain directory ($QUARRY_HOME). A key is a path below
// the root; a value is a file. Writes are atomic (core/file_io.h) so a reader
// never sees a half-written file; locks are flock()ed files under run/locks,
// released by the kernel if their holder dies.
// Thread-safe and multi-process safe for single-key operations.
#pragma once

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

  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

// A key is valid when it is relative, has no empty, "." or ".." component
// and no NUL: so no key can escape the store's root.
Status check_key(std::string_view key);

}  // namespace quarry
