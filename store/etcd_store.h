// The Store on an etcd v3 cluster (EtcdClient: the JSON gateway over
// libcurl). Key K lives at PREFIX+K (default /quarry/K); a value is the raw
// bytes (file modes do not apply: protect etcd itself with TLS client
// certificates). Every change is one etcd transaction, so a multi-key commit
// is all or nothing, also across a crash; a revision is etcd's mod_revision.
// Locks are keys under run/locks/ attached to a lease that a thread keeps
// alive while the StoreLock lives: a holder that dies or stops answering
// loses the lock when the lease's TTL runs out. Watches use /v3/watch.
// Errors reaching etcd are Remote (exit 3) and name the endpoints tried.
// Thread-safe.
#pragma once

#include <memory>

#include "store/etcd_client.h"
#include "store/store.h"

namespace quarry {

struct EtcdMember {
  std::string name;
  std::string id;
  std::vector<std::string> client_urls;
  bool healthy = false;
  bool leader = false;
  std::string error;  // why it is not healthy
};

class EtcdStore : public Store {
 public:
  explicit EtcdStore(EtcdOptions options);

  Result<std::optional<std::string>> get(std::string_view key) override;
  Status put(std::string_view key, std::string_view value, unsigned mode = 0644) override;
  Status remove(std::string_view key) override;
  Result<std::vector<std::string>> list(std::string_view prefix) override;
  Result<StoreLock> lock(std::string_view name, std::string_view holder,
                         std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                         const std::function<void(const std::string&)>& on_wait = {}) override;
  std::string locate(std::string_view key) const override;
  Result<Versioned> get_versioned(std::string_view key) override;
  Result<std::int64_t> revision(std::string_view key) override;
  Result<bool> commit(const Txn& txn) override;
  Result<std::vector<WatchEvent>> watch(std::string_view prefix, WatchCursor& cursor,
                                        std::chrono::milliseconds timeout) override;
  std::string url() const override { return etcd_url(client_.options()); }

  // Leases. grant returns the lease id; keep_alive returns the remaining TTL
  // in seconds (0: the lease is gone); revoke deletes every key on it.
  Result<std::int64_t> grant_lease(std::chrono::seconds ttl);
  Result<std::int64_t> keep_alive(std::int64_t lease);
  Status revoke_lease(std::int64_t lease);
  // A commit whose puts are attached to `lease`. `revision` is set to the
  // store revision the commit produced.
  Result<bool> commit_with_lease(const Txn& txn, std::int64_t lease, std::int64_t* revision);

  // The cluster's members and the health of each (asked one by one).
  Result<std::vector<EtcdMember>> members();

  // How long a lock outlives a holder that stopped renewing it.
  void set_lock_ttl(std::chrono::seconds ttl) { lock_ttl_ = ttl; }

  EtcdClient& client() { return client_; }

 private:
  std::string full(std::string_view key) const;
  Result<nlohmann::json> range(const std::string& key, const std::string& range_end, bool keys_only);

  EtcdClient client_;
  std::chrono::seconds lock_ttl_{10};
};

}  // namespace quarry
