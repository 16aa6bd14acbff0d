#include "tests/fakes/memory_leadership.h"

namespace quarry {

namespace {
constexpr std::string_view kLeaseKey = "hq/lease";
}

Result<std::int64_t> MemoryLeadership::lease_expiry() {
  auto got = store_.get(kLeaseKey);
  if (!got) return std::unexpected(got.error());
  return *got ? parse_term(**got) : 0;
}

Result<std::optional<LeaderTerm>> MemoryLeadership::campaign(std::string_view hq_id) {
  std::int64_t now = clock_.now_ms();
  auto current = store_.get_versioned(kLeaderKey);
  if (!current) return std::unexpected(current.error());
  if (term_ && current->revision == term_->fence && now < expires_ms_) {
    if (paused_) return term_;
    expires_ms_ = now + ttl_.count();
    Txn renew;
    renew.expect(std::string(kLeaderKey), term_->fence).put(std::string(kLeaseKey), std::to_string(expires_ms_));
    if (auto done = store_.commit(renew); !done) return std::unexpected(done.error());
    return term_;
  }
  term_.reset();
  if (paused_) return std::optional<LeaderTerm>{};
  auto expiry = lease_expiry();
  if (!expiry) return std::unexpected(expiry.error());
  if (current->value && now < *expiry) return std::optional<LeaderTerm>{};
  auto counter = store_.get_versioned(kTermKey);
  if (!counter) return std::unexpected(counter.error());
  LeaderTerm t{std::string(hq_id), 0, parse_term(counter->value.value_or("")) + 1, now / 1000};
  Txn take;
  take.expect(std::string(kLeaderKey), current->revision)
      .expect(std::string(kTermKey), counter->revision)
      .put(std::string(kLeaderKey), leader_document(t))
      .put(std::string(kTermKey), std::to_string(t.term))
      .put(std::string(kLeaseKey), std::to_string(now + ttl_.count()));
  auto done = store_.commit(take);
  if (!done) return std::unexpected(done.error());
  if (!*done) return std::optional<LeaderTerm>{};
  auto written = store_.get_versioned(kLeaderKey);
  if (!written) return std::unexpected(written.error());
  t.fence = written->revision;
  expires_ms_ = now + ttl_.count();
  term_ = t;
  return term_;
}

bool MemoryLeadership::is_leader() const { return term_ && clock_.now_ms() < expires_ms_; }

std::optional<LeaderTerm> MemoryLeadership::term() const {
  if (is_leader()) return term_;
  return std::nullopt;
}

Status MemoryLeadership::resign() {
  if (!term_) return {};
  Txn give_up;
  give_up.expect(std::string(kLeaderKey), term_->fence).remove(std::string(kLeaderKey)).remove(std::string(kLeaseKey));
  term_.reset();
  auto done = store_.commit(give_up);
  if (!done) return std::unexpected(done.error());
  return {};
}

Result<std::optional<LeaderTerm>> MemoryLeadership::leader() {
  auto expiry = lease_expiry();
  if (!expiry) return std::unexpected(expiry.error());
  if (clock_.now_ms() >= *expiry) return std::optional<LeaderTerm>{};
  return read_leader_key(store_);
}

}  // namespace quarry
