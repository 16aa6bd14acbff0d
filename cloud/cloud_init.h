// The first-boot configuration of a cloud server (user data, read by
// cloud-init on DigitalOcean's and EC2's Debian and Ubuntu images), as a
// "#cloud-config" document:
//   users:    the unprivileged SSH user, in group docker, with every HQ's
//             key in its authorized_keys (and the key for root's, too: some
//             images read only the default user's)
//   ssh_keys: the server's SSH host key, generated on the HQ, so quarry has
//             pinned it before the first connection
//   runcmd:   installs and starts docker and sshd
// The only secret in it is that host key (the HQ keeps the other half of
// nothing: a host key's private part is the server's own). Every value is
// written as a JSON string, which YAML reads as a double-quoted scalar, so
// no value can change the document's structure. Pure.
#pragma once

#include <string>
#include <vector>

namespace quarry {

struct CloudInitOptions {
  std::string ssh_user = "quarry";     // created if missing, in group docker, shell /bin/sh
  std::string authorized_key;          // one OpenSSH public key line (the HQ's)
  std::string host_key_private;        // OpenSSH ed25519 private key (PEM-like text); empty: the image's own
  std::string host_key_public;         // its "ssh-ed25519 AAAA..." line
  std::string hostname;                // empty: the provider's
  // Every HQ's key (each HQ keeps its own pair); authorized_key, when set,
  // is read too.
  std::vector<std::string> authorized_keys;
};

// authorized_key (when not blank) then each of authorized_keys, trimmed,
// blanks and repeats dropped: the lines a new server admits.
std::vector<std::string> admitted_keys(const std::string& key, const std::vector<std::string>& keys);

std::string render_cloud_init(const CloudInitOptions& options);

}  // namespace quarry
