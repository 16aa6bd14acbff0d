#include "store/etcd_store.h"

#include <set>
#include <thread>

#include "core/text.h"
#include "store/lease_keeper.h"

namespace quarry {

namespace {

using nlohmann::json;

std::int64_t num(const json& j, const char* field) {
  if (!j.is_object() || !j.contains(field)) return 0;  // the gateway omits zeros
  const auto& v = j[field];
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (!s.empty() && s.size() < 20 && s.find_first_not_of("-0123456789") == std::string::npos) return std::stoll(s);
  }
  return 0;
}

Result<std::string> decoded(const json& j, const char* field, const std::string& where) {
  if (!j.contains(field)) return std::string();  // empty bytes are omitted
  if (!j[field].is_string()) return fail_remote("etcd: " + where + ": " + field + " is not a string");
  auto bytes = base64_decode(j[field].get<std::string>());
  if (!bytes) return fail_remote("etcd: " + where + ": " + field + " is not base64");
  return *bytes;
}

json compare_of(const std::string& key, std::int64_t revision) {
  return {{"key", base64_encode(key)}, {"target", "MOD"}, {"result", "EQUAL"},
          {"mod_revision", std::to_string(revision)}};
}

}  // namespace

EtcdStore::EtcdStore(EtcdOptions options) : client_(std::move(options)) {}

std::string EtcdStore::full(std::string_view key) const { return client_.options().prefix + std::string(key); }

std::string EtcdStore::locate(std::string_view key) const { return url() + " key " + full(key); }

Result<json> EtcdStore::range(const std::string& key, const std::string& range_end, bool keys_only) {
  json body{{"key", base64_encode(key)}};
  if (!range_end.empty()) body["range_end"] = base64_encode(range_end);
  if (keys_only) body["keys_only"] = true;
  return client_.call("/v3/kv/range", body, true);
}

Result<Versioned> EtcdStore::get_versioned(std::string_view key) {
  if (auto s = check_key(key); !s) return std::unexpected(s.error());
  auto answer = range(full(key), "", false);
  if (!answer) return std::unexpected(answer.error());
  Versioned v;
  if (!answer->contains("kvs") || (*answer)["kvs"].empty()) return v;
  const auto& kv = (*answer)["kvs"][0];
  auto value = decoded(kv, "value", full(key));
  if (!value) return std::unexpected(value.error());
  v.value = std::move(*value);
  v.revision = num(kv, "mod_revision");
  if (v.revision <= 0) return fail_remote("etcd: " + full(key) + ": answer has no mod_revision");
  return v;
}

Result<std::int64_t> EtcdStore::revision(std::string_view key) {
  if (auto s = check_key(key); !s) return std::unexpected(s.error());
  auto answer = range(full(key), "", true);
  if (!answer) return std::unexpected(answer.error());
  if (!answer->contains("kvs") || (*answer)["kvs"].empty()) return std::int64_t{0};
  auto revision = num((*answer)["kvs"][0], "mod_revision");
  if (revision <= 0) return fail_remote("etcd: " + full(key) + ": answer has no mod_revision");
  return revision;
}

Result<std::optional<std::string>> EtcdStore::get(std::string_view key) {
  auto v = get_versioned(key);
  if (!v) return std::unexpected(v.error());
  return std::move(v->value);
}

Status EtcdStore::put(std::string_view key, std::string_view value, unsigned mode) {
  Txn txn;
  txn.put(std::string(key), std::string(value), mode);
  auto done = commit(txn);
  if (!done) return std::unexpected(done.error());
  return {};
}

Status EtcdStore::remove(std::string_view key) {
  Txn txn;
  txn.remove(std::string(key));
  auto done = commit(txn);
  if (!done) return std::unexpected(done.error());
  return {};
}

