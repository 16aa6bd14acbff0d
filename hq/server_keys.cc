#include "hq/server_keys.h"

#include <algorithm>
#include <set>

#include "core/text.h"
#include "hq/hq_peers.h"

namespace quarry {

namespace {

std::string digest_key(const std::string& server_id) { return std::string(kServerKeysPrefix) + "/" + server_id; }

// $1 is the key file; the new text arrives on stdin.
constexpr const char* kSyncScript =
    "set -e; f=${QUARRY_AUTHORIZED_KEYS:-$1}; umask 077; mkdir -p -- \"$(dirname -- \"$f\")\"; t=\"$f.quarry-new\"; cat > \"$t\"; "
    "if cmp -s -- \"$t\" \"$f\"; then rm -f -- \"$t\"; echo unchanged; else mv -f -- \"$t\" \"$f\"; echo written; fi";

Endpoint endpoint_for(const ServerRecord& s) { return {s.id, s.ip, s.ssh_port, s.ssh_user}; }

}  // namespace

Result<std::vector<std::string>> hq_key_set(Store& store, const std::string& own_line) {
  auto own = key_without_comment(trim(own_line), "this HQ's public key");
  if (!own) return std::unexpected(own.error());
  auto peers = load_peers(store);
  if (!peers) return std::unexpected(peers.error());
  std::set<std::string> keys{*own};
  for (const auto& p : *peers) keys.insert(p.key);
  return std::vector<std::string>(keys.begin(), keys.end());
}

std::string render_key_file(const std::vector<std::string>& keys) {
  std::string text;
  for (const auto& k : keys) text += k + "\n";
  return text;
}

std::string key_set_digest(const std::vector<std::string>& keys) { return sha256_hex(render_key_file(keys)); }

Command key_sync_command(const std::vector<std::string>& keys, const std::string& key_file) {
  Command c;
  c.argv = {"sh", "-c", kSyncScript, "quarry-keys", key_file};
  c.stdin_data = render_key_file(keys);
  c.timeout = std::chrono::seconds(30);
  return c;
}

Result<KeySyncReport> keep_server_keys(Store& store, RemoteShell& shell, const std::vector<ServerRecord>& servers,
                                       const std::string& own_line, const KeyFileOf& key_file) {
  KeySyncReport report;
  auto peers = store.list(kPeersPrefix);
  if (!peers) return std::unexpected(peers.error());
  auto synced = store.list(kServerKeysPrefix);
  if (!synced) return std::unexpected(synced.error());
  // One HQ that never had peers keeps the key its servers were made with.
  if (peers->empty() && synced->empty()) return report;
  auto keys = hq_key_set(store, own_line);
  if (!keys) return std::unexpected(keys.error());
  const std::string digest = key_set_digest(*keys);

  Status first_error;
  std::set<std::string> present;
  for (const auto& server : servers) {
    present.insert(server.id);
    const std::string file = key_file(server);
    auto recorded = store.get(digest_key(server.id));
    if (!recorded) return std::unexpected(recorded.error());
    if (file.empty() || (*recorded && **recorded == digest)) {
      ++report.skipped;
      continue;
    }
    auto ran = run_ok(shell, endpoint_for(server), key_sync_command(*keys, file));
    if (!ran) {
      if (first_error) first_error = std::unexpected(ran.error().context("the HQs' keys on server " + server.id));
      continue;
    }
    if (auto s = store.put(digest_key(server.id), digest); !s) return std::unexpected(s.error());
    ++report.written;
  }
  for (const auto& id : *synced)
    if (!present.contains(id))
      if (auto s = store.remove(digest_key(id)); !s) return std::unexpected(s.error());
  if (!first_error) return std::unexpected(first_error.error());
  return report;
}

}  // namespace quarry
