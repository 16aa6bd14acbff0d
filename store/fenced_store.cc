#include "store/fenced_store.h"

namespace quarry {

namespace {
Error fenced_error(const LeaderTerm& term) {
  return Error{"fenced: HQ " + term.hq_id + " no longer leads (term " + std::to_string(term.term) +
                   "); nothing was written",
               ErrorKind::Remote};
}
}  // namespace

LeaderTerm FencedStore::term() const {
  std::lock_guard guard(mu_);
  return term_;
}

void FencedStore::set_term(LeaderTerm term) {
  std::lock_guard guard(mu_);
  term_ = std::move(term);
}

Result<bool> FencedStore::commit(const Txn& txn) {
  auto term = this->term();
  auto done = commit_fenced(inner_, term, txn);
  if (!done || *done) return done;
  // Tell a lost term from a failed compare of the caller's own.
  auto leader = inner_.get_versioned(kLeaderKey);
  if (!leader) return std::unexpected(leader.error());
  if (leader->revision != term.fence) return std::unexpected(fenced_error(term));
  return false;
}

Status FencedStore::put(std::string_view key, std::string_view value, unsigned mode) {
  Txn txn;
  txn.put(std::string(key), std::string(value), mode);
  auto done = commit(txn);
  if (!done) return std::unexpected(done.error());
  if (!*done) return std::unexpected(fenced_error(term()));
  return {};
}

Status FencedStore::remove(std::string_view key) {
  Txn txn;
  txn.remove(std::string(key));
  auto done = commit(txn);
  if (!done) return std::unexpected(done.error());
  if (!*done) return std::unexpected(fenced_error(term()));
  return {};
}

}  // namespace quarry
