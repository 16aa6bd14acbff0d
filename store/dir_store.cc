#include "store/dir_store.h"

#include <cerrno>
#include <memory>
#include <thread>

#include "core/file_io.h"
#include "core/file_lock.h"
#include "core/text.h"

namespace quarry {

DirStore::DirStore(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::string DirStore::locate(std::string_view key) const { return root_ + "/" + std::string(key); }

Result<std::optional<std::string>> DirStore::get(std::string_view key) {
  if (auto s = check_key(key); !s) return std::unexpected(s.error());
  auto path = locate(key);
  // A directory holds keys below it but no value of its own.
  if (!path_exists(path) || is_directory(path)) return std::optional<std::string>{};
  auto data = read_file(path);
  if (!data) return std::unexpected(data.error());
  return std::optional<std::string>(std::move(*data));
}

Status DirStore::put(std::string_view key, std::string_view value, unsigned mode) {
  Txn txn;
  txn.put(std::string(key), std::string(value), mode);
  auto done = commit(txn);
  if (!done) return std::unexpected(done.error());
  return {};
}

Status DirStore::remove(std::string_view key) {
  Txn txn;
  txn.remove(std::string(key));
  auto done = commit(txn);
  if (!done) return std::unexpected(done.error());
  return {};
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
  std::string busy_with;
  auto got = FileLock::acquire(path, std::string(holder), timeout, [&](const std::string& who) {
    busy_with = who;
    if (on_wait) on_wait(who);
  });
  if (!got) {
    if (busy_with.empty()) return std::unexpected(got.error());
    return fail_remote("lock " + std::string(name) + " is held by " + busy_with + " (timed out)");
  }
  auto held = std::make_shared<FileLock>(std::move(*got));
  return StoreLock([held] { held->release(); });
}

}  // namespace quarry

namespace quarry {

std::int64_t content_revision(std::string_view value) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : value) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<std::int64_t>((h >> 2) | 1);
}

Result<Versioned> DirStore::get_versioned(std::string_view key) {
  auto got = get(key);
  if (!got) return std::unexpected(got.error());
  Versioned v;
  if (*got) {
    v.revision = content_revision(**got);
    v.value = std::move(*got);
  }
  return v;
}

Status DirStore::apply(const TxnOp& op) {
  if (op.kind == TxnOp::Kind::Put) return write_file_atomic(locate(op.key), op.value, op.mode);
  return remove_all(locate(op.key));
}

Result<bool> DirStore::commit(const Txn& txn) {
  if (auto s = check_txn(txn); !s) return std::unexpected(s.error());
  std::lock_guard guard(write_mu_);
  auto held = FileLock::acquire(root_ + "/run/locks/.store", "store write");
  if (!held) return std::unexpected(held.error());
  for (const auto& c : txn.compares) {
    auto now = get_versioned(c.key);
    if (!now) return std::unexpected(now.error());
    if (now->revision != c.revision) return false;
  }
  for (const auto& op : txn.ops) {
    if (auto s = apply(op); !s) return std::unexpected(s.error());
  }
  return true;
}

Result<std::map<std::string, std::int64_t>> DirStore::snapshot(std::string_view prefix) {
  std::map<std::string, std::int64_t> out;
  std::vector<std::string> todo{std::string(prefix)};
  while (!todo.empty()) {
    auto key = std::move(todo.back());
    todo.pop_back();
    auto path = locate(key);
    if (is_directory(path)) {
      for (auto& name : list_dir(path)) {
        if (name.find(".tmp.") == std::string::npos) todo.push_back(key + "/" + name);
      }
    } else if (path_exists(path)) {
      auto data = read_file(path);
      if (data) out[key] = content_revision(*data);  // gone meanwhile: seen next round
    }
  }
  return out;
}

Result<std::vector<WatchEvent>> DirStore::watch(std::string_view prefix, WatchCursor& cursor,
                                                std::chrono::milliseconds timeout) {
  if (auto s = check_key(prefix); !s) return std::unexpected(s.error());
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!cursor.started) {
    auto first = snapshot(prefix);
    if (!first) return std::unexpected(first.error());
    cursor.seen = std::move(*first);
    cursor.started = true;
  }
  while (true) {
    auto now = snapshot(prefix);
    if (!now) return std::unexpected(now.error());
    std::vector<WatchEvent> events;
    for (const auto& [key, rev] : *now) {
      auto it = cursor.seen.find(key);
      if (it != cursor.seen.end() && it->second == rev) continue;
      auto value = read_file(locate(key));
      if (!value) continue;  // removed meanwhile: reported as a removal next round
      events.push_back({WatchEvent::Kind::Put, key, std::move(*value), rev});
    }
    for (const auto& [key, rev] : cursor.seen) {
      if (!now->count(key)) events.push_back({WatchEvent::Kind::Remove, key, {}, 0});
    }
    cursor.seen = std::move(*now);
    if (!events.empty() || std::chrono::steady_clock::now() >= deadline) return events;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace quarry
