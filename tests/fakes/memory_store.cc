#include "tests/fakes/memory_store.h"

namespace quarry {

namespace {
bool is_under(const std::string& key, std::string_view prefix) {
  if (prefix.empty()) return true;
  return key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0 && key[prefix.size()] == '/';
}
}  // namespace

Result<std::optional<std::string>> MemoryStore::get(std::string_view key) {
  if (auto s = check_key(key); !s) return std::unexpected(s.error());
  std::lock_guard lock(mu_);
  if (!fault_.empty()) return fail_remote(fault_);
  auto it = values_.find(std::string(key));
  if (it == values_.end()) return std::optional<std::string>{};
  return std::optional<std::string>(it->second);
}

Status MemoryStore::put(std::string_view key, std::string_view value, unsigned mode) {
  Txn txn;
  txn.put(std::string(key), std::string(value), mode);
  auto done = commit(txn);
  if (!done) return std::unexpected(done.error());
  return {};
}

Status MemoryStore::remove(std::string_view key) {
  Txn txn;
  txn.remove(std::string(key));
  auto done = commit(txn);
  if (!done) return std::unexpected(done.error());
  return {};
}

Result<Versioned> MemoryStore::get_versioned(std::string_view key) {
  if (auto s = check_key(key); !s) return std::unexpected(s.error());
  std::lock_guard lock(mu_);
  if (!fault_.empty()) return fail_remote(fault_);
  Versioned v;
  auto it = values_.find(std::string(key));
  if (it == values_.end()) return v;
  v.value = it->second;
  v.revision = revisions_[it->first];
  return v;
}

Result<std::int64_t> MemoryStore::revision(std::string_view key) {
  if (auto s = check_key(key); !s) return std::unexpected(s.error());
  std::lock_guard lock(mu_);
  if (!fault_.empty()) return fail_remote(fault_);
  auto it = revisions_.find(std::string(key));
  return it == revisions_.end() ? 0 : it->second;
}

Result<bool> MemoryStore::commit(const Txn& txn) {
  if (auto s = check_txn(txn); !s) return std::unexpected(s.error());
  {
    std::lock_guard lock(mu_);
    if (!fault_.empty()) return fail_remote(fault_);
    for (const auto& c : txn.compares) {
      auto it = revisions_.find(c.key);
      auto now = it == revisions_.end() ? 0 : it->second;
      if (now != c.revision) return false;
    }
    ++revision_;
    for (const auto& op : txn.ops) {
      if (op.kind == TxnOp::Kind::Put) {
        values_[op.key] = op.value;
        modes_[op.key] = op.mode;
        revisions_[op.key] = revision_;
        journal_.push_back({WatchEvent::Kind::Put, op.key, op.value, revision_});
        continue;
      }
      for (auto it = values_.begin(); it != values_.end();) {
        if (it->first == op.key || is_under(it->first, op.key)) {
          journal_.push_back({WatchEvent::Kind::Remove, it->first, {}, revision_});
          modes_.erase(it->first);
          revisions_.erase(it->first);
          it = values_.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
  cv_.notify_all();
  return true;
}

Result<std::vector<WatchEvent>> MemoryStore::watch(std::string_view prefix, WatchCursor& cursor,
                                                   std::chrono::milliseconds timeout) {
  if (auto s = check_key(prefix); !s) return std::unexpected(s.error());
  std::unique_lock lock(mu_);
  if (!fault_.empty()) return fail_remote(fault_);
  if (!cursor.started) {
    cursor.revision = revision_ + 1;
    cursor.started = true;
  }
  std::vector<WatchEvent> out;
  auto collect = [&] {
    for (const auto& e : journal_) {
      if (e.revision < cursor.revision) continue;
      if (e.key == prefix || is_under(e.key, prefix)) out.push_back(e);
    }
    cursor.revision = revision_ + 1;
    return !out.empty();
  };
  cv_.wait_for(lock, timeout, collect);
  return out;
}

void MemoryStore::drop_lock_holder(const std::string& name) {
  {
    std::lock_guard l(mu_);
    locks_.erase(name);
  }
  cv_.notify_all();
}

Result<std::vector<std::string>> MemoryStore::list(std::string_view prefix) {
  std::lock_guard lock(mu_);
  if (!fault_.empty()) return fail_remote(fault_);
  std::set<std::string> names;
  // Keys are sorted: those under "PREFIX/" start at "PREFIX/" (no walk of
  // the whole store per list).
  const std::string from = prefix.empty() ? std::string() : std::string(prefix) + "/";
  for (auto it = values_.lower_bound(from); it != values_.end(); ++it) {
    const auto& key = it->first;
    if (!is_under(key, prefix)) break;
    auto rest = prefix.empty() ? key : key.substr(prefix.size() + 1);
    names.insert(rest.substr(0, rest.find('/')));
  }
  return std::vector<std::string>(names.begin(), names.end());
}

Result<StoreLock> MemoryStore::lock(std::string_view name, std::string_view holder,
                                    std::optional<std::chrono::milliseconds> timeout,
                                    const std::function<void(const std::string&)>& on_wait) {
  std::unique_lock lock(mu_);
  std::string key(name);
  auto free = [&] { return !locks_.count(key); };
  if (!free()) {
    if (on_wait) on_wait(locks_[key]);
    if (!timeout) cv_.wait(lock, free);
    else if (!cv_.wait_for(lock, *timeout, free))
      return fail_remote("lock " + key + " is held by " + locks_[key]);
  }
  locks_[key] = std::string(holder);
  auto id = next_lock_id_++;
  lock_ids_[key] = id;
  return StoreLock([this, key, id] {
    {
      std::lock_guard l(mu_);
      // A holder that was dropped no longer owns the lock it took.
      if (locks_.count(key) && lock_ids_[key] == id) locks_.erase(key);
    }
    cv_.notify_all();
  });
}

std::map<std::string, unsigned> MemoryStore::modes() const {
  std::lock_guard lock(mu_);
  return modes_;
}

void MemoryStore::fail_with(std::string message) {
  std::lock_guard lock(mu_);
  fault_ = std::move(message);
}

}  // namespace quarry
