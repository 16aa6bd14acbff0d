// Leadership on one machine over a DirStore: the term is an flock on
// run/locks/hq-leader.lock, which the kernel frees when the holder dies. A
// paused holder keeps it (no lease to expire): several HQs on one directory
// are for one machine only; use etcd for HQs on several machines.
// The term's fence is the revision of kLeaderKey as this HQ wrote it.
#pragma once

#include <mutex>

#include "core/file_lock.h"
#include "store/dir_store.h"
#include "store/leadership.h"

namespace quarry {

class DirLeadership : public Leadership {
 public:
  // `now` gives unix seconds (injectable for tests).
  DirLeadership(DirStore& store, std::function<std::int64_t()> now);

  Result<std::optional<LeaderTerm>> campaign(std::string_view hq_id) override;
  bool is_leader() const override;
  std::optional<LeaderTerm> term() const override;
  Status resign() override;
  Result<std::optional<LeaderTerm>> leader() override;
  std::chrono::milliseconds ttl() const override { return std::chrono::milliseconds(0); }

 private:
  std::string lock_path() const;

  DirStore& store_;
  std::function<std::int64_t()> now_;
  mutable std::mutex mu_;
  FileLock held_;
  std::optional<LeaderTerm> term_;
};

}  // namespace quarry
