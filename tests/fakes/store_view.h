// Another handle onto one Store object: every call goes to the store it
// wraps. For backends whose peers share one object (a second HQ on the same
// in-memory store), and as the base of a test's wrapper that counts or
// alters one call.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace quarry {

class StoreView : public Store {
 public:
  explicit StoreView(Store& s) : s_(s) {}
  Result<std::optional<std::string>> get(std::string_view k) override { return s_.get(k); }
  Status put(std::string_view k, std::string_view v, unsigned m = 0644) override { return s_.put(k, v, m); }
  Status remove(std::string_view k) override { return s_.remove(k); }
  Result<std::vector<std::string>> list(std::string_view p) override { return s_.list(p); }
  Result<StoreLock> lock(std::string_view n, std::string_view h, std::optional<std::chrono::milliseconds> t = std::nullopt,
                         const std::function<void(const std::string&)>& w = {}) override {
    return s_.lock(n, h, t, w);
  }
  std::string locate(std::string_view k) const override { return s_.locate(k); }
  Result<Versioned> get_versioned(std::string_view k) override { return s_.get_versioned(k); }
  Result<std::int64_t> revision(std::string_view k) override { return s_.revision(k); }
  Result<bool> commit(const Txn& t) override { return s_.commit(t); }
  Result<std::vector<WatchEvent>> watch(std::string_view p, WatchCursor& c, std::chrono::milliseconds t) override {
    return s_.watch(p, c, t);
  }
  std::string url() const override { return s_.url(); }

 private:
  Store& s_;
};

}  // namespace quarry
