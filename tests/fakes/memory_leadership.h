// Leadership over a MemoryStore with a manual clock, for unit tests of what
// runs under a term. It plays etcd's lease: the holder's lease (hq/lease,
// expiry in ms) is renewed by each campaign() while held; another HQ may
// take the term once the clock passes the expiry. pause() stops renewing,
// as a stopped or dead leader would. Not thread-safe.
#pragma once

#include "grid/clock.h"
#include "store/leadership.h"
#include "tests/fakes/memory_store.h"

namespace quarry {

class MemoryLeadership : public Leadership {
 public:
  MemoryLeadership(MemoryStore& store, const Clock& clock, std::chrono::milliseconds ttl)
      : store_(store), clock_(clock), ttl_(ttl) {}

  Result<std::optional<LeaderTerm>> campaign(std::string_view hq_id) override;
  bool is_leader() const override;
  std::optional<LeaderTerm> term() const override;
  Status resign() override;
  Result<std::optional<LeaderTerm>> leader() override;
  std::chrono::milliseconds ttl() const override { return ttl_; }

  // Stops renewing: the term runs out by the clock unless resume() comes first.
  void pause() { paused_ = true; }
  void resume() { paused_ = false; }

 private:
  Result<std::int64_t> lease_expiry();

  MemoryStore& store_;
  const Clock& clock_;
  std::chrono::milliseconds ttl_;
  std::optional<LeaderTerm> term_;
  std::int64_t expires_ms_ = 0;
  bool paused_ = false;
};

}  // namespace quarry
