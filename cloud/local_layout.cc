#include "cloud/local_layout.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>

namespace quarry {

Status check_cluster_id(std::string_view id) {
  bool ok = !id.empty() && id.size() <= 6;
  for (char c : id) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
  if (!ok) return fail("local cloud: cluster id \"" + std::string(id) + "\" must be 1-6 characters of [a-z0-9]");
  return {};
}

int default_subnet_octet(std::string_view cluster_id) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : cluster_id) {
    h ^= c;
    h *= 16777619u;
  }
  return 1 + static_cast<int>(h % 250);
}

std::string LocalNames::mac(int index) const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "02:00:0a:4d:%02x:%02x", octet & 0xff, (index + 1) & 0xff);
  return buf;
}

int netns_index(const LocalNames& names, std::string_view netns) {
  auto prefix = names.netns_prefix();
  if (netns.substr(0, prefix.size()) != prefix) return 0;
  auto rest = netns.substr(prefix.size());
  if (rest.empty() || rest.size() > 3) return 0;
  int n = 0;
  for (char c : rest) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + (c - '0');
  }
  return n >= 1 && n <= kLocalMaxServers ? n : 0;
}

int pick_index(const LocalNames& names, const std::vector<bool>& used, std::string_view name) {
  auto free = [&](int i) { return static_cast<std::size_t>(i) < used.size() && !used[static_cast<std::size_t>(i)]; };
  if (int wanted = netns_index(names, name); wanted && free(wanted)) return wanted;
  for (int i = 1; i <= kLocalMaxServers; ++i)
    if (free(i)) return i;
  return 0;
}

std::string render_sshd_config(const SshdSettings& s) {
  std::string c;
  c += "# Written by quarry's local cloud; one sshd per server namespace.\n";
  c += "ListenAddress " + s.listen_ip + ":22\n";
  c += "HostKey " + s.paths.host_key() + "\n";
  c += "PidFile " + s.paths.sshd_pid() + "\n";
  c += "AuthorizedKeysFile " + s.paths.authorized_keys() + "\n";
  c += "AllowUsers " + s.ssh_user + "\n";
  c += "PermitRootLogin no\n";
  c += "PubkeyAuthentication yes\n";
  c += "PasswordAuthentication no\n";
  c += "KbdInteractiveAuthentication no\n";
  c += "UsePAM no\n";
  c += "StrictModes no\n";
  c += "UseDNS no\n";
  c += "MaxSessions 64\n";
  c += "MaxStartups 64:30:128\n";
  // QUARRY_AUTHORIZED_KEYS: where the HQs' keys are kept (hq/server_keys.h).
  c += "SetEnv DOCKER_HOST=unix://" + s.paths.docker_sock() + " QUARRY_AUTHORIZED_KEYS=" + s.paths.authorized_keys() +
       "\n";
  c += "Subsystem sftp internal-sftp\n";
  return c;
}

std::string record_to_json(const LocalServerRecord& r) {
  const Server& s = r.server;
  nlohmann::json j = {
      {"id", s.id},           {"name", s.name},         {"provider", s.provider},
      {"ip", s.ip},           {"ssh_port", s.ssh_port}, {"ssh_user", s.ssh_user},
      {"memory_mb", s.memory_mb}, {"cpu", s.cpu},       {"tags", s.tags},
      {"host_key", s.host_key}, {"provider_ref", s.provider_ref},
      {"index", r.index},     {"state", r.state},
  };
  return j.dump(2) + "\n";
}

Result<LocalServerRecord> record_from_json(std::string_view text) {
  try {
    auto j = nlohmann::json::parse(text);
    LocalServerRecord r;
    Server& s = r.server;
    s.id = j.at("id").get<std::string>();
    s.name = j.value("name", "");
    s.provider = j.value("provider", "local");
    s.ip = j.value("ip", "");
    s.ssh_port = j.value("ssh_port", 22);
    s.ssh_user = j.value("ssh_user", "");
    s.memory_mb = j.value("memory_mb", 0);
    s.cpu = j.value("cpu", 0.0);
    s.tags = j.value("tags", std::vector<std::string>{});
    s.host_key = j.value("host_key", "");
    s.provider_ref = j.value("provider_ref", s.id);
    r.index = j.at("index").get<int>();
    r.state = j.value("state", "");
    return r;
  } catch (const nlohmann::json::exception& e) {
    return fail_remote(std::string("malformed server record: ") + e.what());
  }
}

}  // namespace quarry
