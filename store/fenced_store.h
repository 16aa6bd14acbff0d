// A Store whose writes hold only while a leadership term is current: each
// put and remove becomes one commit that also compares kLeaderKey's revision
// with the term's fence (store/leadership.h). A write after the term was
// replaced fails with a Remote error "fenced: HQ ID no longer leads (term N)"
// and changes nothing. Reads, locks and watches pass through.
// The control loop hands this to everything it writes through; when its HQ
// wins a new term, set_term() moves the fence to it. Thread-safe.
#pragma once

#include <mutex>

#include "store/leadership.h"
#include "store/store.h"

namespace quarry {

class FencedStore : public Store {
 public:
  FencedStore(Store& inner, LeaderTerm term) : inner_(inner), term_(std::move(term)) {}

  Result<std::optional<std::string>> get(std::string_view key) override { return inner_.get(key); }
  Status put(std::string_view key, std::string_view value, unsigned mode = 0644) override;
  Status remove(std::string_view key) override;
  Result<std::vector<std::string>> list(std::string_view prefix) override { return inner_.list(prefix); }
  Result<StoreLock> lock(std::string_view name, std::string_view holder,
                         std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                         const std::function<void(const std::string&)>& on_wait = {}) override {
    return inner_.lock(name, holder, timeout, on_wait);
  }
  std::string locate(std::string_view key) const override { return inner_.locate(key); }
  Result<Versioned> get_versioned(std::string_view key) override { return inner_.get_versioned(key); }
  Result<std::int64_t> revision(std::string_view key) override { return inner_.revision(key); }
  // A failed fence is an error here (not false), so it cannot pass as a
  // plain CAS conflict.
  Result<bool> commit(const Txn& txn) override;
  Result<std::vector<WatchEvent>> watch(std::string_view prefix, WatchCursor& cursor,
                                        std::chrono::milliseconds timeout) override {
    return inner_.watch(prefix, cursor, timeout);
  }
  std::string url() const override { return inner_.url(); }

  LeaderTerm term() const;
  // Fences every later write on `term` (a new term this HQ won).
  void set_term(LeaderTerm term);

 private:
  Store& inner_;
  mutable std::mutex mu_;
  LeaderTerm term_;
};

}  // namespace quarry
