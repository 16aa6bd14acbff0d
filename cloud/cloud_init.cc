#include "cloud/cloud_init.h"

#include "core/quote.h"

namespace quarry {

std::string render_cloud_init(const CloudInitOptions& o) {
  const std::string user = shell_quote(o.ssh_user);
  std::string s;
  s += "#!/bin/sh\n";
  s += "# quarry first boot: docker, sshd, the SSH user and the HQ's key.\n";
  s += "set -eu\n";
  s += "export DEBIAN_FRONTEND=noninteractive\n";
  s += "if command -v apt-get >/dev/null; then\n";
  s += "  apt-get update -q\n";
  s += "  apt-get install -y -q docker.io openssh-server\n";
  s += "elif command -v dnf >/dev/null; then\n";
  s += "  dnf install -y docker openssh-server\n";
  s += "fi\n";
  s += "getent group docker >/dev/null || groupadd docker\n";
  s += "id -u " + user + " >/dev/null 2>&1 || useradd -m -s /bin/sh -G docker " + user + "\n";
  s += "usermod -a -G docker " + user + "\n";
  // A locked password blocks key logins when sshd runs without PAM.
  s += "usermod -p '*' " + user + "\n";
  s += "home=$(getent passwd " + user + " | cut -d: -f6)\n";
  s += "install -d -m 0700 -o " + user + " -g " + user + " \"$home/.ssh\"\n";
  s += "printf '%s\\n' " + shell_quote(o.authorized_key) + " > \"$home/.ssh/authorized_keys\"\n";
  s += "chown " + user + ":" + user + " \"$home/.ssh/authorized_keys\"\n";
  s += "chmod 0600 \"$home/.ssh/authorized_keys\"\n";
  s += "systemctl enable --now docker 2>/dev/null || service docker start\n";
  return s;
}

}  // namespace quarry
