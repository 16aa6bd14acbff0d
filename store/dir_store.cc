#include "store/dir_store.h"

#include <cerrno>
#include <memory>

#include "core/file_io.h"
#include "core/file_lock.h"
#include "core/text.h"

namespace quarry {

DirStore::DirStore(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

Status check_key(std::string_view key) {
  if (key.empty()) return fail("store: empty key", ErrorKind::Usage);
  if (key.front() == '/') return fail("store: key must be relative: " + std::string(key), ErrorKind::Usage);
  if (key.find('\0') != std::string_view::npos) return fail("store: key holds NUL", ErrorKind::Usage);
  for (const auto& part : split(key, '/')) {
    if (part.empty() || part == "." || part == "..") {
      return fail("store: invalid key: " + std::string(key), ErrorKind::Usage);
    }
  }
  return {};
}

std::string DirStore::locate(std::string_view key) const { return root_ + "/" + std::string(key); }

Result<std::optional<std::string>> DirStore::get(std::string_view key) {
  if (auto s = check_key(key); !s) return std::unexpected(s.error());
  auto path = locate(key);
  if (!path_exists(path)) return std::optional<std::string>{};
  auto data = read_file(path);
  if (!data) return std::unexpected(data.error());
  return std::optional<std::string>(std::move(*data));
}

Status DirStore::put(std::string_view key, std::string_view value, unsigned mode) {
  if (auto s = check_key(key); !s) return s;
  return write_file_atomic(locate(key), value, mode);
}

Status DirStore::remove(std::string_view key) {
  if (auto s = check_key(key); !s) return s;
  return remove_all(locate(key));
}

Result<std::vector<std::string>> DirStore::list(std::string_view prefix) {
  if (!prefix.empty()) {
    if (auto s = check_key(prefix); !s) return std::unexpected(s.error());
  }
  auto dir = prefix.empty() ? root_ : locate(prefix);
  std::vector<std::string> out;
  for (auto& name : list_dir(dir)) {
    // Temporaries of in-flight atomic writes are not entries.
    if (name.find(".tmp.") != std::string::npos) continue;
    out.push_back(std::move(name));
  }
  return out;
}

Result<StoreLock> DirStore::lock(std::string_view name, std::string_view holder,
                                 std::optional<std::chrono::milliseconds> timeout,
                                 const std::function<void(const std::string&)>& on_wait) {
  if (auto s = check_key(name); !s) return std::unexpected(s.error());
  auto path = root_ + "/run/locks/" + std::string(name) + ".lock";
  auto got = FileLock::acquire(path, std::string(holder), timeout, on_wait);
  if (!got) return std::unexpected(got.error());
  auto held = std::make_shared<FileLock>(std::move(*got));
  return StoreLock([held] { held->release(); });
}

}  // namespace quarry