Result<std::vector<std::string>> EtcdStore::list(std::string_view prefix) {
  if (!prefix.empty()) {
    if (auto s = check_key(prefix); !s) return std::unexpected(s.error());
  }
  auto base = prefix.empty() ? client_.options().prefix : full(prefix) + "/";
  auto answer = range(base, prefix_end(base), true);
  if (!answer) return std::unexpected(answer.error());
  std::set<std::string> names;
  if (answer->contains("kvs")) {
    for (const auto& kv : (*answer)["kvs"]) {
      auto key = decoded(kv, "key", base);
      if (!key) return std::unexpected(key.error());
      auto rest = key->substr(base.size());
      names.insert(rest.substr(0, rest.find('/')));
    }
  }
  return std::vector<std::string>(names.begin(), names.end());
}

Result<bool> EtcdStore::commit_with_lease(const Txn& txn, std::int64_t lease, std::int64_t* revision) {
  if (auto s = check_txn(txn); !s) return std::unexpected(s.error());
  json compares = json::array(), ops = json::array();
  for (const auto& c : txn.compares) compares.push_back(compare_of(full(c.key), c.revision));
  for (const auto& op : txn.ops) {
    auto key = full(op.key);
    if (op.kind == TxnOp::Kind::Put) {
      json put{{"key", base64_encode(key)}, {"value", base64_encode(op.value)}};
      if (lease) put["lease"] = std::to_string(lease);
      ops.push_back({{"request_put", put}});
      continue;
    }
    ops.push_back({{"request_delete_range", {{"key", base64_encode(key)}}}});
    ops.push_back({{"request_delete_range",
                    {{"key", base64_encode(key + "/")}, {"range_end", base64_encode(prefix_end(key + "/"))}}}});
  }
  json body{{"compare", compares}, {"success", ops}};
  auto answer = client_.call("/v3/kv/txn", body, false);
  if (!answer) return std::unexpected(answer.error());
  if (!answer->contains("header")) return fail_remote("etcd: txn answer has no header");
  if (revision) *revision = num((*answer)["header"], "revision");
  return answer->value("succeeded", false);
}

Result<bool> EtcdStore::commit(const Txn& txn) { return commit_with_lease(txn, 0, nullptr); }

Result<std::int64_t> EtcdStore::grant_lease(std::chrono::seconds ttl) {
  auto answer = client_.call("/v3/lease/grant", json{{"TTL", std::to_string(ttl.count())}}, false);
  if (!answer) return std::unexpected(answer.error());
  if (answer->contains("error") && (*answer)["error"].is_string() && !(*answer)["error"].get<std::string>().empty())
    return fail_remote("etcd: lease grant: " + (*answer)["error"].get<std::string>());
  auto id = num(*answer, "ID");
  if (id == 0) return fail_remote("etcd: lease grant answered without an ID");
  return id;
}

Result<std::int64_t> EtcdStore::keep_alive(std::int64_t lease) {
  auto answer = client_.call("/v3/lease/keepalive", json{{"ID", std::to_string(lease)}}, true);
  if (!answer) return std::unexpected(answer.error());
  if (!answer->contains("result")) return fail_remote("etcd: lease keepalive answered without a result");
  return num((*answer)["result"], "TTL");
}

Status EtcdStore::revoke_lease(std::int64_t lease) {
  auto answer = client_.call("/v3/lease/revoke", json{{"ID", std::to_string(lease)}}, true);
  if (!answer) {
    // Already expired is fine: the point was to free what it held.
    if (answer.error().message.find("lease not found") != std::string::npos) return {};
    return std::unexpected(answer.error());
  }
  return {};
}

Result<StoreLock> EtcdStore::lock(std::string_view name, std::string_view holder,
                                  std::optional<std::chrono::milliseconds> timeout,
                                  const std::function<void(const std::string&)>& on_wait) {
  auto key = "run/locks/" + std::string(name);
  if (auto s = check_key(key); !s) return std::unexpected(s.error());
  auto start = std::chrono::steady_clock::now();
  auto pause = std::chrono::milliseconds(20);
  bool told = false;
  while (true) {
    auto granted_at = std::chrono::steady_clock::now();
    auto lease = grant_lease(lock_ttl_);
    if (!lease) return std::unexpected(lease.error());
    Txn txn;
    txn.expect(key, 0).put(key, std::string(holder) + "\n");
    auto won = commit_with_lease(txn, *lease, nullptr);
    if (won && *won) {
      auto keeper = std::make_shared<LeaseKeeper>(*this, *lease, lock_ttl_, granted_at);
      return StoreLock([keeper]() mutable { keeper.reset(); });
    }
    (void)revoke_lease(*lease);
    if (!won) return std::unexpected(won.error());
    if (!told && on_wait) {
      auto who = get(key);
      on_wait(who && *who ? trim(**who) : std::string("another holder"));
      told = true;
    }
    if (timeout && std::chrono::steady_clock::now() - start >= *timeout) {
      auto who = get(key);
      return fail_remote("lock " + std::string(name) + " is held by " +
                         (who && *who ? trim(**who) : std::string("another holder")));
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(250));
  }
}

