#include "cli/server_source.h"

#include <ctime>

#include <nlohmann/json.hpp>

#include "cloud/server_names.h"
#include "core/file_io.h"
#include "core/log.h"
#include "core/subprocess.h"
#include "core/text.h"
#include "store/store_json.h"

namespace quarry {

namespace {

using nlohmann::json;

json server_json(const Server& s) {
  return {{"id", s.id},       {"name", s.name},         {"provider", s.provider}, {"ip", s.ip},
          {"ssh_port", s.ssh_port}, {"ssh_user", s.ssh_user}, {"memory_mb", s.memory_mb}, {"cpu", s.cpu},
          {"tags", s.tags},   {"host_key", s.host_key}, {"provider_ref", s.provider_ref}, {"size", s.size}};
}

Server server_from(const json& j) {
  Server s;
  s.id = j.value("id", "");
  s.name = j.value("name", "");
  s.provider = j.value("provider", "");
  s.ip = j.value("ip", "");
  s.ssh_port = j.value("ssh_port", 22);
  s.ssh_user = j.value("ssh_user", "root");
  s.memory_mb = j.value("memory_mb", 0);
  s.cpu = j.value("cpu", 0.0);
  s.tags = j.value("tags", std::vector<std::string>{});
  s.host_key = j.value("host_key", "");
  s.provider_ref = j.value("provider_ref", "");
  s.size = j.value("size", "");
  return s;
}

std::string entry_key(const LedgerEntry& e) {
  return (e.state == "leaked" ? "cloud/leaked/" : "cloud/creating/") + e.token + ".json";
}

}  // namespace

ServerRecord record_of(const Server& s) {
  ServerRecord r;
  r.id = s.id;
  r.name = s.name;
  r.provider = s.provider;
  r.provider_ref = s.provider_ref;
  r.ip = s.ip;
  r.ssh_port = s.ssh_port;
  r.ssh_user = s.ssh_user;
  r.memory_mb = s.memory_mb;
  r.cpu = s.cpu;
  r.tags = s.tags;
  r.created_at = static_cast<std::int64_t>(std::time(nullptr));
  return r;
}

Server server_of(const ServerRecord& r) {
  Server s;
  s.id = r.id;
  s.name = r.name;
  s.provider = r.provider;
  s.provider_ref = r.provider_ref;
  s.ip = r.ip;
  s.ssh_port = r.ssh_port;
  s.ssh_user = r.ssh_user;
  s.memory_mb = r.memory_mb;
  s.cpu = r.cpu;
  s.tags = r.tags;
  return s;
}

Result<std::vector<LedgerEntry>> StoreServerLedger::entries() {
  std::vector<LedgerEntry> out;
  for (std::string state : {"creating", "leaked"}) {
    auto keys = store_.list("cloud/" + state);
    if (!keys) return std::unexpected(keys.error());
    for (const auto& k : *keys) {
      auto doc = get_json(store_, "cloud/" + state + "/" + k);
      if (!doc) return std::unexpected(doc.error());
      if (!*doc || !(*doc)->is_object()) continue;
      const json& j = **doc;
      LedgerEntry e;
      e.token = j.value("token", "");
      e.state = state;
      e.since = j.value("since", std::int64_t{0});
      e.note = j.value("note", "");
      if (j.contains("server") && j["server"].is_object()) e.server = server_from(j["server"]);
      if (!e.token.empty()) out.push_back(std::move(e));
    }
  }
  return out;
}

Status StoreServerLedger::put(const LedgerEntry& e) {
  json j = {{"token", e.token}, {"state", e.state}, {"since", e.since}, {"note", e.note},
            {"server", server_json(e.server)}};
  return put_json(store_, entry_key(e), j, 0600);
}

Status StoreServerLedger::drop(const std::string& token) {
  if (auto s = store_.remove("cloud/creating/" + token + ".json"); !s) return s;
  return store_.remove("cloud/leaked/" + token + ".json");
}

Result<std::vector<Server>> StoreServerLedger::ready() {
  auto records = load_servers(store_);
  if (!records) return std::unexpected(records.error());
  std::vector<Server> out;
  for (const auto& r : *records) out.push_back(server_of(r));
  return out;
}

Status StoreServerLedger::record_ready(const Server& server) {
  std::lock_guard lock(mu_);
  // Pinned before the record exists: no connection can see the server
  // without its key already known.
  if (!server.host_key.empty()) {
    auto blob = base64_decode(server.host_key);
    if (!blob || blob->empty()) return fail("server " + server.id + ": its host key is not base64");
    if (auto s = keys_.pin(server.id, *blob); !s) return s;
  } else if (auto s = keys_.trust_next_key(server.id); !s) {
    return s;
  }
  return save_server(store_, record_of(server));
}

Status StoreServerLedger::mark_gone(const Server& server) {
  return store_.put("servers/" + server.id + "/gone", std::to_string(std::time(nullptr)) + "\n");
}

Status StoreServerLedger::forget(const Server& server) {
  (void)keys_.forget(server.id);
  return remove_server(store_, server.id);
}

Result<HostKeyPair> make_host_key() {
  auto dir = make_temp_dir("quarry-hostkey");
  if (!dir) return std::unexpected(dir.error());
  const std::string key = *dir + "/key";
  auto r = run_checked({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "quarry-host", "-f", key});
  HostKeyPair pair;
  Status st;
  if (!r) st = std::unexpected(r.error().context("make a host key"));
  auto priv = r ? read_file(key) : Result<std::string>(std::unexpected(r.error()));
  auto pub = r ? read_file(key + ".pub") : Result<std::string>(std::unexpected(r.error()));
  (void)remove_all(*dir);
  if (!priv) return std::unexpected(priv.error());
  if (!pub) return std::unexpected(pub.error());
  pair.private_key = *priv;
  pair.public_line = trim(*pub);
  return pair;
}

ProviderServerSource::ProviderServerSource(Store& store, Provider& provider, HostKeyStore& keys,
                                           std::string cluster_id, FleetOptions options)
    : store_(store),
      provider_(provider),
      ledger_(store, keys),
      fleet_(provider, ledger_, options),
      cluster_id_(std::move(cluster_id)) {}

Result<std::string> ProviderServerSource::next_name() {
  std::lock_guard lock(mu_);
  if (last_number_ < 0) {
    std::vector<std::string> names;
    auto ready = ledger_.ready();
    if (!ready) return std::unexpected(ready.error());
    for (const auto& s : *ready) names.push_back(s.name);
    auto pending = ledger_.entries();
    if (!pending) return std::unexpected(pending.error());
    for (const auto& e : *pending) names.push_back(e.server.name);
    last_number_ = last_server_number(cluster_id_, names);
  }
  return server_name(cluster_id_, ++last_number_);
}

Result<ServerRecord> ProviderServerSource::create_spec(ServerSpec spec) {
  for (const auto& t : spec.tags)
    if (auto s = check_server_tag(t); !s) return std::unexpected(s.error());
  if (spec.name.empty()) {
    auto name = next_name();
    if (!name) return std::unexpected(name.error());
    spec.name = *name;
  }
  if (auto s = check_server_name(spec.name); !s) return std::unexpected(s.error());
  Step step("create " + provider_.name() + " server " + spec.name + " (" + std::to_string(spec.memory_mb) + " MB" +
            (spec.tags.empty() ? "" : ", " + join(spec.tags, ",")) + ")");
  if (provider_.name() != "local") {
    auto key = make_host_key();
    if (!key) return std::unexpected(key.error());
    spec.host_key_private = key->private_key;
    spec.host_key_public = key->public_line;
  }
  auto server = fleet_.create(spec);
  if (!server) {
    step.failed(server.error().message);
    return std::unexpected(server.error());
  }
  if (server->provider == "local" && !server->provider_ref.empty()) {
    // Local servers run nginx and apps as an unprivileged user: let it bind
    // ports below 1024 in the server's own network namespace.
    (void)run_process({"ip", "netns", "exec", server->provider_ref, "sysctl", "-q", "-w",
                       "net.ipv4.ip_unprivileged_port_start=0"});
  }
  auto rec = record_of(*server);
  if (on_change_) {
    if (auto s = on_change_(); !s) {
      step.failed(s.error().message);
      return std::unexpected(s.error().context("server " + rec.id + " is recorded but gets no containers"));
    }
  }
  step.done(rec.id + " at " + rec.ip);
  return rec;
}

Result<ServerRecord> ProviderServerSource::create(const Resources& size, const Tags& tags) {
  ServerSpec spec;
  spec.memory_mb = static_cast<int>(size.memory_mb);
  spec.cpu = static_cast<double>(size.cpu_millis) / 1000.0;
  for (const auto& [k, v] : tags) spec.tags.push_back(v.empty() ? k : k + "=" + v);
  return create_spec(spec);
}

Status ProviderServerSource::destroy(const ServerRecord& server) {
  Step step("destroy server " + server.id);
  if (auto s = fleet_.destroy(server_of(server)); !s) {
    step.failed(s.error().message);
    return s;
  }
  step.done();
  return on_change_ ? on_change_() : Status{};
}

}  // namespace quarry
