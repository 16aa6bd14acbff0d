#include "cloud/cloud_init.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace quarry {

namespace {

std::string q(const std::string& s) { return nlohmann::json(s).dump(); }

}  // namespace

std::vector<std::string> admitted_keys(const std::string& key, const std::vector<std::string>& keys) {
  std::vector<std::string> out;
  auto add = [&](const std::string& k) {
    std::string t = trim(k);
    if (!t.empty() && std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  };
  add(key);
  for (const auto& k : keys) add(k);
  return out;
}

std::string render_cloud_init(const CloudInitOptions& o) {
  std::string s = "#cloud-config\n";
  if (!o.hostname.empty()) s += "hostname: " + q(o.hostname) + "\n";
  s += "users:\n";
  s += "  - name: " + q(o.ssh_user) + "\n";
  s += "    shell: \"/bin/sh\"\n";
  s += "    groups: [\"docker\"]\n";
  // A locked password blocks key logins when sshd runs without PAM.
  s += "    lock_passwd: false\n";
  s += "    passwd: \"*\"\n";
  s += "    ssh_authorized_keys:\n";
  for (const auto& k : admitted_keys(o.authorized_key, o.authorized_keys)) s += "      - " + q(k) + "\n";
  s += "groups: [\"docker\"]\n";
  if (!o.host_key_private.empty()) {
    s += "ssh_deletekeys: true\n";
    s += "ssh_genkeytypes: []\n";
    s += "ssh_keys:\n";
    s += "  ed25519_private: " + q(o.host_key_private) + "\n";
    s += "  ed25519_public: " + q(o.host_key_public) + "\n";
  }
  s += "package_update: true\n";
  s += "packages: [\"docker.io\", \"openssh-server\"]\n";
  s += "runcmd:\n";
  s += "  - [\"sh\", \"-c\", \"systemctl enable --now docker || service docker start\"]\n";
  return s;
}

}  // namespace quarry
