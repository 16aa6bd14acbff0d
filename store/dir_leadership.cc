#include "store/dir_leadership.h"

namespace quarry {

DirLeadership::DirLeadership(DirStore& store, std::function<std::int64_t()> now)
    : store_(store), now_(std::move(now)) {}

std::string DirLeadership::lock_path() const { return store_.root() + "/run/locks/hq-leader.lock"; }

Result<std::optional<LeaderTerm>> DirLeadership::campaign(std::string_view hq_id) {
  std::lock_guard guard(mu_);
  if (term_) return term_;
  auto got = FileLock::try_acquire(lock_path(), "hq " + std::string(hq_id));
  if (!got) return std::unexpected(got.error());
  if (!*got) return std::optional<LeaderTerm>{};
  auto counter = store_.get(kTermKey);
  if (!counter) return std::unexpected(counter.error());
  LeaderTerm t;
  t.hq_id = std::string(hq_id);
  t.since = now_();
  t.term = parse_term(counter->value_or("")) + 1;
  auto doc = leader_document(t);
  Txn txn;
  txn.put(std::string(kLeaderKey), doc).put(std::string(kTermKey), std::to_string(t.term) + "\n");
  auto done = store_.commit(txn);
  if (!done) return std::unexpected(done.error());
  t.fence = content_revision(doc);
  held_ = std::move(**got);
  term_ = t;
  return term_;
}

bool DirLeadership::is_leader() const {
  std::lock_guard guard(mu_);
  return term_.has_value();
}

std::optional<LeaderTerm> DirLeadership::term() const {
  std::lock_guard guard(mu_);
  return term_;
}

Status DirLeadership::resign() {
  std::lock_guard guard(mu_);
  if (!term_) return {};
  auto fence = term_->fence;
  term_.reset();
  // Remove the record only if it is still ours, then let go of the lock.
  Txn txn;
  txn.expect(std::string(kLeaderKey), fence).remove(std::string(kLeaderKey));
  auto done = store_.commit(txn);
  held_.release();
  if (!done) return std::unexpected(done.error());
  return {};
}

Result<std::optional<LeaderTerm>> DirLeadership::leader() {
  {
    std::lock_guard guard(mu_);
    if (term_) return term_;
  }
  // Nobody holds the lock: whatever the record says, its holder is gone.
  auto probe = FileLock::try_acquire(lock_path(), "hq status probe");
  if (!probe) return std::unexpected(probe.error());
  if (*probe) return std::optional<LeaderTerm>{};
  return read_leader_key(store_);
}

}  // namespace quarry
