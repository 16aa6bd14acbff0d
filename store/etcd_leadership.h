// Leadership over etcd: the term is kLeaderKey attached to a lease of `ttl`,
// created only if absent (one transaction, which also bumps hq/term). A
// LeaseKeeper renews the lease; a leader that dies, is paused or is cut off
// from etcd loses the key when the lease runs out, and is_leader() turns
// false by its own clock no later than that. Writes fenced on the term
// (store/leadership.h) fail once the key is gone or rewritten.
#pragma once

#include <memory>
#include <mutex>

#include "store/etcd_store.h"
#include "store/leadership.h"
#include "store/lease_keeper.h"

namespace quarry {

class EtcdLeadership : public Leadership {
 public:
  EtcdLeadership(EtcdStore& store, std::chrono::seconds ttl, std::function<std::int64_t()> now);
  ~EtcdLeadership() override;

  Result<std::optional<LeaderTerm>> campaign(std::string_view hq_id) override;
  bool is_leader() const override;
  std::optional<LeaderTerm> term() const override;
  Status resign() override;
  Result<std::optional<LeaderTerm>> leader() override;
  std::chrono::milliseconds ttl() const override { return ttl_; }

  // Stops renewing without resigning, as a crashed leader would (tests).
  void abandon();

 private:
  EtcdStore& store_;
  std::chrono::seconds ttl_;
  std::function<std::int64_t()> now_;
  mutable std::mutex mu_;
  std::unique_ptr<LeaseKeeper> keeper_;
  std::optional<LeaderTerm> term_;
};

}  // namespace quarry
