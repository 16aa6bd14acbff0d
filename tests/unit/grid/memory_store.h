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
    ++puts;
    return {};
  }
  Status remove(std::string_view key) override {
    values.erase(std::string(key));
    return {};
  }
  Result<std::vector<std::string>> list(std::string_view) override { return std::vector<std::string>{}; }
  Result<StoreLock> lock(std::string_view, std::string_view, std::optional<std::chrono::milliseconds>,
                         const std::function<void(const std::string&)>&) override {
    return StoreLock{};
  }
  std::string locate(std::string_view key) const override { return "mem:" + std::string(key); }

  std::map<std::string, std::string> values;
  bool fail_puts = false;
  int puts = 0;
};

}  // namespace quarry::test
