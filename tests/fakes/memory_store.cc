#include "tests/fakes/memory_store.h"

namespace quarry {

namespace {
bool is_under(const std::string& key, std::string_view prefix) {
  return key.size() > prefix.size() && key.compare(0, prefix.size(), prefix) == 0 && key[prefix.size()] == '/';
}
}  // namespace

Result<std::optional<std::string>> MemoryStore::get(std::string_view key) {
  std::lock_guard lock(mu_);
  if (!fault_.empty()) return fail_remote(fault_);
  auto it = values_.find(std::string(key));
  if (it == values_.end()) return std::optional<std::string>{};
  return std::optional<std::string>(it->second);
}

Status MemoryStore::put(std::string_view key, std::string_view value, unsigned mode) {
  std::lock_guard lock(mu_);
  if (!fault_.empty()) return fail_remote(fault_);
  values_[std::string(key)] = std::string(value);
  modes_[std::string(key)] = mode;
  return {};
}

Status MemoryStore::remove(std::string_view key) {
  std::lock_guard lock(mu_);
  if (!fault_.empty()) return fail_remote(fault_);
  for (auto it = values_.begin(); it != values_.end();) {
    if (it->first == key || is_under(it->first, key)) {
      modes_.erase(it->first);
      it = values_.erase(it);
    } else {
      ++it;
    }
  }
  return {};
}

Result<std::vector<std::string>> MemoryStore::list(std::string_view prefix) {
  std::lock_guard lock(mu_);
  if (!fault_.empty()) return fail_remote(fault_);
  std::set<std::string> names;
  for (const auto& [key, value] : values_) {
    if (!is_under(key, prefix)) continue;
    auto rest = key.substr(prefix.size() + 1);
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
  return StoreLock([this, key] {
    {
      std::lock_guard l(mu_);
      locks_.erase(key);
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
