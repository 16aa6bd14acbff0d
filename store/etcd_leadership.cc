#include "store/etcd_leadership.h"

#include "core/text.h"

namespace quarry {

EtcdLeadership::EtcdLeadership(EtcdStore& store, std::chrono::seconds ttl, std::function<std::int64_t()> now)
    : store_(store), ttl_(ttl), now_(std::move(now)) {}

EtcdLeadership::~EtcdLeadership() { (void)resign(); }

Result<std::optional<LeaderTerm>> EtcdLeadership::campaign(std::string_view hq_id) {
  std::lock_guard guard(mu_);
  if (term_ && keeper_ && keeper_->held()) return term_;
  term_.reset();
  keeper_.reset();
  auto current = store_.get_versioned(kLeaderKey);
  if (!current) return std::unexpected(current.error());
  if (current->value) return std::optional<LeaderTerm>{};
  auto counter = store_.get_versioned(kTermKey);
  if (!counter) return std::unexpected(counter.error());
  std::int64_t previous = parse_term(counter->value.value_or(""));
  auto granted_at = std::chrono::steady_clock::now();
  auto lease = store_.grant_lease(ttl_);
  if (!lease) return std::unexpected(lease.error());
  LeaderTerm t{std::string(hq_id), 0, previous + 1, now_()};
  Txn txn;
  txn.expect(std::string(kLeaderKey), 0)
      .expect(std::string(kTermKey), counter->revision)
      .put(std::string(kLeaderKey), leader_document(t));
  std::int64_t revision = 0;
  auto won = store_.commit_with_lease(txn, *lease, &revision);
  if (!won || !*won) {
    (void)store_.revoke_lease(*lease);
    if (!won) return std::unexpected(won.error());
    return std::optional<LeaderTerm>{};
  }
  t.fence = revision;
  keeper_ = std::make_unique<LeaseKeeper>(store_, *lease, ttl_, granted_at);
  // The counter only numbers terms for people; the fence is what guards.
  Txn bump;
  bump.expect(std::string(kLeaderKey), revision).put(std::string(kTermKey), std::to_string(t.term) + "\n");
  (void)store_.commit(bump);
  term_ = t;
  return term_;
}

bool EtcdLeadership::is_leader() const {
  std::lock_guard guard(mu_);
  return term_ && keeper_ && keeper_->held();
}

std::optional<LeaderTerm> EtcdLeadership::term() const {
  std::lock_guard guard(mu_);
  if (term_ && keeper_ && keeper_->held()) return term_;
  return std::nullopt;
}

Status EtcdLeadership::resign() {
  std::lock_guard guard(mu_);
  term_.reset();
  keeper_.reset();  // revokes the lease, which deletes kLeaderKey
  return {};
}

void EtcdLeadership::abandon() {
  std::lock_guard guard(mu_);
  if (keeper_) keeper_->abandon();
  keeper_.reset();  // joins the stopped thread; the lease is left to expire
  term_.reset();
}

Result<std::optional<LeaderTerm>> EtcdLeadership::leader() { return read_leader_key(store_); }

}  // namespace quarry