Result<std::vector<WatchEvent>> EtcdStore::watch(std::string_view prefix, WatchCursor& cursor,
                                                 std::chrono::milliseconds timeout) {
  if (auto s = check_key(prefix); !s) return std::unexpected(s.error());
  auto key = full(prefix);
  if (!cursor.started) {
    auto now = range(key, "", true);
    if (!now) return std::unexpected(now.error());
    cursor.revision = num((*now)["header"], "revision") + 1;
    cursor.started = true;
  }
  json create{{"key", base64_encode(key)},
              {"range_end", base64_encode(prefix_end(key))},
              {"start_revision", std::to_string(cursor.revision)}};
  std::vector<WatchEvent> out;
  auto base = client_.options().prefix;
  auto on_message = [&](const json& msg) -> Result<bool> {
    if (!msg.contains("result")) {
      return fail_remote("etcd watch: " + msg.dump().substr(0, 200));
    }
    const auto& r = msg["result"];
    if (num(r, "compact_revision") > 0)
      return fail_remote("etcd watch: revision " + std::to_string(cursor.revision) + " was compacted");
    if (r.value("canceled", false)) return fail_remote("etcd watch canceled: " + r.value("cancel_reason", ""));
    if (!r.contains("events")) return true;
    for (const auto& e : r["events"]) {
      const auto& kv = e["kv"];
      auto k = decoded(kv, "key", key);
      if (!k) return std::unexpected(k.error());
      auto name = k->substr(base.size());
      // key + range_end cover "stacks/a" and "stacks/ab"; keep "stacks/a" and below.
      if (name != prefix && !starts_with(name, std::string(prefix) + "/")) continue;
      WatchEvent ev;
      ev.key = name;
      ev.revision = num(kv, "mod_revision");
      if (e.value("type", "PUT") == "DELETE") {
        ev.kind = WatchEvent::Kind::Remove;
      } else {
        auto v = decoded(kv, "value", name);
        if (!v) return std::unexpected(v.error());
        ev.value = std::move(*v);
      }
      cursor.revision = std::max(cursor.revision, ev.revision + 1);
      out.push_back(std::move(ev));
    }
    return out.empty();  // stop at the first batch with events
  };
  auto s = client_.stream("/v3/watch", json{{"create_request", create}}, timeout, on_message);
  if (!s) return std::unexpected(s.error());
  return out;
}

Result<std::vector<EtcdMember>> EtcdStore::members() {
  auto list = client_.call("/v3/cluster/member/list", json::object(), true);
  if (!list) return std::unexpected(list.error());
  std::vector<EtcdMember> out;
  for (const auto& m : list->value("members", json::array())) {
    EtcdMember member;
    member.name = m.value("name", "");
    member.id = m.value("ID", "");
    for (const auto& u : m.value("clientURLs", json::array())) member.client_urls.push_back(u.get<std::string>());
    if (member.client_urls.empty()) {
      member.error = "not started";
      out.push_back(member);
      continue;
    }
    auto url = member.client_urls.front();
    auto host = url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
    auto status = client_.call_endpoint(host, "/v3/maintenance/status", json::object());
    if (!status) {
      member.error = status.error().message;
    } else {
      member.leader = status->value("leader", "") == member.id;
      // A member that sees no leader has lost quorum: not healthy.
      member.healthy = !status->value("leader", "").empty() && status->value("leader", "") != "0";
      if (!member.healthy) member.error = "no raft leader (quorum lost)";
    }
    out.push_back(member);
  }
  return out;
}

}  // namespace quarry
